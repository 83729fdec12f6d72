import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { ProblemError } from './problem.js';

/**
 * Idempotency-Key on POST. The stored response is written in the same transaction as the change
 * it describes, so a key is never recorded for a change that did not commit, and a change never
 * commits without its key: a retry after any failure either replays the response or redoes the work.
 */
export interface IdempotencyRequest {
  clientId: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/** 1 to 255 visible ASCII characters; the OpenAPI document declares the same pattern. */
export const IDEMPOTENCY_KEY_PATTERN = '^[!-~]{1,255}$';
const KEY_PATTERN = new RegExp(IDEMPOTENCY_KEY_PATTERN);

/**
 * The key's scope is the client and the organisation it acts for: a vendor reusing a key for
 * another organisation must never be handed the first organisation's response.
 */
export function idempotencyRequest(
  header: string | string[] | undefined,
  caller: { clientId: string; actingForId: string },
  method: string,
  path: string,
  body: unknown,
): IdempotencyRequest | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new ProblemError('bad-request', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', {
      errors: [
        {
          pointer: '/Idempotency-Key',
          rule: 'format',
          message: 'Use a UUID or another unique string.',
          in: 'header',
        },
      ],
    });
  }
  const requestHash = createHash('sha256')
    .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
  return { clientId: `${caller.clientId}|${caller.actingForId}`, key, method, path, requestHash };
}

type Tx = Pick<Prisma.TransactionClient, 'idempotencyKey'>;

/** The earlier response for this key, or undefined when the key is new. 422 when reused for another request. */
export async function replayFor(db: Tx, req: IdempotencyRequest): Promise<StoredResponse | undefined> {
  const row = await db.idempotencyKey.findUnique({
    where: { clientId_key: { clientId: req.clientId, key: req.key } },
  });
  if (!row) return undefined;
  if (row.requestHash !== req.requestHash) {
    throw new ProblemError(
      'idempotency-key-reuse',
      `Idempotency-Key '${req.key}' was first used for another request (${row.method} ${row.path} with a different body). Use a new key for a new request.`,
    );
  }
  return {
    statusCode: row.statusCode,
    headers: row.headers as Record<string, string>,
    body: row.body === null ? undefined : JSON.parse(row.body),
  };
}

export async function remember(db: Tx, req: IdempotencyRequest, response: StoredResponse): Promise<void> {
  await db.idempotencyKey.create({
    data: {
      clientId: req.clientId,
      key: req.key,
      method: req.method,
      path: req.path,
      requestHash: req.requestHash,
      statusCode: response.statusCode,
      headers: response.headers,
      body: JSON.stringify(response.body),
    },
  });
}

/**
 * Runs a POST's work in a transaction that also stores its response under the key. A retry gets
 * the stored response; a concurrent request with the same key loses the race on the key's primary
 * key, its work is rolled back, and it answers with the winner's response.
 */
export async function idempotent(
  prisma: PrismaClient,
  request: IdempotencyRequest | undefined,
  work: (tx: Prisma.TransactionClient) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed?: boolean }> {
  if (request) {
    const earlier = await replayFor(prisma, request);
    if (earlier) return { ...earlier, replayed: true };
  }
  try {
    return await prisma.$transaction(async (tx) => {
      const response = await work(tx);
      if (request) await remember(tx, request, response);
      return response;
    });
  } catch (error) {
    if (request && isUniqueViolation(error, 'idempotency_key')) {
      const earlier = await replayFor(prisma, request);
      if (earlier) return { ...earlier, replayed: true };
    }
    throw error;
  }
}

export function isUniqueViolation(error: unknown, table: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return false;
  const meta = JSON.stringify(error.meta ?? {});
  return meta.includes(table) || meta.includes(table.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()));
}
