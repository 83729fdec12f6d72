import {
  ATTENDANCE_BAND_CODES,
  COHORT_IDENTIFIERS,
  COHORT_PHASES,
  type CohortGrouping,
  type CohortInput,
  type CohortRow,
  type CompliancePolicy,
  cohortGroupKey,
  cohortRow,
  defaultCompliancePolicies,
  type Jurisdiction,
  LOOKED_AFTER_GRANTS,
} from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import { visibleSql } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import { ComplianceSettings, policyOf } from '../compliance-settings/service.js';
import type { Database } from '../db/database.js';
import { csvField } from '../http/csv.js';
import type { PersonName } from './pep-compliance.js';

/** The policy each row was assessed under (its authority's stored one or the default), for the tally. */
const policyOfRow = new WeakMap<CohortRow, CompliancePolicy>();

export interface CohortQuery {
  asOf: string;
  school?: string;
  yearGroup?: string;
  rating?: string;
  overdue?: boolean;
  outOfAuthority?: boolean;
  groupBy?: CohortGrouping;
}

export interface CohortItem {
  learnerId: string;
  name: PersonName;
  school?: { id: string; name: string };
  row: CohortRow;
}

type Band = (typeof ATTENDANCE_BAND_CODES)[number];
type Phase = (typeof COHORT_PHASES)[number];
type Identifier = (typeof COHORT_IDENTIFIERS)[number];
interface Money {
  allocatedPence: number;
  spentPence: number;
}

export interface CohortSummary {
  children: number;
  phases: Record<Phase, number>;
  attendanceBands: Record<Band, number>;
  persistentAbsence: number;
  ratings: Record<string, number>;
  overdue: number;
  outOfAuthority: number;
  suspensionsThisTerm: number;
  exclusionsThisTerm: number;
  suspensionsThisYear: number;
  exclusionsThisYear: number;
  movedSchool: number;
  movedPlacement: number;
  identifiers: Record<Identifier, number>;
  funding: Record<string, Money>;
}

export interface CohortGroup extends Money {
  key: string;
  label: string;
  children: number;
  persistentAbsence: number;
  overdue: number;
  outOfAuthority: number;
}

/** Learners read and assessed at a time: bounds memory and lets the answer start before the end. */
export const COHORT_BATCH = 500;

interface LearnerRow {
  id: string;
  data: CohortInput['learner'] & { name: PersonName };
  schoolId: string | null;
  schoolName: string | null;
  schoolAuthorityCode: string | null;
  authorityId: string | null;
}

interface RecordRow {
  id: string;
  kind: 'plan' | 'meeting' | 'transition';
  learnerId: string;
  data: Record<string, unknown>;
}

/**
 * The cohort report: for each learner the caller's organisation can see (the rule of auth/access.ts,
 * as for the PEP compliance report), the `cohortRow` of @celr/schema under the learner's
 * responsible authority's stored policy and term dates (else its jurisdiction's default), filtered. Learners are read in batches by id, so a large cohort is
 * answered as it is read; each batch is audited (one event per learner shown) before it is given
 * to the caller.
 */
export class CohortReports {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly batchSize = COHORT_BATCH,
  ) {}

  async *batches(caller: Caller, query: CohortQuery): AsyncGenerator<CohortItem[]> {
    let after: string | null = null;
    for (;;) {
      const learners: LearnerRow[] = await this.db.sql<LearnerRow>(
        `SELECT l.id::text, l.data, s.organisation_id::text AS "schoolId", o.name AS "schoolName",
                a.la_code AS "schoolAuthorityCode",
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
         LEFT JOIN organisation a ON a.id = o.authority_id
         WHERE l.kind = 'learner' AND l.deleted_at IS NULL
           AND ${visibleSql('l.id', '$1::uuid')}
           AND ($2::uuid IS NULL OR s.organisation_id = $2::uuid)
           AND ($3::uuid IS NULL OR l.id > $3::uuid)
         ORDER BY l.id
         LIMIT $4::int`,
        [caller.actingForId, query.school ?? null, after, this.batchSize],
      );
      if (!learners.length) return;
      after = learners[learners.length - 1]!.id;
      const items = await this.assess(caller, learners, query);
      await this.audit.read(
        caller,
        ...items.map((item) => ({
          action: 'report',
          recordKind: 'learner',
          recordId: item.learnerId,
          learnerId: item.learnerId,
        })),
      );
      if (items.length) yield items;
      if (learners.length < this.batchSize) return;
    }
  }

  private async assess(caller: Caller, learners: LearnerRow[], query: CohortQuery): Promise<CohortItem[]> {
    const rows = await this.db.sql<RecordRow>(
      `SELECT r.id::text, r.kind, r.learner_id::text AS "learnerId", r.data
       FROM record r
       WHERE r.learner_id = ANY($1::uuid[]) AND r.kind IN ('plan', 'meeting', 'transition')
         AND r.deleted_at IS NULL AND ${visibleSql('r.learner_id', '$2::uuid')}`,
      [learners.map((l) => l.id), caller.actingForId],
    );
    const byLearner = new Map<string, RecordRow[]>();
    for (const row of rows) {
      const list = byLearner.get(row.learnerId);
      if (list) list.push(row);
      else byLearner.set(row.learnerId, [row]);
    }
    // As in the PEP compliance report: the responsible authority's stored policy and term dates.
    const settings = await ComplianceSettings.effective(this.db, [
      ...new Set(learners.flatMap((l) => (l.authorityId ? [l.authorityId] : []))),
    ]);
    const items: CohortItem[] = [];
    for (const learner of learners) {
      const applied = learner.authorityId ? settings.get(learner.authorityId) : undefined;
      const policy = policyOf(applied, learner.data.jurisdiction);
      const termDates = applied?.termDates?.document;
      const records = byLearner.get(learner.id) ?? [];
      const of = (kind: RecordRow['kind']) =>
        records.filter((r) => r.kind === kind).map((r) => ({ ...r.data, id: r.id }) as never);
      const row = cohortRow(
        {
          learner: { ...learner.data, id: learner.id },
          plans: of('plan'),
          meetings: of('meeting'),
          transitions: of('transition'),
          ...(learner.schoolAuthorityCode ? { schoolAuthorityCode: learner.schoolAuthorityCode } : {}),
        },
        { policy, asOf: query.asOf, ...(termDates ? { termDates } : {}) },
      );
      policyOfRow.set(row, policy);
      if (query.yearGroup !== undefined && row.yearGroup !== query.yearGroup) continue;
      if (query.rating !== undefined && row.rating !== query.rating) continue;
      if (query.overdue !== undefined && row.compliance.overdue > 0 !== query.overdue) continue;
      if (query.outOfAuthority !== undefined && row.outOfAuthority !== query.outOfAuthority) continue;
      items.push({
        learnerId: learner.id,
        name: learner.data.name,
        ...(learner.schoolId ? { school: { id: learner.schoolId, name: learner.schoolName ?? '' } } : {}),
        row,
      });
    }
    return items;
  }
}

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** The summary, groups and policies of a cohort report, added up item by item as they are sent. */
export class CohortTally {
  readonly summary: CohortSummary = {
    children: 0,
    phases: zeros(COHORT_PHASES),
    attendanceBands: zeros(ATTENDANCE_BAND_CODES),
    persistentAbsence: 0,
    ratings: {},
    overdue: 0,
    outOfAuthority: 0,
    suspensionsThisTerm: 0,
    exclusionsThisTerm: 0,
    suspensionsThisYear: 0,
    exclusionsThisYear: 0,
    movedSchool: 0,
    movedPlacement: 0,
    identifiers: zeros(COHORT_IDENTIFIERS),
    funding: Object.fromEntries(
      [...new Set(Object.values(LOOKED_AFTER_GRANTS))].map((g) => [g, { allocatedPence: 0, spentPence: 0 }]),
    ),
  };
  readonly policies: Partial<Record<Jurisdiction, { id: string; version: number; name: string }>> = {};
  private readonly byKey = new Map<string, CohortGroup>();

  constructor(private readonly groupBy?: CohortGrouping) {}

  add(item: CohortItem): void {
    const { row } = item;
    const s = this.summary;
    s.children++;
    s.phases[row.phase]++;
    s.attendanceBands[row.attendance.band]++;
    if (row.attendance.persistentAbsence) s.persistentAbsence++;
    s.ratings[row.rating] = (s.ratings[row.rating] ?? 0) + 1;
    if (row.compliance.overdue) s.overdue++;
    if (row.outOfAuthority) s.outOfAuthority++;
    s.suspensionsThisTerm += row.exclusions.suspensionsThisTerm;
    s.exclusionsThisTerm += row.exclusions.exclusionsThisTerm;
    s.suspensionsThisYear += row.exclusions.suspensionsThisYear;
    s.exclusionsThisYear += row.exclusions.exclusionsThisYear;
    if (row.moves.school) s.movedSchool++;
    if (row.moves.placement) s.movedPlacement++;
    for (const id of COHORT_IDENTIFIERS) if (row.identifiers[id]) s.identifiers[id]++;
    const money = s.funding[row.funding.fundingSource];
    if (money) {
      money.allocatedPence += row.funding.allocatedPence;
      money.spentPence += row.funding.spentPence;
    }
    // Keyed by jurisdiction (the cohort report's shape): a school's pupils of two authorities with
    // policies of their own are named by the last one; the PEP compliance report lists each.
    const policy = policyOfRow.get(row) ?? defaultCompliancePolicies[row.jurisdiction];
    this.policies[row.jurisdiction] = { id: policy.id, version: policy.version, name: policy.name };

    if (!this.groupBy) return;
    const key = cohortGroupKey(row, this.groupBy);
    let group = this.byKey.get(key);
    if (!group) {
      group = {
        key,
        label: this.groupBy === 'school' ? (row.school?.name ?? item.school?.name ?? key) : key,
        children: 0,
        persistentAbsence: 0,
        overdue: 0,
        outOfAuthority: 0,
        allocatedPence: 0,
        spentPence: 0,
      };
      this.byKey.set(key, group);
    }
    group.children++;
    if (row.attendance.persistentAbsence) group.persistentAbsence++;
    if (row.compliance.overdue) group.overdue++;
    if (row.outOfAuthority) group.outOfAuthority++;
    group.allocatedPence += row.funding.allocatedPence;
    group.spentPence += row.funding.spentPence;
  }

  /** The groups in the order of their vocabulary where there is one (phases, bands), else by key. */
  groups(): CohortGroup[] {
    const order: readonly string[] =
      this.groupBy === 'phase'
        ? COHORT_PHASES
        : this.groupBy === 'attendanceBand'
          ? ATTENDANCE_BAND_CODES
          : [];
    const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
    return [...this.byKey.values()].sort(
      (a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key, 'en', { numeric: true }),
    );
  }
}

export const COHORT_CSV_COLUMNS = [
  'learner_id',
  'given_name',
  'family_name',
  'jurisdiction',
  'care_status',
  'year_group',
  'year_group_from',
  'phase',
  'school_scheme',
  'school_code',
  'school_name',
  'setting',
  'school_location',
  'placement_location',
  'out_of_authority',
  'plan_id',
  'plan_type',
  'plan_start',
  'rating',
  'plan_adequate',
  'pep_outcome',
  'pep_overdue',
  'possible_sessions',
  'attended_sessions',
  'absence_sessions',
  'attendance_percent',
  'absence_percent',
  'attendance_band',
  'persistent_absence',
  'term',
  'suspensions_this_term',
  'exclusions_this_term',
  'suspensions_this_year',
  'exclusions_this_year',
  'school_moves_12_months',
  'placement_moves_12_months',
  ...COHORT_IDENTIFIERS.map((id) => `has_${id}`),
  'funding_source',
  'allocated_pence',
  'spent_pence',
] as const;

/** One CSV line (ending CRLF) per child, in the order of `COHORT_CSV_COLUMNS`. */
export function cohortCsvLine(item: CohortItem): string {
  const { row } = item;
  return `${[
    csvField(item.learnerId),
    csvField(item.name.given, true),
    csvField(item.name.family, true),
    csvField(row.jurisdiction),
    csvField(row.careStatus),
    csvField(row.yearGroup),
    csvField(row.yearGroupFrom),
    csvField(row.phase),
    csvField(row.school?.scheme),
    csvField(row.school?.code, true),
    csvField(row.school?.name ?? item.school?.name, true),
    csvField(row.setting),
    csvField(row.schoolLocation),
    csvField(row.placementLocation),
    csvField(row.outOfAuthority),
    csvField(row.plan?.id),
    csvField(row.plan?.type),
    csvField(row.plan?.start),
    csvField(row.rating, true),
    csvField(row.plan ? row.plan.adequate : undefined),
    csvField(row.compliance.outcome),
    csvField(row.compliance.overdue),
    csvField(row.attendance.possibleSessions),
    csvField(row.attendance.attendedSessions),
    csvField(row.attendance.absenceSessions),
    csvField(row.attendance.attendancePercent),
    csvField(row.attendance.absencePercent),
    csvField(row.attendance.band),
    csvField(row.attendance.persistentAbsence),
    csvField(row.exclusions.term.name, true),
    csvField(row.exclusions.suspensionsThisTerm),
    csvField(row.exclusions.exclusionsThisTerm),
    csvField(row.exclusions.suspensionsThisYear),
    csvField(row.exclusions.exclusionsThisYear),
    csvField(row.moves.school),
    csvField(row.moves.placement),
    ...COHORT_IDENTIFIERS.map((id) => csvField(row.identifiers[id])),
    csvField(row.funding.fundingSource),
    csvField(row.funding.allocatedPence),
    csvField(row.funding.spentPence),
  ].join(',')}\r\n`;
}
