import {
  ALERT_KINDS,
  type AlertKind,
  FEED_CHANGES,
  type FeedChange,
  RECORD_KINDS,
  type RecordKind,
} from '@celr/schema';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import type { Caller } from '../auth/caller.js';
import type { Database } from '../db/database.js';
import { fitsBigint } from '../http/cursor.js';
import { linkNext } from '../http/pagination.js';
import { ProblemError } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';

/** A position in the feed: the (txid, id) of the last entry read. */
export interface FeedPosition {
  txid: string;
  id: string;
}
type Position = FeedPosition;

const encode = (p: Position) => Buffer.from(`c${p.txid}.${p.id}`).toString('base64url');
function decode(cursor: string): Position {
  const m = /^c(\d{1,19})\.(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || !fitsBigint(m[1]!) || !fitsBigint(m[2]!)) {
    throw new ProblemError('invalid-query', 'The cursor is not one this API handed out.', {
      errors: [
        {
          pointer: '/after',
          rule: 'cursor',
          message: 'Pass back the `cursor` of an earlier page.',
          in: 'query',
        },
      ],
    });
  }
  return { txid: m[1]!, id: m[2]! };
}

/**
 * The caller's entries, in feed order, from a position. Only entries of transactions older than
 * every transaction still running are returned (pg_snapshot_xmin), so an entry never appears
 * behind a cursor already handed out: a transaction that commits late is waited for, not skipped.
 * A record change is the caller's if the learner was visible to them at that point of the feed
 * (their latest visible/hidden entry before it says so), which is why access is decided by the
 * feed's own entries and never by clocks. An alert entry is seen by the same rule as a record
 * change, and only by readers who ask for alerts ($5).
 */
const FEED = `
  SELECT c.id::text, c.txid::text, c.at, c.change, c.record_kind AS "recordKind", c.record_id::text AS "recordId",
         c.learner_id::text AS "learnerId", c.version, c.alert_id::text AS "alertId", al.kind AS "alertKind"
  FROM change c
  LEFT JOIN alert al ON al.id = c.alert_id
  WHERE (c.txid, c.id) > ($1::bigint, $2::bigint)
    AND c.txid < (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint
    AND ($5::boolean OR c.change <> 'alert')
    AND (
      (c.organisation_id = $3::uuid)
      OR (c.organisation_id IS NULL AND (
        SELECT v.change FROM change v
        WHERE v.organisation_id = $3::uuid AND v.learner_id = c.learner_id AND (v.txid, v.id) < (c.txid, c.id)
        ORDER BY v.txid DESC, v.id DESC LIMIT 1) = 'visible')
    )
  ORDER BY c.txid, c.id
  LIMIT $4`;

export interface FeedEntry {
  id: string;
  txid: string;
  at: Date;
  change: FeedChange;
  recordKind: RecordKind;
  recordId: string;
  learnerId: string;
  version: number | null;
  /** For an 'alert' entry: the alert raised. */
  alertId: string | null;
  alertKind: AlertKind | null;
}

/** Runs one SQL statement: `Database.sql`, or a transaction's `$queryRawUnsafe`. */
export type SqlRunner = <T>(text: string, params: unknown[]) => Promise<T[]>;

/**
 * The entries an organisation may see after a position, in feed order: the one visibility rule,
 * shared by GET /v1/changes and the webhook worker. Alert entries only when `alerts` is set, so a
 * reader that never asked for them reads the feed it always did.
 */
export const readFeed = (
  sql: SqlRunner,
  organisationId: string,
  from: FeedPosition,
  limit: number,
  options: { alerts?: boolean } = {},
) => sql<FeedEntry>(FEED, [from.txid, from.id, organisationId, limit, options.alerts ?? false]);

/** How an entry is shown to clients (GET /v1/changes) and sent to them (webhooks): ids only. */
export function entryData(entry: FeedEntry) {
  return {
    change: entry.change,
    recordKind: entry.recordKind,
    recordId: entry.recordId,
    learnerId: entry.learnerId,
    ...(entry.version !== null && entry.version !== undefined ? { version: entry.version } : {}),
    ...(entry.alertId && entry.alertKind ? { alert: { id: entry.alertId, kind: entry.alertKind } } : {}),
  };
}

export class ChangeFeed {
  constructor(private readonly db: Database) {}

  async read(caller: Caller, after: string | undefined, limit: number, options: { alerts?: boolean } = {}) {
    const [horizon] = await this.db.sql<{ txid: string; seq: string }>(
      'SELECT txid::text, change_id::text AS seq FROM change_horizon WHERE id = 1',
      [],
    );
    // Without a cursor the feed starts at the oldest entry it still holds.
    const from = after
      ? decode(after)
      : horizon
        ? { txid: horizon.txid, id: horizon.seq }
        : { txid: '0', id: '0' };
    if (horizon && compare(from, { txid: horizon.txid, id: horizon.seq }) < 0) {
      throw new ProblemError(
        'gone',
        'The feed no longer goes back to this cursor: its entries have passed the retention window. Resync: list what you hold (GET /v1/learners and the rest), then follow the feed from the cursor that resync started at.',
        {
          resync: true,
        },
      );
    }
    const rows = await readFeed(this.db.sql, caller.actingForId, from, limit, options);
    const last = rows.at(-1);
    return { rows, cursor: last ? encode({ txid: last.txid, id: last.id }) : (after ?? encode(from)) };
  }

  /**
   * A cursor for now: every change after it may be missing from data read from now on, and none
   * before it is. A bulk export hands it out, so the feed can carry on from where the export began.
   */
  async head(): Promise<string> {
    const [last] = await this.db.sql<Position>(
      `SELECT txid::text, id::text FROM change
       WHERE txid < (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint
       ORDER BY change.txid DESC, change.id DESC LIMIT 1`,
      [],
    );
    if (last) return encode(last);
    const [horizon] = await this.db.sql<Position>(
      'SELECT txid::text, change_id::text AS id FROM change_horizon WHERE id = 1',
      [],
    );
    return encode(horizon ?? { txid: '0', id: '0' });
  }

  /** Removes entries older than the retention window, keeping each organisation's latest access entry per learner. */
  async purge(olderThan: Date) {
    return this.db.prisma.$transaction(async (tx) => {
      const [edge] = await tx.$queryRawUnsafe<{ txid: string | null; id: string | null }[]>(
        'SELECT max(txid)::text AS txid, max(id)::text AS id FROM change WHERE at < $1',
        olderThan,
      );
      if (!edge?.txid || !edge.id) return 0;
      const removed = await tx.$executeRawUnsafe(
        `DELETE FROM change c WHERE c.at < $1 AND (c.organisation_id IS NULL OR EXISTS (
           SELECT 1 FROM change n WHERE n.organisation_id = c.organisation_id AND n.learner_id = c.learner_id AND (n.txid, n.id) > (c.txid, c.id)))`,
        olderThan,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO change_horizon (id, txid, change_id) VALUES (1, $1::bigint, $2::bigint)
         ON CONFLICT (id) DO UPDATE SET txid = GREATEST(change_horizon.txid, EXCLUDED.txid), change_id = GREATEST(change_horizon.change_id, EXCLUDED.change_id)`,
        edge.txid,
        edge.id,
      );
      return removed;
    });
  }
}

const compare = (a: Position, b: Position) =>
  BigInt(a.txid) === BigInt(b.txid)
    ? Number(BigInt(a.id) - BigInt(b.id))
    : BigInt(a.txid) < BigInt(b.txid)
      ? -1
      : 1;

const Entry = Type.Object({
  change: Type.Enum(FEED_CHANGES, {
    type: 'string',
    description:
      '`created`, `updated`, `deleted` (a tombstone), or `visible` / `hidden` when the learner becomes visible to your organisation or stops being so (no record content either way); `alert` (only with `alerts=true`) when a record raised an alert about the learner: the record fields name that record and its version.',
  }),
  recordKind: Type.Enum(RECORD_KINDS, { type: 'string' }),
  recordId: Type.String({ format: 'uuid', maxLength: 36 }),
  learnerId: Type.String({ format: 'uuid', maxLength: 36 }),
  version: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The version this change made.' }),
  ),
  alert: Type.Optional(
    Type.Object(
      {
        id: Type.String({ format: 'uuid', maxLength: 36, description: 'The alert: GET /v1/alerts/{id}.' }),
        kind: Type.Enum(ALERT_KINDS, { type: 'string', description: 'What needs someone today.' }),
      },
      { additionalProperties: false, description: 'For an `alert` entry: the alert raised.' },
    ),
  ),
  at: Type.String({ format: 'date-time', maxLength: 35 }),
});

export function registerChangeRoutes(fastify: FastifyInstance, feed: ChangeFeed) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/changes',
    {
      schema: {
        operationId: 'listChanges',
        summary: 'Follow every change you may see',
        description:
          'One ordered feed of every create, update and delete of every record your organisation may see, of learners becoming visible or hidden to you, and (with `alerts=true`) of alerts about them. Keep the `cursor` of each page and pass it as `after` next time: you will never miss a change, even from transactions that commit out of order. An empty page still returns a cursor to poll from. A cursor older than the retention window gets 410 with `resync: true`.',
        tags: ['Changes'],
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.String({ maxLength: 100, description: 'The `cursor` of the last page you processed.' }),
            ),
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'Entries per page.' }),
            ),
            alerts: Type.Optional(
              Type.Boolean({
                default: false,
                description:
                  'Also list alerts (`change: alert`): a PEP deadline overdue, a suspension or exclusion recorded, attendance below the threshold, a school move with no PEP review in time. Pass the same value with every page.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Entry, { maxItems: 1000 }),
            cursor: Type.String({ maxLength: 100, description: 'Where this page ends; pass it as `after`.' }),
            next: Type.Optional(
              Type.String({ maxLength: 2000, description: 'Link to the next page, when this one was full.' }),
            ),
          }),
          ...problemResponses(400, 401, 403, 410, 429),
        },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const limit = query.limit ?? 200;
      const alerts = query.alerts ?? false;
      const { rows, cursor } = await feed.read(callerOf(request), query.after, limit, { alerts });
      const next = linkNext(
        reply,
        rows.length === limit
          ? `/v1/changes?after=${cursor}&limit=${limit}${alerts ? '&alerts=true' : ''}`
          : undefined,
      );
      return {
        items: rows.map((r) => ({ ...entryData(r), at: new Date(r.at).toISOString() })),
        cursor,
        ...(next ? { next } : {}),
      };
    },
  );
}
