import Type, { type Static } from 'typebox';
import { IsoDate, RecordId, Text } from '../common/primitives.js';
import { RECORD_KINDS } from '../records/define.js';
import { bankHolidayCalendars } from './bank-holidays.js';
import {
  addCalendarDays,
  addMonths,
  addSchoolDays,
  addTerms,
  addWorkingDays,
  type BankHolidayCalendar,
  CalendarRangeError,
  calendarDaysBetween,
  divisionOf,
  isSchoolDay,
  isWorkingDay,
  schoolDaysBetween,
  type TermDates,
  workingDaysBetween,
} from './calendar.js';
import {
  ALLOWANCE_UNITS,
  type AllowanceUnit,
  CLOCK_STARTS,
  COMPLIANCE_DEADLINES,
  type ComplianceDeadline,
  type CompliancePolicy,
  type PolicyDeadline,
} from './policy.js';

/** Where a deadline stands on the `asOf` date. */
export const DEADLINE_STATUSES = ['met', 'late', 'due', 'overdue'] as const;
export type DeadlineStatus = (typeof DEADLINE_STATUSES)[number];

/**
 * What could be said about the child: `assessed` (deadlines computed, a current plan held),
 * `no-plan` (deadlines computed, no current plan), `not-looked-after` (no deadlines: not looked
 * after on `asOf`), `no-clock-start` (looked after, but no date the period of care began).
 */
export const COMPLIANCE_OUTCOMES = ['assessed', 'no-plan', 'not-looked-after', 'no-clock-start'] as const;
export type ComplianceOutcome = (typeof COMPLIANCE_OUTCOMES)[number];

/** Why a deadline could not be computed. */
export const NOT_ASSESSED_REASONS = ['no-term-dates', 'outside-calendar'] as const;
export type NotAssessedReason = (typeof NOT_ASSESSED_REASONS)[number];

const RecordRef = Type.Object(
  {
    kind: Type.Enum(RECORD_KINDS, { type: 'string', description: 'The kind of record.' }),
    id: RecordId,
    field: Type.String({ maxLength: 100, description: 'The field that decided it (JSON pointer).' }),
  },
  { additionalProperties: false, description: 'The record, and its field, that decided a date.' },
);
export type RecordRef = Static<typeof RecordRef>;

const ClockStartAt = Type.Object(
  {
    event: Type.Enum(CLOCK_STARTS, { type: 'string', description: 'What started the clock.' }),
    date: IsoDate('The day the clock started.'),
    decidedBy: RecordRef,
  },
  { additionalProperties: false, description: 'When and why a clock started.' },
);
export type ClockStartAt = Static<typeof ClockStartAt>;

const DeadlineAssessment = Type.Object(
  {
    deadline: Type.Enum(COMPLIANCE_DEADLINES, { type: 'string', description: 'Which deadline.' }),
    occurrence: Type.Integer({
      minimum: 1,
      maximum: 10000,
      description: 'Its number: 1, then 2, 3 ... for a recurring deadline, a restart or each school move.',
    }),
    clockStart: ClockStartAt,
    dueOn: IsoDate('The last day it can be met on time.'),
    daysLateUnit: Type.Enum(ALLOWANCE_UNITS, {
      type: 'string',
      description:
        "The unit `daysLate` is counted in: the policy's unit, except calendar days for an allowance in months and school days for one in terms.",
    }),
    status: Type.Enum(DEADLINE_STATUSES, { type: 'string', description: 'Met, late, due or overdue.' }),
    metOn: Type.Optional(IsoDate('When it was met (met or late).')),
    metBy: Type.Optional(RecordRef),
    daysLate: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100000,
        description:
          'Late: how many units after `dueOn` it was met; overdue: how many units `asOf` is past `dueOn`. The smallest n for which `dueOn` plus n units reaches that day.',
      }),
    ),
  },
  { additionalProperties: false, description: 'One occurrence of a deadline.' },
);
export type DeadlineAssessment = Static<typeof DeadlineAssessment>;

export const PepComplianceResult = Type.Object(
  {
    learnerId: RecordId,
    policy: Type.Object(
      {
        id: Type.String({ maxLength: 100, description: "The policy's id." }),
        version: Type.Integer({ minimum: 1, maximum: 2147483647, description: "The policy's version." }),
      },
      { additionalProperties: false, description: 'The policy applied.' },
    ),
    asOf: IsoDate('The day the assessment is for; records dated after it are not counted.'),
    outcome: Type.Enum(COMPLIANCE_OUTCOMES, {
      type: 'string',
      description: 'What could be said about the child.',
    }),
    message: Text('The outcome in words.', 500),
    clockStart: Type.Optional(ClockStartAt),
    deadlines: Type.Array(DeadlineAssessment, {
      maxItems: 10000,
      description: 'Every occurrence of every deadline, by clock start.',
    }),
    notAssessed: Type.Array(
      Type.Object(
        {
          deadline: Type.Enum(COMPLIANCE_DEADLINES, { type: 'string', description: 'Which deadline.' }),
          clockStart: ClockStartAt,
          reason: Type.Enum(NOT_ASSESSED_REASONS, { type: 'string', description: 'Why not.' }),
          message: Text('Why, in words.', 500),
        },
        { additionalProperties: false, description: 'A deadline that could not be computed.' },
      ),
      {
        maxItems: 10000,
        description: 'Deadlines whose clock started but whose due date could not be computed.',
      },
    ),
    currentPlan: Type.Union([
      Type.Object(
        {
          id: RecordId,
          type: Type.String({ maxLength: 50, description: 'Its plan type.' }),
          start: IsoDate('First day of its period.'),
          rating: Type.Optional(
            Type.String({ maxLength: 50, description: 'Its quality rating, if rated by `asOf`.' }),
          ),
          ratedOn: Type.Optional(IsoDate('When it was rated.')),
          adequate: Type.Union([Type.Boolean(), Type.Null()], {
            description:
              "Whether the rating is adequate under the policy's rubric; null when unrated or not a rubric rating.",
          }),
        },
        { additionalProperties: false, description: 'The plan in force on `asOf`.' },
      ),
      Type.Null(),
    ]),
    lastReview: Type.Union([
      Type.Object(
        { date: IsoDate('When it was held.'), decidedBy: RecordRef },
        { additionalProperties: false, description: 'The last review held in the period of care.' },
      ),
      Type.Null(),
    ]),
  },
  {
    additionalProperties: false,
    title: 'PepComplianceResult',
    description:
      "One child's PEP compliance on a date under a policy, with the record that decided each date.",
  },
);
export type PepComplianceResult = Static<typeof PepComplianceResult>;

/** The facts of the records the computation reads; CELR records (`Learner`, `Plan`, ...) have them. */
export interface ComplianceLearner {
  id: string;
  careStatus: { status: string; since?: string };
}
export interface CompliancePlan {
  id: string;
  type: string;
  status: string;
  period: { start: string; end?: string };
  qualityAssurance?: { rating: string; reviewedOn: string };
}
export interface ComplianceMeeting {
  id: string;
  type: string;
  status: string;
  scheduledFor: string;
}
export interface ComplianceTransition {
  id: string;
  type: string;
  status: string;
  actualDate?: string;
}

export interface ComplianceInput {
  learner: ComplianceLearner;
  plans?: readonly CompliancePlan[];
  meetings?: readonly ComplianceMeeting[];
  transitions?: readonly ComplianceTransition[];
}

export interface ComplianceOptions {
  policy: CompliancePolicy;
  /** ISO date the assessment is for. Records dated after it are ignored. */
  asOf: string;
  /** Bank holidays; by default GOV.UK's for the policy's jurisdiction. */
  calendar?: BankHolidayCalendar | undefined;
  /** The authority's term dates, for `school-days` and `terms` allowances. */
  termDates?: TermDates | undefined;
}

interface Event {
  date: string;
  ref: RecordRef;
}

const MAX_OCCURRENCES = 200;

/**
 * A child's PEP compliance on `asOf` under a policy. Pure: the same records and options give the
 * same result, and it never throws on a child's records (a child not looked after, without a
 * care start or without a plan gets an outcome saying so; a deadline the calendars cannot compute
 * is listed in `notAssessed`).
 *
 * Records dated after `asOf` are not counted, so a past `asOf` gives the report as it stood then.
 * A meeting's date is the calendar date written in its `scheduledFor` (the local date).
 */
export function assessPepCompliance(
  records: ComplianceInput,
  options: ComplianceOptions,
): PepComplianceResult {
  const { policy, asOf } = options;
  const calendar = options.calendar ?? bankHolidayCalendars[divisionOf(policy.jurisdiction)];
  const { learner } = records;
  const base = {
    learnerId: learner.id,
    policy: { id: policy.id, version: policy.version },
    asOf,
    deadlines: [] as DeadlineAssessment[],
    notAssessed: [] as PepComplianceResult['notAssessed'],
    currentPlan: null,
    lastReview: null,
  };
  const since = learner.careStatus.since;
  if (learner.careStatus.status !== 'looked-after')
    return {
      ...base,
      outcome: 'not-looked-after',
      message: `Not looked after: care status is '${learner.careStatus.status}'.`,
    };
  if (!since)
    return {
      ...base,
      outcome: 'no-clock-start',
      message: 'Looked after, but the start of the period of care (careStatus.since) is not recorded.',
    };
  if (since > asOf)
    return {
      ...base,
      outcome: 'not-looked-after',
      message: `Looked after only from ${since}, after ${asOf}.`,
    };

  const clockStart: ClockStartAt = {
    event: 'entering-care',
    date: since,
    decidedBy: { kind: 'learner', id: learner.id, field: '/careStatus/since' },
  };
  const plans = (records.plans ?? []).filter(
    (p) => policy.planTypes.includes(p.type) && p.status !== 'draft' && p.period.start <= asOf,
  );
  const planStarts: (Event & { end?: string })[] = plans
    .map((p) => ({
      date: p.period.start,
      ...(p.period.end !== undefined ? { end: p.period.end } : {}),
      ref: ref('plan', p.id, '/period/start'),
    }))
    .sort(byDate);
  const reviews: Event[] = (records.meetings ?? [])
    .filter((m) => policy.reviewMeetingTypes.includes(m.type) && m.status === 'held')
    .map((m) => ({ date: m.scheduledFor.slice(0, 10), ref: ref('meeting', m.id, '/scheduledFor') }))
    .filter((e) => e.date >= since && e.date <= asOf)
    .sort(byDate);
  const moves: Event[] = (records.transitions ?? [])
    .filter((t) => policy.schoolMoveTypes.includes(t.type) && t.status === 'completed' && t.actualDate)
    .map((t) => ({ date: t.actualDate as string, ref: ref('transition', t.id, '/actualDate') }))
    .filter((e) => e.date > since && e.date <= asOf)
    .sort(byDate);

  const ctx: Ctx = {
    calendar,
    ...(options.termDates !== undefined ? { termDates: options.termDates } : {}),
    asOf,
  };
  const result: PepComplianceResult = {
    ...base,
    outcome: 'assessed',
    message: '',
    clockStart,
  };
  const firstMet = new Map<ComplianceDeadline, Event>();

  for (const deadline of policy.deadlines) {
    const clocks: ClockStartAt[] = [];
    if (deadline.clock === 'entering-care') {
      clocks.push(clockStart);
      if (deadline.restartedBy?.includes('school-move'))
        for (const m of moves) clocks.push({ event: 'school-move', date: m.date, decidedBy: m.ref });
    } else if (deadline.clock === 'school-move') {
      for (const m of moves) clocks.push({ event: 'school-move', date: m.date, decidedBy: m.ref });
    }
    if (deadline.clock !== 'previous-review') {
      clocks.forEach((clock, i) => {
        const candidates = deadline.metBy === 'plan' ? planStarts : reviews;
        const met = candidates.find((e) =>
          deadline.metBy === 'plan' && clock.event === 'entering-care'
            ? // A plan made before the child entered care (planned care) counts if still in force then.
              e.date >= clock.date || ((e as { end?: string }).end ?? '9999-12-31') >= clock.date
            : e.date >= clock.date,
        );
        const assessed = assess(ctx, deadline, i + 1, clock, met, result);
        if (i === 0 && assessed?.metOn && met) firstMet.set(deadline.id, met);
      });
      continue;
    }
    // previous-review: a chain from the day the earlier deadline was met, then from each review.
    const start = deadline.after ? firstMet.get(deadline.after) : undefined;
    if (!start) continue;
    let anchor: Event = start;
    for (let n = 1; n <= MAX_OCCURRENCES; n++) {
      const clock: ClockStartAt = { event: 'previous-review', date: anchor.date, decidedBy: anchor.ref };
      const met = reviews.find((e) => e.date > anchor.date);
      const assessed = assess(ctx, deadline, n, clock, met, result);
      if (n === 1 && assessed?.metOn && met) firstMet.set(deadline.id, met);
      if (!assessed?.metOn || !met || !deadline.recurring) break;
      anchor = met;
    }
  }

  const current = plans
    .filter(
      (p) => (p.status === 'active' || p.status === 'under-review') && (p.period.end ?? '9999-12-31') >= asOf,
    )
    .sort((a, b) => (a.period.start < b.period.start ? 1 : a.period.start > b.period.start ? -1 : 0))[0];
  if (current) {
    const qa =
      current.qualityAssurance && current.qualityAssurance.reviewedOn <= asOf
        ? current.qualityAssurance
        : undefined;
    const inRubric = qa !== undefined && policy.rubric.ratings.some((r) => r.code === qa.rating);
    result.currentPlan = {
      id: current.id,
      type: current.type,
      start: current.period.start,
      ...(qa ? { rating: qa.rating, ratedOn: qa.reviewedOn } : {}),
      adequate: qa && inRubric ? policy.rubric.adequate.includes(qa.rating) : null,
    };
  } else {
    result.outcome = 'no-plan';
  }
  const last = reviews[reviews.length - 1];
  if (last) result.lastReview = { date: last.date, decidedBy: last.ref };
  const overdue = result.deadlines.filter((d) => d.status === 'overdue').length;
  result.message =
    (current
      ? `Looked after since ${since}; plan in force`
      : `Looked after since ${since}; no plan in force`) +
    (overdue ? `; ${overdue} deadline(s) overdue.` : '.');
  return result;
}

interface Ctx {
  calendar: BankHolidayCalendar;
  termDates?: TermDates;
  asOf: string;
}

function assess(
  ctx: Ctx,
  deadline: PolicyDeadline,
  occurrence: number,
  clockStart: ClockStartAt,
  met: Event | undefined,
  result: PepComplianceResult,
): DeadlineAssessment | undefined {
  try {
    const dueOn = addAllowance(ctx, clockStart.date, deadline.allowance, deadline.unit);
    const unit = lateUnit(deadline.unit);
    const base = { deadline: deadline.id, occurrence, clockStart, dueOn, daysLateUnit: unit };
    let assessed: DeadlineAssessment;
    if (met) {
      assessed =
        met.date <= dueOn
          ? { ...base, status: 'met', metOn: met.date, metBy: met.ref }
          : {
              ...base,
              status: 'late',
              metOn: met.date,
              metBy: met.ref,
              ...late(ctx, dueOn, met.date, unit),
            };
    } else {
      assessed =
        ctx.asOf <= dueOn
          ? { ...base, status: 'due' }
          : { ...base, status: 'overdue', ...late(ctx, dueOn, ctx.asOf, unit) };
    }
    result.deadlines.push(assessed);
    return assessed;
  } catch (error) {
    if (!(error instanceof CalendarRangeError)) throw error;
    const needsTerms = deadline.unit === 'school-days' || deadline.unit === 'terms';
    result.notAssessed.push({
      deadline: deadline.id,
      clockStart,
      reason: error.date === NO_TERMS ? 'no-term-dates' : 'outside-calendar',
      message:
        error.date === NO_TERMS && needsTerms
          ? `Counted in ${deadline.unit}, which needs the authority's term dates.`
          : error.message,
    });
    return undefined;
  }
}

const NO_TERMS = 'no-term-dates';

function termsOf(ctx: Ctx): TermDates {
  if (!ctx.termDates) throw new CalendarRangeError(NO_TERMS, 'No term dates were given.');
  return ctx.termDates;
}

/** The date `n` units after `date`. */
export function addAllowance(
  ctx: { calendar: BankHolidayCalendar; termDates?: TermDates },
  date: string,
  n: number,
  unit: AllowanceUnit,
): string {
  switch (unit) {
    case 'working-days':
      return addWorkingDays(ctx.calendar, date, n);
    case 'school-days':
      return addSchoolDays(ctx.calendar, termsOf(ctx as Ctx), date, n);
    case 'calendar-days':
      return addCalendarDays(date, n);
    case 'months':
      return addMonths(date, n);
    case 'terms':
      return addTerms(termsOf(ctx as Ctx), date, n);
  }
}

/** Lateness in months or terms would hide how late: counted in calendar or school days instead. */
const lateUnit = (unit: AllowanceUnit): AllowanceUnit =>
  unit === 'months' ? 'calendar-days' : unit === 'terms' ? 'school-days' : unit;

/** `daysLate`, left out when the calendars end before the day it would be counted to. */
function late(ctx: Ctx, due: string, until: string, unit: AllowanceUnit): { daysLate?: number } {
  try {
    return { daysLate: unitsLate(ctx, due, until, unit) };
  } catch (error) {
    if (error instanceof CalendarRangeError) return {};
    throw error;
  }
}

/** The smallest n ≥ 1 for which `due` plus n units reaches `until` (`until` is after `due`). */
function unitsLate(ctx: Ctx, due: string, until: string, unit: AllowanceUnit): number {
  switch (unit) {
    case 'working-days':
      return workingDaysBetween(ctx.calendar, due, until) + (isWorkingDay(ctx.calendar, until) ? 0 : 1);
    case 'school-days': {
      const terms = termsOf(ctx);
      return (
        schoolDaysBetween(ctx.calendar, terms, due, until) + (isSchoolDay(ctx.calendar, terms, until) ? 0 : 1)
      );
    }
    case 'calendar-days':
      return calendarDaysBetween(due, until);
    default: {
      let n = 1;
      while (addAllowance(ctx, due, n, unit) < until) n++;
      return n;
    }
  }
}

const ref = (kind: RecordRef['kind'], id: string, field: string): RecordRef => ({ kind, id, field });
const byDate = (a: Event, b: Event) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0);
