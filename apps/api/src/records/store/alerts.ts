import type { AlertCandidate } from '@celr/schema';
import type { Prisma } from '../../generated/prisma/client.js';

type Tx = Pick<Prisma.TransactionClient, '$executeRawUnsafe'>;

/**
 * Raises alerts, each at most once ever: the alert and its change-feed entry ('alert', naming the
 * record that raised it) in one statement, in the caller's transaction. An alert already raised
 * (same kind, learner, record and occurrence: the unique key of `alert`) inserts nothing, and so
 * writes no feed entry; when two transactions raise the same alert at once, the second waits on the
 * key and then inserts nothing. The record writes and the alert sweep both come here, so the feed
 * is still written by the record store alone. Returns how many were raised.
 */
export async function raiseAlerts(tx: Tx, alerts: readonly AlertCandidate[]): Promise<number> {
  const rows = alertRows(alerts);
  if (!rows.length) return 0;
  // The feed entries follow the candidates' order.
  return tx.$executeRawUnsafe(
    `WITH ${alertInsert('$1::jsonb', 'a')}
     INSERT INTO change (change, record_kind, record_id, learner_id, version, alert_id)
     SELECT 'alert', x.record_kind, x.record_id, x.learner_id, x.record_version, a.id
     FROM a JOIN x ON ${raisedFrom('a')}
     ORDER BY x.n`,
    JSON.stringify(rows),
  );
}

/**
 * The two CTEs that raise alerts from `rows` (a jsonb expression of alertRows()): `x`, the candidates,
 * and `raised`, the alerts inserted (id and key), each at most once ever by the unique key of `alert`,
 * in key order so that two transactions raising overlapping sets take the key locks in the same order
 * and cannot deadlock. raiseAlerts() and the record store's create statement both use them.
 */
export function alertInsert(rows: string, raised: string): string {
  return `x AS (SELECT * FROM jsonb_to_recordset(${rows})
                  AS x(n bigint, kind text, learner_id uuid, record_kind text, record_id uuid, record_version int,
                       occurrence text, detail jsonb)),
          ${raised} AS (INSERT INTO alert (id, kind, learner_id, record_kind, record_id, record_version, occurrence, detail)
                SELECT gen_random_uuid(), kind, learner_id, record_kind, record_id, record_version, occurrence, detail
                FROM x ORDER BY kind, learner_id, record_id, occurrence
                ON CONFLICT (kind, learner_id, record_id, occurrence) DO NOTHING
                RETURNING id, kind, learner_id, record_id, occurrence)`;
}

/** Joins an alert `raised` by alertInsert() to its candidate in `x` (for its feed entry's order and record). */
export function raisedFrom(raised: string): string {
  return `x.kind = ${raised}.kind AND x.learner_id = ${raised}.learner_id AND x.record_id = ${raised}.record_id AND x.occurrence = ${raised}.occurrence`;
}

/**
 * The alerts to raise as the rows of their insert (jsonb_to_recordset), one per key: a record
 * holding the same exclusion twice raises one alert. The record store's create embeds them in its
 * statement.
 */
export function alertRows(alerts: readonly AlertCandidate[]) {
  const keyOf = (a: AlertCandidate) => [a.kind, a.learnerId, a.record.id, a.occurrence].join('\u0000');
  const unique = [...new Map(alerts.map((a) => [keyOf(a), a])).values()];
  return unique.map((a, n) => ({
    n,
    kind: a.kind,
    learner_id: a.learnerId,
    record_kind: a.record.kind,
    record_id: a.record.id,
    record_version: a.record.version,
    occurrence: a.occurrence,
    detail: {
      ...(a.deadline ? { deadline: a.deadline } : {}),
      ...(a.attendance ? { attendance: a.attendance } : {}),
      ...(a.exclusion ? { exclusion: a.exclusion } : {}),
    },
  }));
}
