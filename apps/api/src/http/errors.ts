import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_TYPES, ProblemError, type ProblemType, problemTypeUri } from './problem.js';

interface AjvError {
  instancePath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

const PART: Record<string, 'query' | 'path' | 'header' | 'body'> = {
  querystring: 'query',
  params: 'path',
  headers: 'header',
  body: 'body',
};

/** Fastify's own errors, by code, as problems. Anything unknown is a 500 and is logged. */
const FASTIFY_CODES: Record<string, ProblemType> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad-request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
  FST_ERR_BAD_URL: 'invalid-query',
};

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError) {
  const { errors, headers, ...extra } = problem.extra;
  for (const [name, value] of Object.entries(headers ?? {})) reply.header(name, value);
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: problemTypeUri(problem.type),
      title: PROBLEM_TYPES[problem.type].title,
      status: problem.status,
      detail: problem.detail ?? PROBLEM_TYPES[problem.type].title,
      instance: request.url.split('?')[0],
      requestId: request.id,
      ...(errors ? { errors } : {}),
      ...extra,
    });
}

export function toProblem(
  error: FastifyError & { validation?: AjvError[]; validationContext?: string },
): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (error.validation) {
    const where = PART[error.validationContext ?? 'body'] ?? 'body';
    const errors = error.validation.map((e) => {
      const missing = e.keyword === 'required' ? `/${String(e.params?.missingProperty)}` : '';
      const extra = e.keyword === 'additionalProperties' ? `/${String(e.params?.additionalProperty)}` : '';
      return {
        pointer: `${e.instancePath ?? ''}${missing}${extra}`,
        rule: e.keyword === 'additionalProperties' ? 'unknown-property' : e.keyword,
        message:
          e.keyword === 'additionalProperties'
            ? `'${String(e.params?.additionalProperty)}' is not a known ${where} parameter.`
            : `${e.message ?? 'is not valid'}.`,
        in: where,
      };
    });
    return new ProblemError(
      where === 'body' ? 'validation' : 'invalid-query',
      `${errors.length} ${where} parameter${errors.length === 1 ? ' is' : 's are'} not valid.`,
      { errors },
    );
  }
  if (isDatabaseUnavailable(error)) {
    return new ProblemError('unavailable', 'The database is not answering; retry shortly.', {
      headers: { 'retry-after': '5' },
    });
  }
  const database = databaseProblem(error);
  if (database) return database;
  const type = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (type) return new ProblemError(type, error.message);
  if (error.statusCode === 429) return new ProblemError('rate-limited', error.message);
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new ProblemError('bad-request', `The body is not valid JSON: ${error.message}`);
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new ProblemError('bad-request', error.message);
  }
  return undefined;
}

/**
 * The SQLSTATE behind a database error, however it is wrapped: PostgreSQL and PGlite errors carry
 * it as `code`; Prisma's driver adapters wrap it in a `DriverAdapterError` whose `cause` has it
 * (`originalCode`, or `code` for `kind: 'postgres'`); Prisma's known request errors carry their own
 * P-codes, with the adapter's error in `meta.driverAdapterError` and raw queries' code in `meta.code`.
 */
export function sqlStateOf(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const e = error as {
    code?: unknown;
    originalCode?: unknown;
    cause?: unknown;
    meta?: Record<string, unknown>;
  };
  for (const code of [e.originalCode, e.code])
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^P\d{4}$/.test(code)) return code;
  return (
    sqlStateOf(e.cause, depth + 1) ??
    sqlStateOf(e.meta?.driverAdapterError, depth + 1) ??
    (typeof e.meta?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.meta.code) ? e.meta.code : undefined) ??
    PRISMA_CODES[String(e.code)]
  );
}

/** Prisma's codes for the data and constraint errors it reports without the SQLSTATE. */
const PRISMA_CODES: Record<string, string> = {
  P2000: '22001', // value too long for the column
  P2002: '23505', // unique constraint
  P2003: '23503', // foreign key constraint
  P2004: '23514', // a constraint failed
  P2006: '22023', // invalid value for the column
  P2007: '22000', // data validation error
  P2011: '23502', // null constraint
  P2020: '22003', // value out of range
  P2023: '22P02', // inconsistent column data (a malformed uuid)
};

/** The rule and message of each data error the request can cause (SQLSTATE class 22). */
const DATA_ERRORS: Record<string, { rule: string; message: string }> = {
  '22001': { rule: 'maxLength', message: 'A value is longer than can be stored.' },
  '22003': { rule: 'maximum', message: 'A number is outside the range that can be stored.' },
  '22021': {
    rule: 'text-characters',
    message: 'A text holds a character that cannot be stored (NUL or half of a surrogate pair).',
  },
  '22P05': {
    rule: 'text-characters',
    message: 'A text holds a character that cannot be stored (NUL or half of a surrogate pair).',
  },
  '22P02': { rule: 'format', message: 'A value is not in the form its field needs (an id is a UUID).' },
  '22007': { rule: 'format', message: 'A date or time is not valid.' },
  '22008': { rule: 'format', message: 'A date or time is out of range.' },
};

/**
 * Data exceptions (SQLSTATE class 22) and integrity violations (class 23) are the request's fault,
 * not the server's: whatever validation missed, they are answered as problems, never as a 500.
 * A unique violation is a conflict (409); the rest say the request is not valid (422). The
 * database's own message is not passed on (it names tables and constraints).
 */
export function databaseProblem(error: unknown): ProblemError | undefined {
  const state = sqlStateOf(error);
  if (!state) return undefined;
  const issue = (known: { rule: string; message: string }) =>
    new ProblemError('validation', known.message, { errors: [{ pointer: '', ...known }] });
  switch (state) {
    case '23505':
    case '23P01':
      return new ProblemError(
        'conflict',
        'The change conflicts with what is already stored: a value that must be unique is taken.',
      );
    case '23503':
      return issue({
        rule: 'reference',
        message: 'The request refers to something that does not exist (or was removed meanwhile).',
      });
    case '23502':
      return issue({ rule: 'required', message: 'A value the record needs is missing.' });
    case '23514':
      return issue({ rule: 'constraint', message: 'A value breaks a rule the stored data must keep.' });
  }
  if (state.startsWith('22')) {
    const known = DATA_ERRORS[state] ?? { rule: 'data', message: 'A value in the request cannot be stored.' };
    return issue(known);
  }
  if (state.startsWith('23'))
    return issue({ rule: 'constraint', message: 'A value breaks a rule the stored data must keep.' });
  return undefined;
}

/**
 * Connection failures are an outage to retry (503), not a bug (500); so is a transaction that could
 * not get a connection or outran its time (P2028) on a server too busy for it.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  if (e?.name === 'PrismaClientInitializationError') return true;
  if (
    e?.code &&
    [
      'P1001',
      'P1002',
      'P1017',
      'P2024',
      'P2028',
      'ECONNREFUSED',
      'ECONNRESET',
      '57P01',
      '57P03',
      '53300',
    ].includes(e.code)
  )
    return true;
  return /Can't reach database server|Connection terminated|too many clients|connection pool/i.test(
    e?.message ?? '',
  );
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem) return sendProblem(request, reply, problem);
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      request,
      reply,
      new ProblemError(
        'internal',
        'Something went wrong on our side; the request id identifies it in our logs.',
      ),
    );
  });
  const routes = routeMethods(app);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routes.allowed(path);
    if (allowed.length) {
      return sendProblem(
        request,
        reply,
        new ProblemError(
          'method-not-allowed',
          `${path} does not take ${request.method}; it takes ${allowed.join(', ')}.`,
          {
            headers: { allow: allowed.join(', ') },
          },
        ),
      );
    }
    return sendProblem(
      request,
      reply,
      new ProblemError('not-found', `There is no ${request.method} ${path}.`),
    );
  });
}

/**
 * Which methods each path takes, collected as routes are registered, so that a request to a path
 * that exists with another method is answered 405 with `Allow` (RFC 9110 section 15.5.6), not 404.
 * Catch-all routes (`*`, as CORS preflight registers) say nothing about a path and are left out.
 */
function routeMethods(app: FastifyInstance) {
  const patterns: { pattern: RegExp; methods: Set<string> }[] = [];
  const byUrl = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    if (route.url === '*' || route.url === '/*') return;
    let methods = byUrl.get(route.url);
    if (!methods) {
      methods = new Set();
      byUrl.set(route.url, methods);
      const source = route.url
        .split('/')
        .map((part) =>
          part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/');
      patterns.push({ pattern: new RegExp(`^${source}$`), methods });
    }
    for (const method of [route.method].flat()) {
      methods.add(method);
      if (method === 'GET') methods.add('HEAD');
    }
  });
  return {
    allowed(path: string): string[] {
      const all = new Set<string>();
      for (const { pattern, methods } of patterns)
        if (pattern.test(path)) for (const m of methods) all.add(m);
      return [...all].sort();
    },
  };
}

/**
 * Errors Fastify meets before a route runs (a path parameter longer than `maxParamLength`, a URL
 * that cannot be decoded), as problems rather than Fastify's own JSON (the `frameworkErrors` option).
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ProblemError(
          'uri-too-long',
          'A path parameter is longer than 100 characters; no id or code is that long.',
        )
      : (toProblem(error) ?? new ProblemError('bad-request', error.message));
  return sendProblem(request, reply, problem);
}

/**
 * Errors Node's HTTP parser meets before there is a request at all (headers over the size limit,
 * a malformed request line, a client too slow to send its headers): answered with a problem
 * document written straight to the socket, as Fastify's default handler writes its own JSON.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [type, detail]: [ProblemType, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers-too-large', 'The request headers are larger than the server accepts (16 KiB in all).']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request-timeout', 'The request did not arrive in time.']
        : ['bad-request', 'The request is not valid HTTP.'];
  const { status, title } = PROBLEM_TYPES[type];
  const body = JSON.stringify({ type: problemTypeUri(type), title, status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Connection: close\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
