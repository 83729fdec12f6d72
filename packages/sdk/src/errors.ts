import type { ValidationIssue } from '@celr/schema';

/** The `type` of a problem the SDK raised itself: the body was checked with @celr/schema before sending. */
export const CLIENT_VALIDATION = 'urn:celr:problem:client-validation';
/** The `type` of a problem the SDK raised itself: no HTTP response (connection refused, DNS, TLS, aborted). */
export const CLIENT_NETWORK = 'urn:celr:problem:client-network';

const PREFIX = 'urn:celr:problem:';

/** A field-level issue: an RFC 6901 pointer into the body, a stable rule name and a message for people. */
export type ProblemIssue = ValidationIssue;

/** An RFC 9457 problem document as the CELR API sends it (`application/problem+json`). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string | undefined;
  instance?: string | undefined;
  requestId?: string | undefined;
  errors?: ProblemIssue[] | undefined;
  [extension: string]: unknown;
}

/**
 * Every failed request, as one error type: a problem response from the API (status 4xx or 5xx),
 * a body the SDK refused to send (status 0, `type` {@link CLIENT_VALIDATION}), or a request that
 * got no response at all (status 0, `type` {@link CLIENT_NETWORK}).
 */
export class CelrProblemError extends Error {
  override readonly name = 'CelrProblemError';
  /** The HTTP status; 0 when the SDK raised the problem before or without a response. */
  readonly status: number;
  /** A URI that identifies the kind of problem, such as `urn:celr:problem:precondition-failed`. */
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  /** The API's request id (also the `X-Request-Id` header): quote it when asking for help. */
  readonly requestId: string | undefined;
  /** Every field that is wrong, for validation problems; empty otherwise. */
  readonly errors: ProblemIssue[];
  /** The whole problem document, extensions included. */
  readonly problem: ProblemDocument;
  /** The response it came from, when there was one (its body has been read). */
  readonly response: Response | undefined;

  constructor(problem: ProblemDocument, options: { response?: Response; cause?: unknown } = {}) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title, { cause: options.cause });
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.requestId = problem.requestId;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.response = options.response;
  }

  /** The problem type without the `urn:celr:problem:` prefix, e.g. `validation` or `precondition-failed`. */
  get code(): string {
    return this.type.startsWith(PREFIX) ? this.type.slice(PREFIX.length) : this.type;
  }

  /** The error for a response that is not a success; `body` is the parsed body when already read. */
  static fromResponse(response: Response, body?: unknown): CelrProblemError {
    const requestId = response.headers.get('x-request-id') ?? undefined;
    if (isProblemDocument(body)) {
      return new CelrProblemError({ ...body, requestId: body.requestId ?? requestId }, { response });
    }
    // Not a problem document (for example an HTML page from a proxy): keep what there is.
    const text = typeof body === 'string' ? body.trim().slice(0, 500) : undefined;
    return new CelrProblemError(
      {
        type: 'about:blank',
        title: response.statusText || `HTTP ${response.status}`,
        status: response.status,
        ...(text ? { detail: text } : {}),
        ...(requestId ? { requestId } : {}),
      },
      { response },
    );
  }

  /** The error for a body that @celr/schema rejected before it was sent. */
  static clientValidation(issues: ProblemIssue[], what = 'The request body'): CelrProblemError {
    const n = issues.length;
    return new CelrProblemError({
      type: CLIENT_VALIDATION,
      title: 'The request body is not valid',
      status: 0,
      detail: `${what} was not sent: ${n} field${n === 1 ? ' is' : 's are'} not valid.`,
      errors: issues,
    });
  }

  /** The error for a request that got no response. */
  static network(url: string, cause: unknown): CelrProblemError {
    const reason = describeCause(cause);
    return new CelrProblemError(
      {
        type: CLIENT_NETWORK,
        title: 'No response from the API',
        status: 0,
        detail: `${url}: ${reason}`,
      },
      { cause },
    );
  }
}

/**
 * Whether `error` is a {@link CelrProblemError}, optionally of one type: the full URI or its short
 * form (`'precondition-failed'`, `'validation'`, `'client-validation'`...).
 */
export function isCelrProblem(error: unknown, type?: string): error is CelrProblemError {
  if (!(error instanceof CelrProblemError)) return false;
  if (type === undefined) return true;
  return error.type === type || error.type === `${PREFIX}${type}`;
}

function isProblemDocument(body: unknown): body is ProblemDocument {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.type === 'string' && typeof b.title === 'string' && typeof b.status === 'number';
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    const code =
      inner && typeof inner === 'object' && 'code' in inner ? String((inner as { code: unknown }).code) : '';
    if (cause.name === 'AbortError' || cause.name === 'TimeoutError')
      return `${cause.name}: ${cause.message}`;
    return code ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}
