import { ProblemError } from './problem.js';

/**
 * Position in a list ordered by (updatedAt, id). Opaque to clients: base64url JSON, so its
 * contents can change without breaking anyone who only passes it back.
 */
export interface ListPosition {
  updatedAt: Date;
  id: string;
}

export const encodeCursor = (p: ListPosition) =>
  Buffer.from(JSON.stringify({ u: p.updatedAt.toISOString(), i: p.id })).toString('base64url');

export function decodeCursor(cursor: string): ListPosition {
  try {
    const { u, i } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      u?: unknown;
      i?: unknown;
    };
    const updatedAt = new Date(String(u));
    if (typeof i !== 'string' || !/^[0-9a-f-]{36}$/.test(i) || Number.isNaN(updatedAt.getTime()))
      throw new Error('shape');
    return { updatedAt, id: i };
  } catch {
    throw new ProblemError(
      'invalid-query',
      'The cursor is not one this API handed out; start again without it.',
      {
        errors: [
          { pointer: '/cursor', rule: 'cursor', message: 'Not a cursor from a `next` link.', in: 'query' },
        ],
      },
    );
  }
}

/** PostgreSQL's largest `bigint` (int8): a cursor number above it would fail in the database (22003). */
export const MAX_BIGINT = 9223372036854775807n;

/** Whether a string of decimal digits fits a PostgreSQL `bigint`. */
export const fitsBigint = (digits: string): boolean =>
  /^\d{1,19}$/.test(digits) && BigInt(digits) <= MAX_BIGINT;
