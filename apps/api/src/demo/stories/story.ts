/**
 * One learner's story, the same for both nations: born into a school year, in care (or having been),
 * at a school (or moved during the year), with the transitions of the last year, needs, contacts,
 * attendance, attainment and views, then the plans and meetings. What differs between England and
 * Scotland (vocabularies, weights, dates, phrases, the plans and meetings themselves) is a `Nation`
 * (stories/england.ts, stories/scotland.ts); the order in which the story draws from the PRNG is
 * fixed here, so the data stays the same on every run.
 */
import type { LearnerInput, MeetingInput, PlanInput, TransitionInput } from '@celr/schema';
import { addDays, addYears, ageOn, DEMO_AS_OF, dayBetween, maxDate, TERMS, type Term } from '../dates.js';
import type { SchoolRef } from '../organisations.js';
import type { Prng } from '../random.js';
import {
  attendanceOf,
  CHILD_VIEWS,
  compact,
  type Data,
  email,
  type Jurisdiction,
  SCHOOL_STAFF,
  transitionOf,
} from './common.js';

export interface DemoLearner {
  authority: 'northbridge' | 'glenmoray';
  learner: LearnerInput;
  /** Plans without `learnerId` (set when written). */
  plans: Omit<PlanInput, 'learnerId'>[];
  /** Meetings without `learnerId`; `planIndex` points into `plans` and becomes `planId`. */
  meetings: { planIndex?: number; meeting: Omit<MeetingInput, 'learnerId' | 'planId'> }[];
  /** Transitions without `learnerId`. */
  transitions: Omit<TransitionInput, 'learnerId'>[];
}

type Weights<T> = readonly (readonly [T, number])[];
type Window = readonly [from: string, to: string];
interface AuthorityRef {
  scheme: string;
  code: string;
  name: string;
}

/** What the plans and meetings of a story build on. */
export interface Child {
  /** 0-12: England's Reception to Year 12, Scotland's ELC to S5. */
  stage: number;
  secondary: boolean;
  dateOfBirth: string;
  ageAtEnd: number;
  status: string;
  careStatus: Data;
  /** The nation's additional-needs code (England's SEN status, Scotland's ASN status). */
  need: string;
  enrolledAt: SchoolRef;
  /** The school's designated teacher (England) or designated manager (Scotland), and its SENCO. */
  lead: string;
  senco: string;
  caseworker: string;
  socialWorker: string | undefined;
}

/** A nation's vocabularies, weights, dates and phrases: what its learners' stories are made of. */
export interface Nation {
  jurisdiction: Jurisdiction;
  /** The demo authority that owns the nation's learners. */
  authority: DemoLearner['authority'];
  learners: number;
  names: { given: readonly string[]; family: readonly string[] };
  /** Preferred names, for the given names that have one (chosen for half of those learners). */
  preferredNames?: Record<string, string>;
  exampleLearner: LearnerInput;
  responsibleAuthority: AuthorityRef;
  /** The authority a child placed elsewhere lives in (England: placed out of authority). */
  hostAuthority?: AuthorityRef;
  /** Whether transitions name the authority at each end with the school. */
  transitionsNameAuthorities: boolean;

  yearGroup(stage: number): string;
  /** Stage 0's children are born from `${firstYear}-${from}` to `${firstYear + 1}-${to}`, a year earlier each stage. */
  born: { firstYear: number; from: string; to: string };
  /** The first stage of primary school and of secondary school. */
  primaryFrom: number;
  secondaryFrom: number;
  /** The first day at school (month-day) in the year a phase starts, and in the years after it. */
  startDays: readonly [first: string, later: string];

  care: {
    /** The status of a child no longer looked after (England: previously looked after). */
    previously: string;
    /** No care status starts before this day. */
    since: string;
    /** Legal statuses, each with the placements it goes with, weighted. */
    legalStatuses(stage: number, secondary: boolean): Weights<readonly [string, readonly string[]]>;
    /** The placement that has no placement start date of its own. */
    atHome?: string;
  };
  /** How often a child's school is the other one of its phase (England: placed out of authority). */
  elsewhereChance: number;
  school(secondary: boolean, elsewhere: boolean): SchoolRef;

  phaseToSecondary: {
    /** From the first school six times in ten, else from the second. */
    fromSchools: readonly [SchoolRef, SchoolRef];
    reason: string;
    newPlaceConfirmedOn: string;
    supportActions: readonly Data[];
  };
  earlyYears: { reason: string; newPlaceConfirmedOn?: string };
  inYearMove: {
    window: Window;
    /** Days without a school place, picked from. */
    gaps: readonly number[];
    /** The new place is confirmed at least this many days before the start. */
    minNotice: number;
    from(secondary: boolean, enrolledAt: SchoolRef): SchoolRef;
    reason(elsewhere: boolean): string;
    supportActions?(startDate: string, days: number): Data[];
  };
  placementMove: {
    /** Only a placement that started after this day was a move. */
    after: string;
    chance: number;
    previous: readonly string[];
    noticeDays: number;
    reason: string;
    reasonCodes?: readonly string[];
  };
  post16: {
    stages: readonly number[];
    chance?: number;
    reason: string;
    newPlaceConfirmedOn: string;
    supportActions?: readonly Data[];
  };
  /** A placement move proposed and cancelled, for looked-after children without a transition. */
  cancelledPlacementMove?: { window: Window; reason: string };

  settings: { primary: Weights<string>; secondary: Weights<string> };
  partTimeHours: readonly number[];
  needs: Weights<string>;
  additionalNeeds(rng: Prng, need: string): Data | undefined;

  staff: {
    socialWorkers: readonly string[];
    caseworkers: readonly string[];
    emailDomain: string;
    /** When given, four children in ten have a lead professional. */
    leadProfessionals?: readonly string[];
  };
  schoolLeadRole: 'designated-teacher' | 'designated-manager';
  caseworkerPhone: boolean;
  carer(rng: Prng, status: string, placementType: string | undefined): Data | undefined;
  identifiers(rng: Prng, index: number, stage: number): Data[];

  attendance: { fromStage: number; source: string };
  exclusion: {
    chance: number;
    type: string;
    window: Window;
    maxSessions: number;
    /** One reason, or reasons to pick from. */
    reasons: string | readonly string[];
  };
  attainment(rng: Prng, stage: number, dateOfBirth: string): Data[] | undefined;
  views: { chance: number; window: Window; how: readonly string[] };

  plansAndMeetings(rng: Prng, child: Child): Pick<DemoLearner, 'plans' | 'meetings'>;
}

export function story(
  rng: Prng,
  nation: Nation,
  index: number,
  name: { given: string; family: string },
  stage: number,
): DemoLearner {
  const { jurisdiction, care, born } = nation;
  const [autumn, , summer] = TERMS[jurisdiction] as [Term, Term, Term];
  const dateOfBirth = dayBetween(
    rng,
    `${born.firstYear - stage}-${born.from}`,
    `${born.firstYear - stage + 1}-${born.to}`,
  );
  const yearGroup = nation.yearGroup(stage);
  const secondary = stage >= nation.secondaryFrom;
  const ageAtEnd = ageOn(dateOfBirth, DEMO_AS_OF);

  // Care status: most are looked after; some were; some 16-17s are care leavers.
  const status =
    ageAtEnd >= 16 && rng.chance(0.4) ? 'care-leaver' : rng.chance(0.15) ? care.previously : 'looked-after';
  const sinceFloor = maxDate(addDays(dateOfBirth, 30), care.since);
  const careStatus: Data = { status };
  let placementType: string | undefined;
  if (status === 'looked-after') {
    const combo = rng.weighted(care.legalStatuses(stage, secondary));
    placementType = rng.pick(combo[1]);
    const since = dayBetween(rng, sinceFloor, addDays(DEMO_AS_OF, -200));
    Object.assign(careStatus, {
      legalStatus: combo[0],
      placementType,
      since,
      ...(placementType === care.atHome
        ? {}
        : { placementStart: dayBetween(rng, since, addDays(DEMO_AS_OF, -60)) }),
    });
  } else if (status === 'care-leaver') {
    careStatus.since = dayBetween(rng, addYears(dateOfBirth, 16), addDays(DEMO_AS_OF, -30));
  } else {
    careStatus.since = dayBetween(rng, sinceFloor, addDays(DEMO_AS_OF, -120));
  }

  // School: the nation's school for the phase, or the other one (England: in the host authority).
  const elsewhere = rng.chance(nation.elsewhereChance);
  const enrolledAt = nation.school(secondary, elsewhere);
  const yearsIn = Math.max(stage - (secondary ? nation.secondaryFrom : nation.primaryFrom), 0);
  let startDate = `${2025 - yearsIn}-${nation.startDays[yearsIn === 0 ? 0 : 1]}`;

  // The story of the last year: a phase transfer, an in-year move, or a placement move.
  const transitions: DemoLearner['transitions'] = [];
  const responsible = nation.responsibleAuthority;
  const host = elsewhere && nation.hostAuthority ? nation.hostAuthority : responsible;
  const end = (school: SchoolRef, authority: AuthorityRef) =>
    nation.transitionsNameAuthorities ? { school, authority } : { school };
  if (stage === nation.secondaryFrom) {
    const phase = nation.phaseToSecondary;
    transitions.push(
      transitionOf(jurisdiction, 'phase-transfer-primary-secondary', {
        from: end(rng.chance(0.6) ? phase.fromSchools[0] : phase.fromSchools[1], responsible),
        to: end(enrolledAt, host),
        plannedDate: autumn.start,
        actualDate: autumn.start,
        reason: phase.reason,
        continuity: {
          daysWithoutSchoolPlace: 0,
          newPlaceConfirmedOn: phase.newPlaceConfirmedOn,
          planPassedOn: true,
          recordsPassedOn: true,
        },
        supportActions: phase.supportActions,
      }),
    );
  } else if (stage === nation.primaryFrom) {
    transitions.push(
      transitionOf(jurisdiction, 'phase-transfer-early-years-primary', {
        to: { school: enrolledAt },
        plannedDate: autumn.start,
        actualDate: autumn.start,
        reason: nation.earlyYears.reason,
        continuity: {
          daysWithoutSchoolPlace: 0,
          newPlaceConfirmedOn: nation.earlyYears.newPlaceConfirmedOn,
          planPassedOn: true,
          recordsPassedOn: true,
        },
      }),
    );
  } else if (stage > nation.primaryFrom && rng.chance(0.25)) {
    const move = nation.inYearMove;
    startDate = dayBetween(rng, move.window[0], move.window[1], true);
    const days = rng.pick(move.gaps);
    transitions.push(
      transitionOf(jurisdiction, 'in-year-school-move', {
        from: end(move.from(secondary, enrolledAt), responsible),
        to: end(enrolledAt, host),
        plannedDate: addDays(startDate, -days),
        actualDate: startDate,
        reason: move.reason(elsewhere),
        continuity: {
          daysWithoutSchoolPlace: days,
          newPlaceConfirmedOn: addDays(startDate, -Math.max(days, move.minNotice)),
          planPassedOn: days < 10,
          recordsPassedOn: true,
        },
        supportActions: move.supportActions?.(startDate, days),
      }),
    );
  }
  const placementMove = nation.placementMove;
  if (
    placementType &&
    careStatus.placementStart &&
    String(careStatus.placementStart) > placementMove.after &&
    transitions.length < 2 &&
    rng.chance(placementMove.chance)
  ) {
    const move = String(careStatus.placementStart);
    const previous = rng.pick(placementMove.previous.filter((p) => p !== placementType));
    transitions.push(
      transitionOf(jurisdiction, 'placement-move', {
        from: { placementType: previous },
        to: { placementType },
        plannedDate: addDays(move, -rng.int(0, placementMove.noticeDays)),
        actualDate: move,
        reason: placementMove.reason,
        reasonCode: placementMove.reasonCodes ? rng.pick(placementMove.reasonCodes) : undefined,
        continuity: { daysWithoutSchoolPlace: 0, planPassedOn: true, recordsPassedOn: true },
      }),
    );
  }
  const post16 = nation.post16;
  const cancelled = nation.cancelledPlacementMove;
  if (
    transitions.length < 2 &&
    post16.stages.includes(stage) &&
    (post16.chance === undefined || rng.chance(post16.chance))
  ) {
    transitions.push(
      transitionOf(jurisdiction, 'phase-transfer-secondary-post16', {
        from: { school: enrolledAt },
        plannedDate: summer.end,
        reason: post16.reason,
        status: 'in-progress',
        continuity: {
          newPlaceConfirmedOn: post16.newPlaceConfirmedOn,
          planPassedOn: false,
          recordsPassedOn: false,
        },
        supportActions: post16.supportActions,
      }),
    );
  } else if (cancelled && transitions.length === 0 && status === 'looked-after' && rng.chance(0.3)) {
    transitions.push(
      transitionOf(jurisdiction, 'placement-move', {
        from: { placementType },
        plannedDate: dayBetween(rng, cancelled.window[0], cancelled.window[1], true),
        reason: cancelled.reason,
        status: 'cancelled',
      }),
    );
  }

  const setting = rng.weighted(secondary ? nation.settings.secondary : nation.settings.primary);
  const need = rng.weighted(nation.needs);

  // Contacts: the social worker (not once the child has left care), the school's lead, the virtual
  // school caseworker, the carer, and in Scotland sometimes a lead professional.
  const { lead, senco } = SCHOOL_STAFF[enrolledAt.code]!;
  const socialWorker = status === care.previously ? undefined : rng.pick(nation.staff.socialWorkers);
  const caseworker = rng.pick(nation.staff.caseworkers);
  const phone = nation.caseworkerPhone ? `01632 960${rng.int(100, 999)}` : undefined;
  const carer = nation.carer(rng, status, placementType);
  const leadProfessionals = nation.staff.leadProfessionals;
  const leadProfessional =
    leadProfessionals && rng.chance(0.4)
      ? { role: 'lead-professional', name: rng.pick(leadProfessionals) }
      : undefined;
  const contacts = [
    socialWorker
      ? { role: 'social-worker', name: socialWorker, email: email(socialWorker, nation.staff.emailDomain) }
      : undefined,
    { role: nation.schoolLeadRole, name: lead, organisation: enrolledAt },
    { role: 'virtual-school-caseworker', name: caseworker, phone },
    carer,
    leadProfessional,
  ].filter((c) => c !== undefined);

  const { exclusion, views } = nation;
  const learner = compact({
    ...nation.exampleLearner,
    name: {
      ...name,
      preferred: nation.preferredNames && rng.chance(0.5) ? nation.preferredNames[name.given] : undefined,
    },
    dateOfBirth,
    identifiers: nation.identifiers(rng, index, stage),
    careStatus,
    responsibleAuthority: responsible,
    hostAuthority: elsewhere ? nation.hostAuthority : undefined,
    enrolment: {
      school: enrolledAt,
      startDate,
      yearGroup,
      setting,
      hoursPerWeek: setting === 'full-time' ? undefined : rng.pick(nation.partTimeHours),
    },
    additionalNeeds: nation.additionalNeeds(rng, need),
    attendance:
      stage >= nation.attendance.fromStage
        ? attendanceOf(rng, jurisdiction, startDate, nation.attendance.source)
        : undefined,
    exclusions:
      secondary && rng.chance(exclusion.chance)
        ? [
            {
              type: exclusion.type,
              startDate: maxDate(
                dayBetween(rng, exclusion.window[0], exclusion.window[1], true),
                dateOfBirth,
              ),
              sessions: rng.int(1, exclusion.maxSessions),
              reason: typeof exclusion.reasons === 'string' ? exclusion.reasons : rng.pick(exclusion.reasons),
            },
          ]
        : undefined,
    attainment: nation.attainment(rng, stage, dateOfBirth),
    contacts,
    views: rng.chance(views.chance)
      ? [
          {
            recordedOn: dayBetween(rng, views.window[0], views.window[1], true),
            text: rng.pick(CHILD_VIEWS),
            how: rng.pick(views.how),
          },
        ]
      : undefined,
  }) as LearnerInput;

  const { plans, meetings } = nation.plansAndMeetings(rng, {
    stage,
    secondary,
    dateOfBirth,
    ageAtEnd,
    status,
    careStatus,
    need,
    enrolledAt,
    lead,
    senco,
    caseworker,
    socialWorker,
  });
  return { authority: nation.authority, learner, plans, meetings, transitions };
}
