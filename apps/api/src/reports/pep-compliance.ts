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
import { ComplianceSettings, policyOf } from '../compliance-settings/service.js';
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

  async report(caller: Caller, query: PepComplianceQuery): Promise<PepComplianceReport> {
    assertAsOfInCalendars(query.asOf);
    const learners = await this.db.sql<LearnerRow>(
      // Only the members of the learner the report reads (LearnerRow), not the whole record: a
      // learner's attendance and attainment history would be most of the bytes of 10,000 children.
      `SELECT l.id::text,
              jsonb_build_object('jurisdiction', l.data->'jurisdiction', 'name', l.data->'name',
                                 'careStatus', l.data->'careStatus') AS data,
              s.organisation_id::text AS "schoolId", o.name AS "schoolName",
              (SELECT r.organisation_id::text FROM learner_access r
               WHERE r.learner_id = l.id AND r.basis = 'responsible' AND r.ended_at IS NULL
               ORDER BY r.started_at DESC LIMIT 1) AS "authorityId"
       FROM record l
       LEFT JOIN LATERAL (
         SELECT g.organisation_id FROM learner_access g
         WHERE g.learner_id = l.id AND g.basis = 'school' AND g.ended_at IS NULL
         ORDER BY g.started_at DESC LIMIT 1
       ) s ON true
       LEFT JOIN organisation o ON o.id = s.organisation_id
       WHERE l.kind = 'learner' AND l.deleted_at IS NULL
         AND ${visibleSql('l.id', '$1::uuid')}
         AND ($2::uuid IS NULL OR l.id = $2::uuid)
         AND ($3::uuid IS NULL OR s.organisation_id = $3::uuid)
       ORDER BY l.data->'name'->>'family', l.data->'name'->>'given', l.id`,
      [caller.actingForId, query.learner ?? null, query.school ?? null],
    );
    const byLearner = new Map<string, RecordRow[]>();
    if (learners.length) {
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
    }

    const settings = await ComplianceSettings.effective(this.db, [
      ...new Set(learners.flatMap((l) => (l.authorityId ? [l.authorityId] : []))),
    ]);
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
      policies.set(`${used.id}@${used.version} ${used.authority?.id ?? ''}`, used);
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

    const outcomes = Object.fromEntries(COMPLIANCE_OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    const deadlines = Object.fromEntries(DEADLINE_STATUSES.map((s) => [s, 0])) as Record<
      DeadlineStatus,
      number
    >;
    for (const item of items) {
      outcomes[item.result.outcome]++;
      for (const d of item.result.deadlines) {
        if (!query.status || d.status === query.status) deadlines[d.status]++;
      }
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
    return {
      asOf: query.asOf,
      policies: [...policies.values()],
      summary: { children: items.length, outcomes, deadlines },
      items,
    };
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

/** The report as CSV lines (each ending CRLF): a header, then one row per child and deadline. */
export function* csvLines(report: PepComplianceReport, status?: DeadlineStatus): Generator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for (const item of report.items) {
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
      continue;
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
}
