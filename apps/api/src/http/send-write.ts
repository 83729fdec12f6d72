import type { FastifyReply } from 'fastify';

/** The outcome of a write as a service hands it to HTTP: status, headers and body. */
export interface WriteResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
  /** True when an Idempotency-Key replayed an earlier response. */
  replayed?: boolean;
}

/** Sends a write's outcome, marking a replayed idempotent response as such. */
export function sendWrite(reply: FastifyReply, result: WriteResponse) {
  for (const [name, value] of Object.entries(result.headers)) reply.header(name, value);
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(result.statusCode).send(result.body);
}
