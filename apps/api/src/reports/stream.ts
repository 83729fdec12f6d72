import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import type { Caller } from '../auth/caller.js';
import { CSV, wantsCsv } from '../http/csv.js';
import { ProblemError } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';

/** A report shows plans' quality and deadlines, so it needs `plans:read` besides the route's `learners:read`. */
export function assertMayReadPlans(caller: Caller, report: string): void {
  if (!caller.scopes.has('plans:read'))
    throw new ProblemError('forbidden', `The ${report} needs the 'plans:read' scope.`, {
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="plans:read"' },
    });
}

/**
 * Streams a report read in batches: the first batch is read before the status is sent, so that a
 * failure there (the database, a date the calendars do not cover) is still a problem document; the
 * rest are read as the client takes the answer. CSV when the client's Accept prefers it, else JSON.
 * A failure after the first batch can only cut the body short.
 */
export async function sendReport<B>(
  reply: FastifyReply,
  accept: string | undefined,
  batches: AsyncGenerator<B>,
  as: {
    filename: string;
    csv: (all: AsyncIterable<B>) => AsyncIterable<string>;
    json: (all: AsyncIterable<B>) => AsyncIterable<string>;
  },
) {
  const first = await batches.next();
  const all = (async function* () {
    if (first.done) return;
    yield first.value;
    yield* batches;
  })();
  if (wantsCsv(accept)) {
    reply.header('content-type', `${CSV}; charset=utf-8`);
    reply.header('content-disposition', `attachment; filename="${as.filename}"`);
    return reply.send(Readable.from(as.csv(all)) as unknown as object);
  }
  reply.header('content-type', 'application/json; charset=utf-8');
  return reply.send(Readable.from(as.json(all)) as unknown as object);
}

/** A report route's answers in the OpenAPI document: the report as JSON (its schema by `$id`) or as CSV with these columns. */
export function reportResponses(schemaId: string, csvColumns: readonly string[]) {
  return {
    200: {
      description: 'The report.',
      content: {
        'application/json': { schema: Type.Unsafe<object>({ $ref: `${schemaId}#` }) },
        [CSV]: {
          schema: {
            type: 'string',
            maxLength: Number.MAX_SAFE_INTEGER,
            description: `CSV (RFC 4180, CRLF) with a header row: ${csvColumns.join(', ')}.`,
          },
        },
      },
    },
    ...problemResponses(400, 401, 403, 429),
  };
}
