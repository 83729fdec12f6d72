import { createHash } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { sqlStateOf } from './errors.js';
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
type Sql = <T>(text: string, params: unknown[]) => Promise<T[]>;

interface KeyRow {
  requestHash: string;
  method: string;
  path: string;
  statusCode: number;
  headers: unknown;
  body: string | null;
}

/** The earlier response, or 422 when the key was used for another request. */
function replayOf(req: IdempotencyRequest, row: KeyRow): StoredResponse {
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

/** The earlier response for this key, or undefined when the key is new. 422 when reused for another request. */
export async function replayFor(db: Tx, req: IdempotencyRequest): Promise<StoredResponse | undefined> {
  const row = await db.idempotencyKey.findUnique({
    where: { clientId_key: { clientId: req.clientId, key: req.key } },
  });
  return row ? replayOf(req, row) : undefined;
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

/**
 * A POST whose work is a single statement (RecordStore.createAlone), outside any transaction: the
 * statement stores the response under the key itself (`remember` gives it the insert to embed), so
 * the change and its key commit together or not at all, in one round trip. Nothing is read first:
 * a request whose work fails for any reason (a replay's record would clash with the one the first
 * request made; a concurrent request with the same key wins the key's primary key) then looks the
 * key up, and answers with the earlier response, or 422 for a key reused for another request,
 * exactly as if it had been looked up first.
 */
export async function idempotentStatement(
  sql: Sql,
  request: IdempotencyRequest | undefined,
  work: (remember?: (response: Omit<StoredResponse, 'body'>) => Remember) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed?: boolean }> {
  try {
    return await work(request ? (response) => rememberWith(request, response) : undefined);
  } catch (error) {
    if (!request) throw error;
    let earlier: KeyRow | undefined;
    try {
      [earlier] = await sql<KeyRow>(
        `SELECT request_hash AS "requestHash", method, path, status_code AS "statusCode", headers, body
         FROM idempotency_key WHERE client_id = $1 AND key = $2`,
        [request.clientId, request.key],
      );
    } catch {
      // The work's own error says more than the lookup's.
    }
    if (earlier) return { ...replayOf(request, earlier), replayed: true };
    throw error;
  }
}

/** The insert of a key's response, given the SQL of its body's text and its first parameter's number. */
export type Remember = (body: string, first: number) => { sql: string; params: unknown[] };

function rememberWith(req: IdempotencyRequest, response: Omit<StoredResponse, 'body'>): Remember {
  return (body, first) => ({
    sql: `INSERT INTO idempotency_key (client_id, key, method, path, request_hash, status_code, headers, body)
          SELECT $${first}, $${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}, $${first + 5}::int, $${first + 6}::jsonb, ${body} FROM r`,
    params: [
      req.clientId,
      req.key,
      req.method,
      req.path,
      req.requestHash,
      response.statusCode,
      JSON.stringify(response.headers),
    ],
  });
}

/**
 * A unique violation on `table`, as Prisma reports it (P2002, naming the table or its fields) or as
 * the driver does (SQLSTATE 23505, with the table and the constraint).
 */
export function isUniqueViolation(error: unknown, table: string): boolean {
  if (sqlStateOf(error) !== '23505') return false;
  const e = error as { table?: unknown; constraint?: unknown; meta?: unknown; cause?: unknown };
  let said: string;
  try {
    said = JSON.stringify([e.table, e.constraint, e.meta ?? {}, e.cause ?? {}]);
  } catch {
    said = JSON.stringify([e.table, e.constraint]);
  }
  return said.includes(table) || said.includes(table.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()));
}
