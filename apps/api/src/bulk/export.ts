import { Readable } from 'node:stream';
import { RECORD_KINDS, type RecordKind, recordLine } from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import { visibleSql } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import type { Database } from '../db/database.js';
import { present, type StoredRecord } from '../records/representation.js';

export interface ExportFilter {
  kinds: RecordKind[];
  learnerId?: string;
  updatedSince?: Date;
}

/** Learners per page: each page is one read of their records and one batch of audit events. */
export const EXPORT_PAGE_LEARNERS = 100;

/**
 * Everything the caller may see, as NDJSON, read a page of learners at a time and only as fast
 * as the client reads it: memory stays the same whatever the size of the cohort.
 *
 * Learners are walked in id order through the caller's access grants, and each page gives the
 * learners first, then their plans, meetings and transitions, so every reference in the file
 * (a plan's learnerId, a meeting's planId) is to a line before it and `POST /v1/bulk/import`
 * can load the file as it is. A record appears once; one written while the export runs may or
 * may not be in it, which is why the response names the change-feed cursor to carry on from.
 */
export function exportRecords(
  db: Database,
  audit: AuditTrail,
  caller: Caller,
  filter: ExportFilter,
): Readable {
  const kinds = RECORD_KINDS.filter((k) => filter.kinds.includes(k));
  async function* pages(): AsyncGenerator<string> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const learners = filter.learnerId
        ? after === filter.learnerId
          ? []
          : [filter.learnerId]
        : (
            await db.sql<{ id: string }>(
              // The learners of the caller's open grants (the rule of auth/access.ts, in the form that walks
              // the organisation's index), ordered as uuids (not as text, whose collation may differ),
              // like the keyset condition. Each page's records are checked again with visibleSql().
              `SELECT learner_id AS id FROM learner_access
               WHERE organisation_id = $1::uuid AND ended_at IS NULL AND learner_id > $2::uuid
               GROUP BY learner_id ORDER BY learner_id LIMIT $3`,
              [caller.actingForId, after, EXPORT_PAGE_LEARNERS],
            )
          ).map((r) => r.id);
      if (!learners.length) return;
      after = learners.at(-1)!;
      const rows = await db.sql<StoredRecord & { kind: RecordKind }>(
        `SELECT r.id::text, r.kind, r.learner_id::text AS "learnerId", r.version, r.created_at AS "createdAt",
                r.updated_at AS "updatedAt", r.deleted_at AS "deletedAt", r.written_by_id::text AS "writtenById", r.data
         FROM record r
         WHERE r.learner_id = ANY($1::uuid[]) AND r.kind = ANY($2::text[]) AND r.deleted_at IS NULL
           AND ($3::timestamptz IS NULL OR r.updated_at >= $3::timestamptz)
           AND ${visibleSql('r.learner_id', '$4::uuid')}
         ORDER BY array_position($2::text[], r.kind), r.learner_id, r.created_at, r.id`,
        [learners, kinds, filter.updatedSince ?? null, caller.actingForId],
      );
      if (!rows.length) continue;
      await audit.read(
        caller,
        ...rows.map((r) => ({
          action: 'export',
          recordKind: r.kind,
          recordId: r.id,
          recordVersion: r.version,
          learnerId: r.learnerId,
        })),
      );
      let text = '';
      for (const r of rows) text += `${recordLine(r.kind, present(r))}\n`;
      yield text;
    }
  }
  // One page waits to be sent at a time: the next is read only when the client has taken this one.
  return Readable.from(pages(), { highWaterMark: 1, objectMode: false });
}
