import { Readable } from 'node:stream';
import { RECORD_KINDS, type RecordKind } from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import { visibleSql } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import type { Database } from '../db/database.js';
import { ProblemError } from '../http/problem.js';
import { presentedHeadSql, presentedText } from '../records/representation.js';

export interface ExportFilter {
  kinds: RecordKind[];
  // From the query, each undefined when not asked for.
  learnerId?: string | undefined;
  updatedSince?: Date | undefined;
}

/**
 * Exports one process serves at once. On PostgreSQL an export holds a connection of the pool (10 by
 * default) for as long as its client takes to read it (up to CURSOR_IDLE_LIMIT_MS between batches), so
 * without a bound a few slow readers would hold every connection and stall every other request of
 * the process; past it an export is refused with 503 and Retry-After, and everything else goes on.
 */
export const MAX_CONCURRENT_EXPORTS = 3;

/** The exports running in one app, counted from the request until the response stream closes. */
export class ExportSlots {
  private running = 0;
  constructor(readonly limit = MAX_CONCURRENT_EXPORTS) {}

  get inUse(): number {
    return this.running;
  }

  /** A slot for one export, or a 503 problem when every slot is taken; the release is idempotent. */
  take(): () => void {
    if (this.running >= this.limit)
      throw new ProblemError(
        'unavailable',
        `This server is already sending ${this.limit} exports, its most at once; retry shortly, or export less at a time (kind, learner, updatedSince).`,
        { headers: { 'retry-after': '10' } },
      );
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
    };
  }
}

/** What the export reads of a record: its line, and what its read event names. */
interface ExportedRow {
  id: string;
  kind: RecordKind;
  learnerId: string;
  version: number;
  /** The record's head and fields, which presentedText() makes its representation of. */
  head: string;
  data: string;
}

/** Records per batch: each batch is one fetch from the export's cursor and one batch of audit events. */
export const EXPORT_BATCH_RECORDS = 1000;

/**
 * Everything the caller may see, as NDJSON, from one query behind a cursor (Database.cursor): one
 * snapshot of the database, so the file is as it stood when the export began, and read a batch at
 * a time only as fast as the client reads it, so memory stays the same whatever the size of the
 * cohort.
 *
 * Records come learner by learner (in id order, as uuids), each learner's record first, then
 * their plans, meetings and transitions, so every reference in the file (a plan's learnerId, a
 * meeting's planId) is to a line before it and `POST /v1/bulk/import` can load the file as it is.
 * A record appears once. Anything written after the snapshot is in the change feed after the
 * cursor the response names. Each batch's read events are stored before the batch is sent.
 */
export function exportRecords(
  db: Database,
  audit: AuditTrail,
  caller: Caller,
  filter: ExportFilter,
): Readable {
  const kinds = RECORD_KINDS.filter((k) => filter.kinds.includes(k));
  async function* batches(): AsyncGenerator<string> {
    const rows = db.cursor<ExportedRow>(
      // The caller's open grants (the rule of auth/access.ts, visibleSql()); learners ordered as uuids
      // (not as text, whose collation may differ), and within a learner by kind in RECORD_KINDS order.
      // Each line's text is made from the record's stored text (presentedText; a list has PostgreSQL
      // make the same text, presentedSql): Node neither parses the stored jsonb nor serialises it
      // again, which was most of its work per record.
      // Only the keys are sorted (`chosen`); each record is then read by its id as its turn comes
      // (`OFFSET 0` keeps that a lookup per row), so the sort holds a few dozen bytes per record, not
      // the record and its line (a 50,000-learner export sorted about 86 MB on disk). The outer ORDER
      // BY is the order `chosen` already has: it costs nothing and does not rest on the join's order.
      `SELECT r.id::text, r.kind, r.learner_id::text AS "learnerId", r.version,
              ${presentedHeadSql} AS head, r.data::text AS data
       FROM (
         SELECT c.id, c.learner_id, array_position($5::text[], c.kind) AS kind_order, c.created_at
         FROM record c
         WHERE c.kind = ANY($1::text[]) AND c.deleted_at IS NULL
           AND ($2::timestamptz IS NULL OR c.updated_at >= $2::timestamptz)
           AND ($3::uuid IS NULL OR c.learner_id = $3::uuid)
           AND ${visibleSql('c.learner_id', '$4::uuid')}
         ORDER BY c.learner_id, kind_order, c.created_at, c.id
       ) AS chosen
       CROSS JOIN LATERAL (SELECT * FROM record x WHERE x.id = chosen.id OFFSET 0) AS r
       ORDER BY chosen.learner_id, chosen.kind_order, chosen.created_at, chosen.id`,
      [kinds, filter.updatedSince ?? null, filter.learnerId ?? null, caller.actingForId, [...RECORD_KINDS]],
      EXPORT_BATCH_RECORDS,
    );
    // The next batch is fetched while this one's read events are stored and its lines made.
    let next = rows.next();
    // Its failure is met where it is awaited; until then it is not an unhandled rejection.
    next.catch(() => {});
    try {
      for (let fetched = await next; !fetched.done; fetched = await next) {
        const batch = fetched.value;
        next = rows.next();
        next.catch(() => {});
        await audit.read(
          caller,
          ...batch.map((r) => ({
            action: 'export',
            recordKind: r.kind,
            recordId: r.id,
            recordVersion: r.version,
            learnerId: r.learnerId,
          })),
        );
        let text = '';
        // recordLine(kind, present(record)) of @celr/schema, the same JSON value.
        for (const r of batch)
          text += `{"kind":${JSON.stringify(r.kind)},"record":${presentedText(r.head, r.data)}}\n`;
        yield text;
      }
    } finally {
      // Stopped early (the client went away, or a statement failed): the cursor is closed, its
      // connection given back. A fetch still under way is waited for first.
      await next.catch(() => {});
      await rows.return();
    }
  }
  // One batch waits to be sent at a time, and the one after it is fetched (not yet audited) meanwhile;
  // nothing further is read until the client has taken the batch waiting.
  return Readable.from(batches(), { highWaterMark: 1, objectMode: false });
}
