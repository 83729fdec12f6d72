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

/** Connection failures are an outage to retry (503), not a bug (500). */
function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  if (e?.name === 'PrismaClientInitializationError') return true;
  if (
    e?.code &&
    ['P1001', 'P1002', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '53300'].includes(
      e.code,
    )
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
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new ProblemError('not-found', `There is no ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
}
