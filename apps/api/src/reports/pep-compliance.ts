import {
  assessPepCompliance,
  bankHolidayCalendars,
  COMPLIANCE_OUTCOMES,
  DEADLINE_STATUSES,
  type Jurisdiction,
  type PepComplianceResult,
} from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import { visibleSql } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import { ComplianceSettings, type EffectiveSettings, policyOf } from '../compliance-settings/service.js';
import type { Database } from '../db/database.js';
import { csvField } from '../http/csv.js';
import { ProblemError } from '../http/problem.js';

export type DeadlineStatus = (typeof DEADLINE_STATUSES)[number];
type Outcome = (typeof COMPLIANCE_OUTCOMES)[number];

export interface PepComplianceQuery {
  asOf: string;
  school?: string;
  learner?: string;
  status?: DeadlineStatus;
}

export interface PersonName {
  given: string;
  family: string;
  preferred?: string;
}

export interface PepComplianceItem {
  learnerId: string;
  name: PersonName;
  school?: { id: string; name: string };
  result: PepComplianceResult;
}

export interface PepComplianceReport {
  asOf: string;
  policies: PolicyUsed[];
  summary: {
    children: number;
    outcomes: Record<Outcome, number>;
    deadlines: Record<DeadlineStatus, number>;
  };
  items: PepComplianceItem[];
}

/**
 * A policy the report applied, with the authority whose settings were used (its stored policy, its
 * term dates, or both); one entry for each policy and term dates combination in the report.
 */
export interface PolicyUsed {
  id: string;
  version: number;
  name: string;
  jurisdiction: Jurisdiction;
  /** The authority's own stored policy; false: the jurisdiction's default. */
  stored: boolean;
  authority?: { id: string; name: string };
  termDates?: { version: number; name: string };
}

/** The last day both bank-holiday calendars cover: deadlines are counted in working days up to `asOf`. */
function calendarRange(): { from: string; to: string } {
  const covers = Object.values(bankHolidayCalendars).map((c) => c.covers);
  return {
    from: covers
      .map((c) => c.from)
      .sort()
      .at(-1)!,
    to: covers.map((c) => c.to).sort()[0]!,
  };
}

/** Refuses an `asOf` the bank-holiday calendars do not cover, where working days cannot be counted. */
export function assertAsOfInCalendars(asOf: string): void {
  const range = calendarRange();
  if (asOf < range.from || asOf > range.to) {
    throw new ProblemError(
      'invalid-query',
      `asOf must be within the bank-holiday calendars, ${range.from} to ${range.to}.`,
      {
        errors: [
          {
            pointer: '/asOf',
            rule: 'calendar-range',
            message: `Working days can be counted from ${range.from} to ${range.to} only.`,
            in: 'query',
          },
        ],
      },
    );
  }
}

interface LearnerRow {
  id: string;
  data: { jurisdiction: Jurisdiction; name: PersonName; careStatus: { status: string; since?: string } };
  authorityId: string | null;
  schoolId: string | null;
  schoolName: string | null;
}

interface RecordRow {
  id: string;
  kind: 'plan' | 'meeting' | 'transition';
  learnerId: string;
  data: Record<string, unknown>;
}

/**
 * The PEP compliance report: for each learner the caller's organisation can see (an open access
 * grant, the rule of auth/access.ts: its responsible authority, a host authority, the school the
 * child is on roll at, or a vendor acting for one of these), the result of `assessPepCompliance`
 * under the learner's responsible authority's stored policy (else the default of the learner's
 * jurisdiction), counting school days and terms over that authority's stored term dates. Everyone
 * else gets an empty report. Children are listed by family name, then given name (then id, so the
 * order is the same on every read), as a head reads a list of children.
 * A read names every learner it showed in the audit trail (one event per learner, one insert).
 */
export class PepComplianceReports {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
  ) {}

  /** The whole report at once, for callers that need it in memory (tests, the bench); the route streams `batches`. */
  async report(caller: Caller, query: PepComplianceQuery): Promise<PepComplianceReport> {
    const tally = new PepComplianceTally(query.status);
    const items: PepComplianceItem[] = [];
    for await (const batch of this.batches(caller, query)) {
      for (const item of batch.items) tally.add(item);
      for (const used of batch.policies) tally.use(used);
      items.push(...batch.items);
    }
    return { asOf: query.asOf, policies: tally.policies, summary: tally.summary, items };
  }

  /**
   * The report's children, `batchSize` at a time in the report's order (family name, given name,
   * id), each batch assessed, audited (one event per child shown) and handed on before the next is
   * read: memory stays that of one batch (and the list of ids) however many children an authority has, and several
   * reports at once do not exhaust the process.
   */
  async *batches(
    caller: Caller,
    query: PepComplianceQuery,
    batchSize = REPORT_BATCH,
  ): AsyncGenerator<{ items: PepComplianceItem[]; policies: PolicyUsed[] }> {
    assertAsOfInCalendars(query.asOf);
    const settings = new Map<string, EffectiveSettings>();
    // The children in the report's order, ids only (a sort over the visible learners, once); then
    // each batch's members by id. Re-sorting for every batch would cost a scan per batch.
    const order = await this.db.sql<{ id: string }>(
      `SELECT l.id::text
       FROM record l
       ${SCHOOL_JOIN}
       WHERE l.kind = 'learner' AND l.deleted_at IS NULL
         AND ${visibleSql('l.id', '$1::uuid')}
         AND ($2::uuid IS NULL OR l.id = $2::uuid)
         AND ($3::uuid IS NULL OR s.organisation_id = $3::uuid)
       ORDER BY ${FAMILY}, ${GIVEN}, l.id`,
      [caller.actingForId, query.learner ?? null, query.school ?? null],
    );
    for (let from = 0; from < order.length; from += batchSize) {
      const ids = order.slice(from, from + batchSize).map((r) => r.id);
      const rowsById = new Map(
        (
          await this.db.sql<LearnerRow>(
            // Only the members of the learner the report reads (LearnerRow), not the whole record:
            // a learner's attendance and attainment history would be most of the bytes.
            `SELECT l.id::text,
                    jsonb_build_object('jurisdiction', l.data->'jurisdiction', 'name', l.data->'name',
                                       'careStatus', l.data->'careStatus') AS data,
                    s.organisation_id::text AS "schoolId", o.name AS "schoolName",
                    (SELECT r.organisation_id::text FROM learner_access r
                     WHERE r.learner_id = l.id AND r.basis = 'responsible' AND r.ended_at IS NULL
                     ORDER BY r.started_at DESC LIMIT 1) AS "authorityId"
             FROM record l
             ${SCHOOL_JOIN}
             LEFT JOIN organisation o ON o.id = s.organisation_id
             WHERE l.id = ANY($2::uuid[]) AND l.kind = 'learner' AND l.deleted_at IS NULL
               AND ${visibleSql('l.id', '$1::uuid')}`,
            [caller.actingForId, ids],
          )
        ).map((row) => [row.id, row]),
      );
      // A child deleted or hidden since the order was read is left out.
      const learners = ids.flatMap((id) => rowsById.get(id) ?? []);

      const byLearner = new Map<string, RecordRow[]>();
      const rows = await this.db.sql<RecordRow>(
        `SELECT r.id::text, r.kind, r.learner_id::text AS "learnerId", r.data
         FROM record r
         WHERE r.learner_id = ANY($1::uuid[]) AND r.kind IN ('plan', 'meeting', 'transition')
           AND r.deleted_at IS NULL AND ${visibleSql('r.learner_id', '$2::uuid')}`,
        [learners.map((l) => l.id), caller.actingForId],
      );
      for (const row of rows) {
        const list = byLearner.get(row.learnerId);
        if (list) list.push(row);
        else byLearner.set(row.learnerId, [row]);
      }
      // Each authority's settings are read once per report, when its first child comes.
      const unread = [
        ...new Set(
          learners.flatMap((l) => (l.authorityId && !settings.has(l.authorityId) ? [l.authorityId] : [])),
        ),
      ];
      if (unread.length)
        for (const [id, applied] of await ComplianceSettings.effective(this.db, unread))
          settings.set(id, applied);

      const policies = new Map<string, PolicyUsed>();
      const items: PepComplianceItem[] = [];
      for (const learner of learners) {
        const applied = learner.authorityId ? settings.get(learner.authorityId) : undefined;
        const policy = policyOf(applied, learner.data.jurisdiction);
        const stored = policy === applied?.policy;
        const termDates = applied?.termDates;
        const used: PolicyUsed = {
          id: policy.id,
          version: policy.version,
          name: policy.name,
          jurisdiction: policy.jurisdiction,
          stored,
          ...(applied && (stored || termDates) ? { authority: applied.authority } : {}),
          ...(termDates ? { termDates: { version: termDates.version, name: termDates.document.name } } : {}),
        };
        policies.set(policyKey(used), used);
        const records = byLearner.get(learner.id) ?? [];
        const of = (kind: RecordRow['kind']) =>
          records.filter((r) => r.kind === kind).map((r) => ({ ...r.data, id: r.id }) as never);
        const result = assessPepCompliance(
          {
            learner: { id: learner.id, careStatus: learner.data.careStatus },
            plans: of('plan'),
            meetings: of('meeting'),
            transitions: of('transition'),
          },
          { policy, asOf: query.asOf, ...(termDates ? { termDates: termDates.document } : {}) },
        );
        if (query.status && !result.deadlines.some((d) => d.status === query.status)) continue;
        items.push({
          learnerId: learner.id,
          name: learner.data.name,
          ...(learner.schoolId ? { school: { id: learner.schoolId, name: learner.schoolName ?? '' } } : {}),
          result,
        });
      }
      await this.audit.read(
        caller,
        ...items.map((item) => ({
          action: 'report',
          recordKind: 'learner',
          recordId: item.learnerId,
          learnerId: item.learnerId,
        })),
      );
      yield { items, policies: [...policies.values()] };
    }
  }
}

/** Children assessed per batch of the report (the memory of one report is about that of a batch). */
export const REPORT_BATCH = 500;

/** The school a learner `l` is on roll at, as `s.organisation_id` (the latest open school grant). */
const SCHOOL_JOIN = `LEFT JOIN LATERAL (
         SELECT g.organisation_id FROM learner_access g
         WHERE g.learner_id = l.id AND g.basis = 'school' AND g.ended_at IS NULL
         ORDER BY g.started_at DESC LIMIT 1
       ) s ON true`;

// The report's order, as SQL over a learner row `l`: a name missing is sorted as empty.
const FAMILY = "COALESCE(l.data->'name'->>'family', '')";
const GIVEN = "COALESCE(l.data->'name'->>'given', '')";

const policyKey = (used: PolicyUsed) => `${used.id}@${used.version} ${used.authority?.id ?? ''}`;

/** What the report adds up over its children, as they stream past: the policies used and the counts. */
export class PepComplianceTally {
  private readonly used = new Map<string, PolicyUsed>();
  readonly summary: PepComplianceReport['summary'] = {
    children: 0,
    outcomes: Object.fromEntries(COMPLIANCE_OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
    deadlines: Object.fromEntries(DEADLINE_STATUSES.map((s) => [s, 0])) as Record<DeadlineStatus, number>,
  };

  constructor(private readonly status?: DeadlineStatus) {}

  add(item: PepComplianceItem) {
    this.summary.children++;
    this.summary.outcomes[item.result.outcome]++;
    for (const d of item.result.deadlines) {
      if (!this.status || d.status === this.status) this.summary.deadlines[d.status]++;
    }
  }

  use(policy: PolicyUsed) {
    this.used.set(policyKey(policy), policy);
  }

  get policies(): PolicyUsed[] {
    return [...this.used.values()];
  }
}

export const CSV_COLUMNS = [
  'learner_id',
  'given_name',
  'family_name',
  'school',
  'policy',
  'outcome',
  'deadline',
  'occurrence',
  'clock_start',
  'due_on',
  'status',
  'met_on',
  'days_late',
  'days_late_unit',
  'decided_by_kind',
  'decided_by_id',
  'plan_rating',
  'plan_adequate',
] as const;

/** A child's CSV lines (each ending CRLF): one per deadline (of `status`, when given), or one for a child with none. */
export function* csvItemLines(item: PepComplianceItem, status?: DeadlineStatus): Generator<string> {
  const { result } = item;
  const common = [
    csvField(item.learnerId),
    csvField(item.name.given, true),
    csvField(item.name.family, true),
    csvField(item.school?.name, true),
    csvField(`${result.policy.id}@${result.policy.version}`),
    csvField(result.outcome),
  ];
  const tail = [
    csvField(result.currentPlan?.rating, true),
    csvField(result.currentPlan ? result.currentPlan.adequate : undefined),
  ];
  const deadlines = result.deadlines.filter((d) => !status || d.status === status);
  if (!deadlines.length) {
    yield `${[...common, '', '', '', '', '', '', '', '', '', '', ...tail].join(',')}\r\n`;
    return;
  }
  for (const d of deadlines) {
    yield `${[
      ...common,
      csvField(d.deadline),
      csvField(d.occurrence),
      csvField(d.clockStart.date),
      csvField(d.dueOn),
      csvField(d.status),
      csvField(d.metOn),
      csvField(d.daysLate),
      csvField(d.daysLateUnit),
      csvField(d.metBy?.kind),
      csvField(d.metBy?.id),
      ...tail,
    ].join(',')}\r\n`;
  }
}
