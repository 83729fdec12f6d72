import Type, { type Static } from 'typebox';
import { IsoDate, Jurisdiction, RecordId } from '../common/primitives.js';
import { addCalendarDays, addMonths, dayNumber, type TermDates } from './calendar.js';
import {
  assessPepCompliance,
  COMPLIANCE_OUTCOMES,
  type ComplianceMeeting,
  type ComplianceOptions,
  type CompliancePlan,
  type ComplianceTransition,
} from './compliance.js';

/**
 * The virtual school's cohort on a date: one row per child with where they are in school, how
 * their plan stands, how they attend, whether they were suspended or excluded, how often they moved,
 * which national identifiers they have, and the Pupil Premium Plus their plans account for. The
 * vocabularies below (phases, attendance bands, groupings, where a child is placed) are the only
 * definitions of them: the API, the CLI and the docs take them from here.
 */

/** Education phases a year group or stage belongs to. */
export const COHORT_PHASES = ['early-years', 'primary', 'secondary', 'post-16'] as const;
export type CohortPhase = (typeof COHORT_PHASES)[number];

/**
 * The phase of each year group (England, `england-year-group`) and stage (Scotland, `scotland-stage`).
 * Reception is the last year of England's Early Years Foundation Stage, so it counts as early years;
 * Scotland's S5 and S6 (after the school leaving age of 16) count as post-16. `X` (national
 * curriculum not followed) has no phase of its own: the child's age decides it.
 */
export const YEAR_GROUP_PHASES: Readonly<Record<string, CohortPhase>> = {
  E1: 'early-years',
  E2: 'early-years',
  N1: 'early-years',
  N2: 'early-years',
  R: 'early-years',
  ...Object.fromEntries(['1', '2', '3', '4', '5', '6'].map((y) => [y, 'primary'])),
  ...Object.fromEntries(['7', '8', '9', '10', '11'].map((y) => [y, 'secondary'])),
  ...Object.fromEntries(['12', '13', '14'].map((y) => [y, 'post-16'])),
  ELC: 'early-years',
  ...Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7'].map((y) => [y, 'primary'])),
  ...Object.fromEntries(['S1', 'S2', 'S3', 'S4'].map((y) => [y, 'secondary'])),
  S5: 'post-16',
  S6: 'post-16',
};

/** Where a year group came from: the school's enrolment record, or the child's date of birth. */
export const YEAR_GROUP_SOURCES = ['enrolment', 'date-of-birth'] as const;

/**
 * The school year: England's runs from 1 September to 31 August, with children born from
 * 1 September to 31 August in one year group; Scotland's session from August to July, with
 * children born from 1 March to the end of February in one stage.
 */
export const SCHOOL_YEARS: Readonly<
  Record<Jurisdiction, { startMonth: number; cohortStartMonth: number; description: string }>
> = {
  england: {
    startMonth: 9,
    cohortStartMonth: 9,
    description: 'School year 1 September to 31 August; a year group is born 1 September to 31 August.',
  },
  scotland: {
    startMonth: 8,
    cohortStartMonth: 3,
    description: 'Session 1 August to 31 July; a stage is born 1 March to the end of February.',
  },
};

/**
 * Attendance bands by the overall absence rate (authorised and unauthorised absence over possible
 * sessions), as the DfE counts it: a pupil who misses 10 % or more of their possible sessions is a
 * persistent absentee, 50 % or more severely absent. Attendance of exactly 90 % with no unrecorded
 * sessions is therefore persistent absence. Each band holds rates from its `minAbsencePercent`
 * up to the next band's.
 */
export const ATTENDANCE_BANDS = [
  {
    code: 'absence-under-5',
    label: 'Missed less than 5 % of sessions',
    minAbsencePercent: 0,
  },
  { code: 'absence-5-to-10', label: 'Missed 5 % to less than 10 %', minAbsencePercent: 5 },
  {
    code: 'persistent-absence',
    label: 'Persistent absence: missed 10 % to less than 50 %',
    minAbsencePercent: 10,
  },
  { code: 'severe-absence', label: 'Severe absence: missed 50 % or more', minAbsencePercent: 50 },
] as const;
export const ATTENDANCE_BAND_CODES = [...ATTENDANCE_BANDS.map((b) => b.code), 'no-data'] as const;
export type AttendanceBand = (typeof ATTENDANCE_BAND_CODES)[number];
/** The overall absence rate, in per cent, from which a child is a persistent absentee. */
export const PERSISTENT_ABSENCE_PERCENT = 10;
export const ATTENDANCE_SOURCE = {
  title: 'Pupil absence in schools in England: methodology (persistent and severe absence)',
  publisher: 'Department for Education',
  url: 'https://explore-education-statistics.service.gov.uk/methodology/pupil-absence-in-schools-in-england',
} as const;

/** Whether a school or placement is in the responsible authority's area. */
export const AUTHORITY_LOCATIONS = ['in-authority', 'out-of-authority', 'unknown'] as const;
export type AuthorityLocation = (typeof AUTHORITY_LOCATIONS)[number];

/**
 * The kinds of exclusion code each jurisdiction's list holds: a suspension ends with the child
 * back at the same school; an exclusion (permanent, or removal from the register) does not.
 */
export const EXCLUSION_KINDS: Readonly<Record<string, 'suspension' | 'exclusion'>> = {
  SUSP: 'suspension',
  PERM: 'exclusion',
  'temporary-exclusion': 'suspension',
  'removal-from-register': 'exclusion',
};

/**
 * The moves counted as drift: in-year school moves (a phase transfer at the normal point is not
 * drift) and placement moves.
 */
export const DRIFT_MOVE_TYPES = {
  school: ['in-year-school-move'],
  placement: ['placement-move'],
} as const;
/** The window moves are counted over, in months before `asOf`. */
export const DRIFT_WINDOW_MONTHS = 12;

/** The grant for looked-after learners' education that plan provision can be funded from, per nation. */
export const LOOKED_AFTER_GRANTS: Readonly<Record<Jurisdiction, string>> = {
  england: 'pupil-premium-plus',
  scotland: 'care-experienced-children-and-young-people-fund',
};

/** The national identifiers whose presence the cohort report counts. */
export const COHORT_IDENTIFIERS = ['upn', 'uln', 'scn'] as const;

/** What a cohort report can be grouped by. */
export const COHORT_GROUPINGS = [
  'phase',
  'yearGroup',
  'school',
  'rating',
  'attendanceBand',
  'outOfAuthority',
] as const;
export type CohortGrouping = (typeof COHORT_GROUPINGS)[number];

/** A child's rating group: the current plan's rating, `unrated` for a plan not rated, `no-plan`. */
export const RATING_GROUPS_WITHOUT_RATING = ['unrated', 'no-plan'] as const;
const [UNRATED, NO_PLAN] = RATING_GROUPS_WITHOUT_RATING;

/** Where the terms of "this term" came from: the authority's term dates, or the conventional split. */
export const TERM_SOURCES = ['term-dates', 'conventional'] as const;

const Count = (description: string) => Type.Integer({ minimum: 0, maximum: 100000, description });
const Pence = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 100_000_000_000, description: `${description} In pence (GBP).` });
const Percent = (description: string) => Type.Number({ minimum: 0, maximum: 100, description });
const Location = (description: string) => Type.Enum(AUTHORITY_LOCATIONS, { type: 'string', description });
const Span = (description: string) =>
  Type.Object(
    { start: IsoDate('First day (inclusive).'), end: IsoDate('Last day (inclusive).') },
    { additionalProperties: false, description },
  );

export const CohortRow = Type.Object(
  {
    learnerId: RecordId,
    asOf: IsoDate('The day the row is for; records dated after it are not counted.'),
    jurisdiction: Jurisdiction,
    careStatus: Type.String({ maxLength: 50, description: 'The care status code.' }),
    yearGroup: Type.Union([Type.String({ maxLength: 10 }), Type.Null()], {
      description:
        "Year group (England) or stage (Scotland): the enrolment's, else the one the date of birth gives; null outside the year groups.",
    }),
    yearGroupFrom: Type.Union([Type.Enum(YEAR_GROUP_SOURCES, { type: 'string' }), Type.Null()], {
      description: 'Where `yearGroup` came from.',
    }),
    phase: Type.Enum(COHORT_PHASES, { type: 'string', description: 'The education phase.' }),
    school: Type.Union(
      [
        Type.Object(
          {
            scheme: Type.String({ maxLength: 20, description: 'How `code` identifies the school.' }),
            code: Type.String({ maxLength: 64, description: 'URN, LAESTAB or SEED code.' }),
            name: Type.Optional(Type.String({ maxLength: 200, description: 'Its name.' })),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'The school of the current enrolment.' },
    ),
    setting: Type.Union([Type.String({ maxLength: 50 }), Type.Null()], {
      description: 'The `education-setting` code of the enrolment (full time, part time, ...).',
    }),
    schoolLocation: Location("Whether the school is in the responsible authority's area."),
    placementLocation: Location(
      "Whether the child lives in the responsible authority's area (a host authority other than it: out).",
    ),
    outOfAuthority: Type.Boolean({ description: 'School or placement out of authority.' }),
    plan: Type.Union(
      [
        Type.Object(
          {
            id: RecordId,
            type: Type.String({ maxLength: 50, description: 'Its plan type.' }),
            start: IsoDate('First day of its period.'),
            rating: Type.Optional(Type.String({ maxLength: 50, description: 'Its quality rating.' })),
            adequate: Type.Union([Type.Boolean(), Type.Null()], {
              description: "Whether the rating is adequate under the policy's rubric.",
            }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'The plan in force on `asOf` (as the PEP compliance assessment finds it).' },
    ),
    rating: Type.String({
      maxLength: 50,
      description: "The plan's rating, `unrated` for a plan in force without one, `no-plan` without a plan.",
    }),
    compliance: Type.Object(
      {
        outcome: Type.Enum(COMPLIANCE_OUTCOMES, {
          type: 'string',
          description: 'The PEP compliance outcome.',
        }),
        overdue: Count('PEP deadlines overdue on `asOf`.'),
      },
      { additionalProperties: false, description: 'PEP compliance on `asOf`.' },
    ),
    attendance: Type.Object(
      {
        schoolYear: Span('The school year `asOf` falls in.'),
        possibleSessions: Count('Possible sessions in the summaries counted.'),
        attendedSessions: Count('Sessions attended.'),
        absenceSessions: Count('Sessions of authorised and unauthorised absence.'),
        attendancePercent: Type.Union([Percent('Attended over possible, one decimal.'), Type.Null()]),
        absencePercent: Type.Union([Percent('Absence over possible, one decimal.'), Type.Null()]),
        band: Type.Enum(ATTENDANCE_BAND_CODES, { type: 'string', description: 'The attendance band.' }),
        persistentAbsence: Type.Boolean({ description: 'Missed 10 % or more of possible sessions.' }),
      },
      {
        additionalProperties: false,
        description:
          'Attendance this school year: the summaries that start in it and end by `asOf`, added up.',
      },
    ),
    exclusions: Type.Object(
      {
        term: Type.Object(
          {
            name: Type.String({ maxLength: 100, description: 'The term.' }),
            start: IsoDate('First day of the term.'),
            end: IsoDate('Last day of the term.'),
            from: Type.Enum(TERM_SOURCES, { type: 'string', description: 'Where the term came from.' }),
          },
          {
            additionalProperties: false,
            description: 'The term `asOf` falls in (or the last one before it).',
          },
        ),
        suspensionsThisTerm: Count('Suspensions starting this term by `asOf`.'),
        exclusionsThisTerm: Count('Exclusions starting this term by `asOf`.'),
        suspensionsThisYear: Count('Suspensions starting this school year by `asOf`.'),
        exclusionsThisYear: Count('Exclusions starting this school year by `asOf`.'),
      },
      { additionalProperties: false, description: 'Suspensions and permanent exclusions.' },
    ),
    moves: Type.Object(
      {
        since: IsoDate('Moves after this day and up to `asOf` count (12 months).'),
        school: Count('Completed in-year school moves.'),
        placement: Count('Completed placement moves.'),
      },
      { additionalProperties: false, description: 'Moves in the last 12 months (drift).' },
    ),
    identifiers: Type.Object(
      Object.fromEntries(
        COHORT_IDENTIFIERS.map((s) => [s, Type.Boolean({ description: `Whether a \`${s}\` is recorded.` })]),
      ) as Record<(typeof COHORT_IDENTIFIERS)[number], ReturnType<typeof Type.Boolean>>,
      { additionalProperties: false, description: 'National identifiers recorded.' },
    ),
    funding: Type.Object(
      {
        fundingSource: Type.String({
          maxLength: 100,
          description: "The `funding-source` code of the nation's grant (Pupil Premium Plus in England).",
        }),
        allocatedPence: Pence('Provision so funded in plans of this school year.'),
        spentPence: Pence('The part of it whose period has ended by `asOf`.'),
      },
      {
        additionalProperties: false,
        description:
          "Plan provision funded by the nation's grant for looked-after learners, this school year.",
      },
    ),
  },
  {
    additionalProperties: false,
    title: 'CohortRow',
    description: "One child's row in the virtual school's cohort on a date.",
  },
);
export type CohortRow = Static<typeof CohortRow>;

/** The facts of the records the cohort row reads; CELR records have them. */
interface OrganisationCode {
  scheme: string;
  code: string;
  name?: string;
}
export interface CohortLearner {
  id: string;
  jurisdiction: Jurisdiction;
  dateOfBirth: string;
  identifiers?: readonly { system: string; value: string }[];
  careStatus: { status: string; since?: string };
  responsibleAuthority: OrganisationCode;
  hostAuthority?: OrganisationCode;
  enrolment?: { school: OrganisationCode; yearGroup?: string; setting: string };
  attendance?: readonly {
    period: { start: string; end: string };
    possibleSessions: number;
    attendedSessions: number;
    authorisedAbsenceSessions: number;
    unauthorisedAbsenceSessions: number;
  }[];
  exclusions?: readonly { type: string; startDate: string }[];
}
export interface CohortPlan extends CompliancePlan {
  provision?: readonly {
    fundingSource: string;
    amountPence: number;
    period?: { start: string; end?: string };
  }[];
}
export interface CohortInput {
  learner: CohortLearner;
  plans?: readonly CohortPlan[];
  meetings?: readonly ComplianceMeeting[];
  transitions?: readonly ComplianceTransition[];
  /**
   * The code of the authority the enrolled school sits in, when the caller knows it (the API's
   * organisation register). Without it, an English LAESTAB's first three digits (its LA code) tell.
   */
  schoolAuthorityCode?: string;
}
/** The options of `assessPepCompliance`: the policy rates the plan; term dates decide "this term". */
export type CohortOptions = ComplianceOptions & { termDates?: TermDates | undefined };

/** The school year `date` falls in, in a jurisdiction. */
export function schoolYearOf(jurisdiction: Jurisdiction, date: string): { start: string; end: string } {
  const { startMonth } = SCHOOL_YEARS[jurisdiction];
  dayNumber(date);
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const first = month >= startMonth ? year : year - 1;
  const start = `${first}-${pad(startMonth)}-01`;
  return { start, end: addCalendarDays(addMonths(start, 12), -1) };
}

/**
 * The year group (England) or stage (Scotland) a child born on `dateOfBirth` is in on `asOf`,
 * with no deferral or acceleration: null before the first year group held and after the last
 * (England: Year 13; Scotland: S6).
 */
export function yearGroupFromBirth(
  jurisdiction: Jurisdiction,
  dateOfBirth: string,
  asOf: string,
): string | null {
  const { cohortStartMonth } = SCHOOL_YEARS[jurisdiction];
  dayNumber(dateOfBirth);
  const birthYear = Number(dateOfBirth.slice(0, 4));
  const cohort = Number(dateOfBirth.slice(5, 7)) >= cohortStartMonth ? birthYear : birthYear - 1;
  // Years of school since the cohort's birth year: 5 in England's Reception and Scotland's P1.
  const n = Number(schoolYearOf(jurisdiction, asOf).start.slice(0, 4)) - cohort;
  if (jurisdiction === 'england') {
    if (n === 3) return 'N1';
    if (n === 4) return 'N2';
    if (n === 5) return 'R';
    return n >= 6 && n <= 18 ? String(n - 5) : null;
  }
  if (n === 3 || n === 4) return 'ELC';
  if (n >= 5 && n <= 11) return `P${n - 4}`;
  return n >= 12 && n <= 17 ? `S${n - 11}` : null;
}

/** The phase of a child not placed by a year group: by the age in years at the start of the school year. */
function phaseByAge(jurisdiction: Jurisdiction, dateOfBirth: string, asOf: string): CohortPhase {
  const start = schoolYearOf(jurisdiction, asOf).start;
  const age =
    Number(start.slice(0, 4)) -
    Number(dateOfBirth.slice(0, 4)) -
    (start.slice(5) < dateOfBirth.slice(5) ? 1 : 0);
  return age < 5 ? 'early-years' : age < 11 ? 'primary' : age < 16 ? 'secondary' : 'post-16';
}

/** Easter Sunday of a year (the Gregorian computus of Meeus, Jones and Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/**
 * The term `asOf` is in: from the authority's term dates when given (in a holiday, the term just
 * ended), else the conventional split of the school year that the school census uses for
 * exclusions: autumn to 31 December, spring to Easter Sunday, summer from Easter Monday.
 */
export function termOf(
  jurisdiction: Jurisdiction,
  asOf: string,
  termDates?: TermDates,
): { name: string; start: string; end: string; from: (typeof TERM_SOURCES)[number] } {
  const year = schoolYearOf(jurisdiction, asOf);
  if (termDates) {
    const started = termDates.terms.filter((t) => t.start <= asOf && t.start >= year.start);
    const term = started[started.length - 1];
    if (term) return { name: term.name, start: term.start, end: term.end, from: 'term-dates' };
  }
  const first = Number(year.start.slice(0, 4));
  const easter = easterSunday(first + 1);
  const terms = [
    { name: `Autumn ${first}`, start: year.start, end: `${first}-12-31` },
    { name: `Spring ${first + 1}`, start: `${first + 1}-01-01`, end: easter },
    { name: `Summer ${first + 1}`, start: addCalendarDays(easter, 1), end: year.end },
  ];
  const term = terms.find((t) => t.start <= asOf && asOf <= t.end) ?? terms[0]!;
  return { ...term, from: 'conventional' };
}

/** The attendance band of an absence over possible sessions, counted in whole sessions (no rounding). */
export function attendanceBand(possibleSessions: number, absenceSessions: number): AttendanceBand {
  if (possibleSessions <= 0) return 'no-data';
  let band: AttendanceBand = ATTENDANCE_BANDS[0].code;
  for (const b of ATTENDANCE_BANDS)
    if (absenceSessions * 100 >= b.minAbsencePercent * possibleSessions) band = b.code;
  return band;
}

/** The LA code an English LAESTAB starts with (its first three digits). */
const laestabAuthority = (school: OrganisationCode) =>
  school.scheme === 'laestab' && /^\d{7}$/.test(school.code) ? school.code.slice(0, 3) : undefined;

const oneDecimal = (part: number, whole: number) => Math.round((part * 1000) / whole) / 10;

/**
 * One child's cohort row on `asOf`. Pure; records dated after `asOf` are not counted. The plan and
 * its rating are those `assessPepCompliance` finds under the same policy, so the two reports agree.
 */
export function cohortRow(records: CohortInput, options: CohortOptions): CohortRow {
  const { learner } = records;
  const { asOf } = options;
  const j = learner.jurisdiction;

  const enrolled = learner.enrolment?.yearGroup;
  const derived = enrolled ? null : yearGroupFromBirth(j, learner.dateOfBirth, asOf);
  const yearGroup = enrolled ?? derived;
  const phase =
    (yearGroup ? YEAR_GROUP_PHASES[yearGroup] : undefined) ?? phaseByAge(j, learner.dateOfBirth, asOf);

  const responsible = learner.responsibleAuthority.code;
  const school = learner.enrolment?.school;
  const schoolAuthority = school ? (records.schoolAuthorityCode ?? laestabAuthority(school)) : undefined;
  const schoolLocation: AuthorityLocation =
    schoolAuthority === undefined
      ? 'unknown'
      : schoolAuthority === responsible
        ? 'in-authority'
        : 'out-of-authority';
  // A host authority is recorded when the child is placed out of authority; none means placed at home.
  const placementLocation: AuthorityLocation =
    learner.hostAuthority && learner.hostAuthority.code !== responsible ? 'out-of-authority' : 'in-authority';

  const compliance = assessPepCompliance(
    {
      learner,
      ...(records.plans !== undefined ? { plans: records.plans } : {}),
      ...(records.meetings !== undefined ? { meetings: records.meetings } : {}),
      ...(records.transitions !== undefined ? { transitions: records.transitions } : {}),
    },
    options,
  );
  const current = compliance.currentPlan;
  const plan = current
    ? {
        id: current.id,
        type: current.type,
        start: current.start,
        ...(current.rating !== undefined ? { rating: current.rating } : {}),
        adequate: current.adequate,
      }
    : null;

  const schoolYear = schoolYearOf(j, asOf);
  const counted = (learner.attendance ?? []).filter(
    (a) => a.period.start >= schoolYear.start && a.period.start <= schoolYear.end && a.period.end <= asOf,
  );
  const possible = sum(counted.map((a) => a.possibleSessions));
  const attended = sum(counted.map((a) => a.attendedSessions));
  const absent = sum(counted.map((a) => a.authorisedAbsenceSessions + a.unauthorisedAbsenceSessions));
  const band = attendanceBand(possible, absent);

  const term = termOf(j, asOf, options.termDates);
  const exclusions = (learner.exclusions ?? []).filter((e) => e.startDate <= asOf);
  const countOf = (kind: 'suspension' | 'exclusion', from: string) =>
    exclusions.filter((e) => EXCLUSION_KINDS[e.type] === kind && e.startDate >= from).length;
  const inYear = exclusions.filter((e) => e.startDate >= schoolYear.start);
  const yearCount = (kind: 'suspension' | 'exclusion') =>
    inYear.filter((e) => EXCLUSION_KINDS[e.type] === kind).length;

  const since = addMonths(asOf, -DRIFT_WINDOW_MONTHS);
  const moved = (types: readonly string[]) =>
    (records.transitions ?? []).filter(
      (t) =>
        types.includes(t.type) &&
        t.status === 'completed' &&
        t.actualDate !== undefined &&
        t.actualDate > since &&
        t.actualDate <= asOf,
    ).length;

  const systems = new Set((learner.identifiers ?? []).map((i) => i.system));
  const identifiers = Object.fromEntries(
    COHORT_IDENTIFIERS.map((s) => [s, systems.has(s)]),
  ) as CohortRow['identifiers'];

  const grant = LOOKED_AFTER_GRANTS[j];
  let allocated = 0;
  let spent = 0;
  for (const p of records.plans ?? []) {
    // Drafts are not agreed, and a superseded plan's provision is carried by the plan that replaced it.
    if (!['active', 'under-review', 'completed'].includes(p.status) || p.period.start > asOf) continue;
    for (const item of (p as CohortPlan).provision ?? []) {
      if (item.fundingSource !== grant) continue;
      const start = item.period?.start ?? p.period.start;
      if (start < schoolYear.start || start > schoolYear.end) continue;
      allocated += item.amountPence;
      const end = item.period ? item.period.end : p.period.end;
      if (end !== undefined && end <= asOf) spent += item.amountPence;
    }
  }

  return {
    learnerId: learner.id,
    asOf,
    jurisdiction: j,
    careStatus: learner.careStatus.status,
    yearGroup,
    yearGroupFrom: enrolled ? 'enrolment' : derived ? 'date-of-birth' : null,
    phase,
    school: school
      ? { scheme: school.scheme, code: school.code, ...(school.name ? { name: school.name } : {}) }
      : null,
    setting: learner.enrolment?.setting ?? null,
    schoolLocation,
    placementLocation,
    outOfAuthority: schoolLocation === 'out-of-authority' || placementLocation === 'out-of-authority',
    plan,
    rating: plan ? (plan.rating ?? UNRATED) : NO_PLAN,
    compliance: {
      outcome: compliance.outcome,
      overdue: compliance.deadlines.filter((d) => d.status === 'overdue').length,
    },
    attendance: {
      schoolYear,
      possibleSessions: possible,
      attendedSessions: attended,
      absenceSessions: absent,
      attendancePercent: possible ? oneDecimal(attended, possible) : null,
      absencePercent: possible ? oneDecimal(absent, possible) : null,
      band,
      persistentAbsence: possible > 0 && absent * 100 >= PERSISTENT_ABSENCE_PERCENT * possible,
    },
    exclusions: {
      term,
      suspensionsThisTerm: countOf('suspension', term.start),
      exclusionsThisTerm: countOf('exclusion', term.start),
      suspensionsThisYear: yearCount('suspension'),
      exclusionsThisYear: yearCount('exclusion'),
    },
    moves: {
      since,
      school: moved(DRIFT_MOVE_TYPES.school),
      placement: moved(DRIFT_MOVE_TYPES.placement),
    },
    identifiers,
    funding: { fundingSource: grant, allocatedPence: allocated, spentPence: spent },
  };
}

/** The key a row is grouped under, as text (`true`/`false` for `outOfAuthority`, `none` for no school or year group). */
export function cohortGroupKey(row: CohortRow, grouping: CohortGrouping): string {
  switch (grouping) {
    case 'phase':
      return row.phase;
    case 'yearGroup':
      return row.yearGroup ?? 'none';
    case 'school':
      return row.school ? `${row.school.scheme}:${row.school.code}` : 'none';
    case 'rating':
      return row.rating;
    case 'attendanceBand':
      return row.attendance.band;
    case 'outOfAuthority':
      return String(row.outOfAuthority);
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const pad = (n: number) => String(n).padStart(2, '0');
