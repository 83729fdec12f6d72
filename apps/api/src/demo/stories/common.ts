/** What the stories of both nations share: helpers, and the phrases and people either may use. */
import type { MeetingInput, TransitionInput } from '@celr/schema';
import { addDays, at, DEMO_AS_OF, dayBetween, daysBetween, maxDate, minDate, TERMS } from '../dates.js';
import type { Prng } from '../random.js';

export type Data = Record<string, unknown>;
export type Jurisdiction = 'england' | 'scotland';

/** A transition as the demo writes it: completed unless `fields` say otherwise. */
export function transitionOf(
  jurisdiction: Jurisdiction,
  type: string,
  fields: Data,
): Omit<TransitionInput, 'learnerId'> {
  return compact({ jurisdiction, type, status: 'completed', ...fields }) as Omit<
    TransitionInput,
    'learnerId'
  >;
}

/** A meeting about the child's plan (England's PEP meeting, Scotland's child's plan meeting). */
export function planMeeting(
  rng: Prng,
  meeting: {
    /** The nation's example meeting, without its learnerId. */
    base: Data;
    status: 'held' | 'postponed';
    date: string;
    times: readonly string[];
    /** Minutes, or lengths to pick from. */
    duration: number | readonly number[];
    modes: readonly string[];
    /** Who is invited; drawn after the mode. */
    attendees: (held: boolean) => Data[];
    participation: readonly string[];
    /** A summary, or summaries to pick from. */
    summary: string | readonly string[];
    /** Who owns the action agreed, and in how many days it is due; when the next meeting is due if not held. */
    actionOwner: string;
    actionDays: number;
    nextMeetingDays: number;
  },
): Omit<MeetingInput, 'learnerId' | 'planId'> {
  const { date, duration, summary } = meeting;
  const held = meeting.status === 'held';
  return compact({
    ...meeting.base,
    status: meeting.status,
    scheduledFor: at(date, rng.pick(meeting.times)),
    durationMinutes: held ? (typeof duration === 'number' ? duration : rng.pick(duration)) : undefined,
    mode: rng.pick(meeting.modes),
    attendees: meeting.attendees(held),
    childParticipation: held ? { how: rng.pick(meeting.participation) } : undefined,
    summary: held ? (typeof summary === 'string' ? summary : rng.pick(summary)) : undefined,
    decisions: held ? [rng.pick(DECISIONS)] : undefined,
    actions: held
      ? [
          {
            description: rng.pick(ACTIONS),
            ownerRole: meeting.actionOwner,
            dueDate: minDate(addDays(date, meeting.actionDays), DEMO_AS_OF),
            status: 'open',
          },
        ]
      : undefined,
    nextMeetingDue: held ? undefined : minDate(addDays(date, meeting.nextMeetingDays), DEMO_AS_OF),
  }) as Omit<MeetingInput, 'learnerId' | 'planId'>;
}

export function transitionMeeting(
  rng: Prng,
  jurisdiction: 'england' | 'scotland',
  lead: string,
  caseworker: string,
) {
  const date = dayBetween(rng, '2026-05-04', '2026-07-03', true);
  const held = rng.chance(0.75);
  return compact({
    jurisdiction,
    type: 'transition-planning-meeting',
    status: held ? 'held' : 'cancelled',
    scheduledFor: at(date, '15:30'),
    mode: 'video',
    attendees: [
      {
        role: jurisdiction === 'england' ? 'designated-teacher' : 'designated-manager',
        name: lead,
        attendance: held ? 'attended' : 'invited',
      },
      { role: 'virtual-school-caseworker', name: caseworker, attendance: held ? 'attended' : 'invited' },
    ],
    summary: held ? 'Planning for September: visits, a key adult, and passing on the plan.' : undefined,
    actions: held
      ? [
          {
            description: 'Book two transition visits before the summer holidays.',
            ownerRole: 'virtual-school-caseworker',
            dueDate: minDate(addDays(date, 14), DEMO_AS_OF),
            status: 'done',
          },
        ]
      : undefined,
  }) as MeetingInput;
}

/** Attendance for each term since the child started at the school (part of a term when they joined mid-term). */
export function attendanceOf(
  rng: Prng,
  jurisdiction: 'england' | 'scotland',
  startDate: string,
  source: string,
) {
  const rate = rng.weighted([
    [0.97, 4],
    [0.93, 4],
    [0.88, 2],
    [0.78, 1],
  ] as const);
  return TERMS[jurisdiction]
    .filter((term) => term.end >= startDate)
    .map((term) => {
      const fraction =
        term.start >= startDate ? 1 : daysBetween(startDate, term.end) / daysBetween(term.start, term.end);
      const possible = Math.max(2, Math.round((term.sessions * fraction) / 2) * 2);
      const attended = Math.min(
        possible,
        Math.round(possible * Math.min(1, rate + (rng.next() - 0.5) * 0.06)),
      );
      const absent = possible - attended;
      const unauthorised = Math.round(absent * rng.next() * 0.6);
      return {
        period: { start: maxDate(term.start, startDate), end: term.end },
        possibleSessions: possible,
        attendedSessions: attended,
        authorisedAbsenceSessions: absent - unauthorised,
        unauthorisedAbsenceSessions: unauthorised,
        source,
      };
    });
}

export function target(
  rng: Prng,
  area: string,
  description: string,
  measure: string,
  targetDate: string,
  progress: string,
) {
  return compact({
    area,
    description,
    measure,
    baseline: rng.chance(0.7)
      ? rng.pick(['Working towards', 'Below age-related expectations', '78% of sessions', 'Not yet secure'])
      : undefined,
    targetDate,
    progress,
  });
}

export const CARER_GIVEN = [
  'Janet',
  'Colin',
  'Sandra',
  'Mike',
  'Fatima',
  'Gary',
  'Lorraine',
  'Dev',
  'Ann',
  'Steve',
  'Moira',
  'Alasdair',
] as const;
export const CARER_FAMILY = [
  'Reeve',
  'Akhtar',
  'Walsh',
  'Harding',
  'Coulson',
  'Nash',
  'Lennox',
  'Baird',
  'Ogilvie',
  'Carr',
] as const;

/** The lead (designated teacher or manager) and SENCO of each school the records name, by its code. */
export const SCHOOL_STAFF: Record<string, { lead: string; senco: string }> = {
  '990001': { lead: 'Tom Whitcombe', senco: 'Amina Yusuf' },
  '990002': { lead: 'Nadia Rahman', senco: 'Joanne Platt' },
  '990003': { lead: 'Gareth Lloyd', senco: 'Kerry Bishop' },
  '990012': { lead: 'Sue Abbott', senco: 'Ravi Sood' },
  '5999011': { lead: 'Euan Fraser', senco: '' },
  '5999012': { lead: 'Lorna Bain', senco: '' },
  '5999021': { lead: 'Kirsteen Lamont', senco: '' },
  '5999032': { lead: 'Donald Macrae', senco: '' },
};

export const email = (name: string, domain: string) =>
  `${name
    .toLowerCase()
    .replace(/^dr /, '')
    .replace(/[^a-z ]/g, '')
    .trim()
    .replace(/ +/g, '.')}@${domain}`;

export const NEEDS = [
  'Speech, language and communication needs',
  'Social, emotional and mental health',
  'Specific learning difficulty',
  'Moderate learning difficulty',
  'Autistic spectrum disorder',
];
export const CHILD_VIEWS = [
  'I like science club. Maths is hard when it is noisy.',
  'I want to be a vet. I like it when my carer helps with reading.',
  'School is OK. I do not like changing teachers.',
  'I want to stay at this school.',
  'Football at lunch is the best bit. I need help with spellings.',
  'I get worried in big assemblies.',
  'I want to go to college and do mechanics.',
];
export const CARER_VIEWS = [
  'Homework is calmer since the quiet space.',
  'Reading at home every night now; bedtime is easier.',
  'Mornings are still hard; the breakfast club helps.',
];
export const ACTIONS = [
  'Arrange a quiet space for homework at school.',
  'Set up a daily check-in with a key adult.',
  'Book tuition for the next term.',
  'Share the one-page profile with all subject teachers.',
];
export const MEETING_SUMMARIES = [
  'Good progress in reading; tuition to continue.',
  'Settled well after the move; attendance improving.',
  'Attendance has dipped; agreed a plan with the carer.',
  'Targets mostly met; new targets set for next term.',
];
export const DECISIONS = [
  'Continue tuition into next term.',
  'Refer to the educational psychologist.',
  'Keep the part-time timetable under weekly review.',
  'Use PP+ for a mentor for the rest of the year.',
];

/** The value without `undefined` members, as JSON would store it. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => compact(v)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, compact(v)]),
    ) as T;
  }
  return value;
}
