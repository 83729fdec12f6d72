import Type, { type Static } from 'typebox';
import { ClosedPeriod, IsoDate, RecordId } from '../common/primitives.js';
import { RECORD_KINDS } from '../records/define.js';
import type { PepComplianceResult } from './compliance.js';
import { ALLOWANCE_UNITS, COMPLIANCE_DEADLINES } from './policy.js';

/**
 * Conditions about a child that need someone today. Each is raised once, naming the child and the
 * record that raised it:
 * - `pep-overdue`: a PEP deadline of the child's compliance policy passed with nothing meeting it;
 * - `exclusion-recorded`: a suspension or exclusion appeared on the learner record;
 * - `attendance-below-threshold`: an attendance period on the learner record is below the threshold;
 * - `school-move-without-review`: a completed school move had no PEP review within the policy's allowance.
 */
export const ALERT_KINDS = [
  'pep-overdue',
  'exclusion-recorded',
  'attendance-below-threshold',
  'school-move-without-review',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * The API's default threshold: attendance below 90 %. The DfE's persistent absence (the cohort
 * report's band, PERSISTENT_ABSENCE_PERCENT) is missing 10 % or more, so a child at exactly 90 % is
 * persistently absent there without being below this threshold; an operator who wants the alert to
 * match sets CELR_ALERT_ATTENDANCE_THRESHOLD a little above 90.
 */
export const DEFAULT_ATTENDANCE_THRESHOLD = 90;

const DeadlineFigure = Type.Object(
  {
    deadline: Type.Enum(COMPLIANCE_DEADLINES, { type: 'string', description: 'Which deadline passed.' }),
    clockStart: IsoDate('The day its clock started.'),
    dueOn: IsoDate('The last day it could be met on time.'),
    asOf: IsoDate('The day the sweep found it overdue.'),
    daysLate: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100000, description: 'How late on `asOf`, in `daysLateUnit`.' }),
    ),
    daysLateUnit: Type.Enum(ALLOWANCE_UNITS, { type: 'string', description: 'The unit of `daysLate`.' }),
    policy: Type.Object(
      {
        id: Type.String({ maxLength: 100, description: "The policy's id." }),
        version: Type.Integer({ minimum: 1, maximum: 2147483647, description: "The policy's version." }),
      },
      { additionalProperties: false, description: 'The compliance policy that set the deadline.' },
    ),
  },
  { additionalProperties: false, description: 'For a deadline alert: the deadline that passed.' },
);

const AttendanceFigure = Type.Object(
  {
    period: ClosedPeriod,
    attendedSessions: Type.Integer({ minimum: 0, maximum: 1000, description: 'Sessions attended.' }),
    possibleSessions: Type.Integer({ minimum: 1, maximum: 1000, description: 'Sessions possible.' }),
    percentage: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'Attended sessions as a percentage of possible sessions, to one decimal place.',
    }),
    threshold: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'The threshold it fell below (the deployment setting when raised).',
    }),
  },
  { additionalProperties: false, description: 'For an attendance alert: the period and its figures.' },
);

const ExclusionFigure = Type.Object(
  {
    type: Type.String({ maxLength: 50, description: "The exclusion's type code." }),
    startDate: IsoDate('First day of the exclusion.'),
    sessions: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 400, description: 'Length in sessions, if recorded.' }),
    ),
  },
  { additionalProperties: false, description: 'For an exclusion alert: the suspension or exclusion.' },
);

export const Alert = Type.Object(
  {
    id: RecordId,
    kind: Type.Enum(ALERT_KINDS, { type: 'string', description: 'What needs someone today.' }),
    learnerId: RecordId,
    record: Type.Object(
      {
        kind: Type.Enum(RECORD_KINDS, { type: 'string', description: 'The kind of record.' }),
        id: RecordId,
        version: Type.Integer({
          minimum: 1,
          maximum: 2147483647,
          description: 'Its version when the alert was raised.',
        }),
      },
      { additionalProperties: false, description: 'The record that raised the alert.' },
    ),
    deadline: Type.Optional(DeadlineFigure),
    attendance: Type.Optional(AttendanceFigure),
    exclusion: Type.Optional(ExclusionFigure),
    raisedAt: Type.String({ format: 'date-time', maxLength: 35, description: 'When it was raised.' }),
  },
  {
    additionalProperties: false,
    title: 'Alert',
    description:
      'A condition about a child that needs someone today, raised once: the child, the record that raised it, and the deadline (`pep-overdue`, `school-move-without-review`), attendance figures (`attendance-below-threshold`) or exclusion (`exclusion-recorded`) that decided it.',
  },
);
export type Alert = Static<typeof Alert>;
export type AlertDeadline = Static<typeof DeadlineFigure>;
export type AlertAttendance = Static<typeof AttendanceFigure>;
export type AlertExclusion = Static<typeof ExclusionFigure>;

/**
 * An alert to raise, before it has an id or a time. `occurrence` tells apart the alerts one record
 * can raise of one kind (the exclusion's type and start, the attendance period, the deadline and its
 * due date): with the kind, the learner and the record it is the alert's identity, so raising the
 * same alert again is a no-op.
 */
export interface AlertCandidate {
  kind: AlertKind;
  learnerId: string;
  record: Alert['record'];
  occurrence: string;
  deadline?: AlertDeadline;
  attendance?: AlertAttendance;
  exclusion?: AlertExclusion;
}

/** What of a learner record the event-driven alerts read. */
export interface AlertingLearner {
  exclusions?: readonly { type: string; startDate: string; sessions?: number }[];
  attendance?: readonly {
    period: { start: string; end: string };
    possibleSessions: number;
    attendedSessions: number;
  }[];
}

/** Attendance as a percentage to one decimal place, rounded down so that 89.99 % is never shown as 90. */
export const attendancePercentage = (attended: number, possible: number) =>
  Math.floor((attended * 1000) / possible) / 10;

/**
 * The alerts a learner record raises as written: one per suspension or exclusion it holds, and one
 * per attendance period strictly below `threshold` percent (a period with no possible sessions says
 * nothing). Written again, a record raises the same candidates, which the store does not raise twice.
 */
export function learnerRecordAlerts(
  learner: { id: string; version: number; data: AlertingLearner },
  threshold: number,
): AlertCandidate[] {
  const record = { kind: 'learner' as const, id: learner.id, version: learner.version };
  const base = { learnerId: learner.id, record };
  const out: AlertCandidate[] = [];
  for (const e of learner.data.exclusions ?? []) {
    out.push({
      ...base,
      kind: 'exclusion-recorded',
      occurrence: `${e.type}:${e.startDate}`,
      exclusion: {
        type: e.type,
        startDate: e.startDate,
        ...(e.sessions !== undefined ? { sessions: e.sessions } : {}),
      },
    });
  }
  for (const a of learner.data.attendance ?? []) {
    if (a.possibleSessions <= 0) continue;
    // Compared exactly (attended / possible < threshold / 100), never through a rounded figure.
    if (a.attendedSessions * 100 >= threshold * a.possibleSessions) continue;
    out.push({
      ...base,
      kind: 'attendance-below-threshold',
      occurrence: `${a.period.start}/${a.period.end}`,
      attendance: {
        period: { start: a.period.start, end: a.period.end },
        attendedSessions: a.attendedSessions,
        possibleSessions: a.possibleSessions,
        percentage: attendancePercentage(a.attendedSessions, a.possibleSessions),
        threshold,
      },
    });
  }
  return out;
}

/**
 * The alerts a compliance assessment raises: one per overdue deadline. The review owed after a
 * school move is `school-move-without-review`, raised by the move; every other deadline is
 * `pep-overdue`, raised by the record that started its clock (the learner's care start, the last
 * review). `versionOf` gives the current version of that record.
 */
export function complianceAlerts(
  result: PepComplianceResult,
  versionOf: (kind: Alert['record']['kind'], id: string) => number | undefined,
): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  for (const d of result.deadlines) {
    if (d.status !== 'overdue') continue;
    const by = d.clockStart.decidedBy;
    const version = versionOf(by.kind, by.id);
    if (version === undefined) continue;
    out.push({
      kind: d.deadline === 'review-after-school-move' ? 'school-move-without-review' : 'pep-overdue',
      learnerId: result.learnerId,
      record: { kind: by.kind, id: by.id, version },
      occurrence: `${d.deadline}:${d.dueOn}`,
      deadline: {
        deadline: d.deadline,
        clockStart: d.clockStart.date,
        dueOn: d.dueOn,
        asOf: result.asOf,
        ...(d.daysLate !== undefined ? { daysLate: d.daysLate } : {}),
        daysLateUnit: d.daysLateUnit,
        policy: result.policy,
      },
    });
  }
  return out;
}
