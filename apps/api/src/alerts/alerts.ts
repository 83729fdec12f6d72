import type { Alert, AlertKind } from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import { visibleSql } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import type { Database } from '../db/database.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { notFound } from '../http/problem.js';

export interface AlertQuery {
  kind?: AlertKind;
  learner?: string;
  /** Raised at or after this time. */
  since?: string;
  limit: number;
  cursor?: string;
}

interface AlertRow {
  id: string;
  kind: AlertKind;
  learnerId: string;
  recordKind: Alert['record']['kind'];
  recordId: string;
  recordVersion: number;
  detail: Pick<Alert, 'deadline' | 'attendance' | 'exclusion'>;
  raisedAt: Date;
}

const COLUMNS = `a.id::text, a.kind, a.learner_id::text AS "learnerId", a.record_kind AS "recordKind",
  a.record_id::text AS "recordId", a.record_version AS "recordVersion", a.detail, a.raised_at AS "raisedAt"`;

const toAlert = (r: AlertRow): Alert => ({
  id: r.id,
  kind: r.kind,
  learnerId: r.learnerId,
  record: { kind: r.recordKind, id: r.recordId, version: r.recordVersion },
  ...r.detail,
  raisedAt: new Date(r.raisedAt).toISOString(),
});

/**
 * Alerts as the caller may see them: those about learners its organisation can see now (an open
 * access grant, the rule of the reports and record lists), newest last. Alerts carry what decided
 * them (an exclusion, attendance figures), so each read names the learners in the audit trail.
 */
export class Alerts {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
  ) {}

  async list(caller: Caller, query: AlertQuery): Promise<{ items: Alert[]; cursor?: string }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.db.sql<AlertRow>(
      `SELECT ${COLUMNS} FROM alert a
       WHERE ${visibleSql('a.learner_id', '$1::uuid')}
         AND ($2::text IS NULL OR a.kind = $2)
         AND ($3::uuid IS NULL OR a.learner_id = $3::uuid)
         AND ($4::timestamptz IS NULL OR a.raised_at >= $4::timestamptz)
         AND ($5::timestamptz IS NULL OR (a.raised_at, a.id) > ($5::timestamptz, $6::uuid))
       ORDER BY a.raised_at, a.id
       LIMIT $7`,
      [
        caller.actingForId,
        query.kind ?? null,
        query.learner ?? null,
        query.since ?? null,
        after?.updatedAt.toISOString() ?? null,
        after?.id ?? null,
        query.limit,
      ],
    );
    await this.audited(caller, rows);
    const last = rows.at(-1);
    return {
      items: rows.map(toAlert),
      ...(last && rows.length === query.limit
        ? { cursor: encodeCursor({ updatedAt: new Date(last.raisedAt), id: last.id }) }
        : {}),
    };
  }

  async get(caller: Caller, id: string): Promise<Alert> {
    const [row] = await this.db.sql<AlertRow>(
      `SELECT ${COLUMNS} FROM alert a WHERE a.id = $2::uuid AND ${visibleSql('a.learner_id', '$1::uuid')}`,
      [caller.actingForId, id],
    );
    if (!row) throw notFound('The alert');
    await this.audited(caller, [row]);
    return toAlert(row);
  }

  private audited(caller: Caller, rows: AlertRow[]) {
    return this.audit.read(
      caller,
      ...rows.map((r) => ({
        action: 'alert',
        recordKind: r.recordKind,
        recordId: r.recordId,
        recordVersion: r.recordVersion,
        learnerId: r.learnerId,
      })),
    );
  }
}
