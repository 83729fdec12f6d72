/** England's plans and meetings: this term's PEP and its meeting, last term's, an EHC or pathway plan, reviews. */
import { englandMeeting, englandPlan, type MeetingInput, type PlanInput } from '@celr/schema';
import { addDays, addYears, at, DEMO_AS_OF, dayBetween, minDate, TERMS, type Term } from '../dates.js';
import type { Prng } from '../random.js';
import {
  ACTIONS,
  CARER_VIEWS,
  CHILD_VIEWS,
  compact,
  MEETING_SUMMARIES,
  planMeeting,
  target,
  transitionMeeting,
} from './common.js';
import type { Child, DemoLearner } from './story.js';

/** Northbridge's independent reviewing officers, who chair looked-after reviews. */
const INDEPENDENT_REVIEWING_OFFICERS = ['Alan Pryce', 'Fiona Grey'] as const;

export function plansAndMeetings(rng: Prng, child: Child): Pick<DemoLearner, 'plans' | 'meetings'> {
  const { stage: year, need: sen, status, careStatus, dateOfBirth, caseworker, socialWorker } = child;
  const staff = { lead: child.lead, senco: child.senco };
  const [, spring, summer] = TERMS.england as [Term, Term, Term];

  // Plans: this term's PEP; often last term's too (completed), or an EHC plan or a pathway plan.
  const plans: Omit<PlanInput, 'learnerId'>[] = [];
  const current = rng.weighted([
    ['active', 6],
    ['under-review', 2],
    ['draft', 2],
  ] as const);
  plans.push(englandPep(rng, summer, current, caseworker, staff.lead, socialWorker, year, sen === 'E'));
  const meetings: DemoLearner['meetings'] = [];
  const second =
    sen === 'E' && rng.chance(0.6)
      ? 'ehc'
      : status === 'care-leaver'
        ? 'pathway'
        : rng.chance(0.5)
          ? 'previous'
          : undefined;
  if (second === 'previous') {
    plans.push(
      englandPep(
        rng,
        spring,
        rng.weighted([
          ['completed', 3],
          ['superseded', 1],
        ] as const),
        caseworker,
        staff.lead,
        socialWorker,
        year,
        sen === 'E',
      ),
    );
  } else if (second === 'ehc') {
    plans.push(
      compact({
        jurisdiction: 'england',
        type: 'ehc-plan',
        status: 'active',
        period: { start: dayBetween(rng, addYears(dateOfBirth, 4), '2025-06-30') },
        reviewDue: dayBetween(rng, '2026-02-02', '2026-07-03', true),
        targets: [
          target(
            rng,
            'Communication',
            'Use a communication book to ask for help in lessons.',
            'SENCO observation',
            '2026-07-17',
            'on-track',
          ),
        ],
        provision: [
          {
            description: 'Speech and language therapy, fortnightly',
            ownerRole: 'senco',
            fundingSource: 'other',
            amountPence: 180_000,
          },
        ],
        contributors: [
          { role: 'senco', name: staff.senco || staff.lead },
          { role: 'virtual-school-caseworker', name: caseworker },
        ],
      }) as PlanInput,
    );
  } else if (second === 'pathway') {
    plans.push(
      compact({
        jurisdiction: 'england',
        type: 'pathway-plan',
        status: 'active',
        period: { start: String(careStatus.since) },
        reviewDue: minDate(addDays(String(careStatus.since), 180), DEMO_AS_OF),
        targets: [
          target(
            rng,
            'Education and training',
            'Keep a college or sixth-form place with 90% attendance.',
            'Attendance from the college',
            '2026-07-17',
            rng.pick(['on-track', 'off-track'] as const),
          ),
        ],
        views: { child: 'I want my own flat near my college.' },
        contributors: [{ role: 'social-worker', name: socialWorker ?? 'Leaving care team' }],
      }) as PlanInput,
    );
  }

  // Meetings: this term's PEP meeting; then a looked-after review, and last term's PEP meeting.
  const pepHeld = rng.chance(0.85);
  meetings.push({
    planIndex: 0,
    meeting: englandPepMeeting(
      rng,
      summer,
      pepHeld ? 'held' : 'postponed',
      caseworker,
      staff.lead,
      socialWorker,
    ),
  });
  const extra = rng.int(0, 2);
  if (extra >= 1) {
    if (status === 'looked-after') {
      const iro = rng.pick(INDEPENDENT_REVIEWING_OFFICERS);
      const date = dayBetween(rng, '2026-01-12', '2026-06-26', true);
      const held = rng.chance(0.85);
      meetings.push({
        meeting: compact({
          jurisdiction: 'england',
          type: 'looked-after-review',
          status: held ? 'held' : 'cancelled',
          scheduledFor: at(date, rng.pick(['10:00', '13:30', '16:00'])),
          durationMinutes: held ? 90 : undefined,
          mode: rng.pick(['in-person', 'hybrid', 'video'] as const),
          attendees: [
            { role: 'independent-reviewing-officer', name: iro, attendance: 'attended' },
            { role: 'social-worker', name: socialWorker, attendance: 'attended' },
            { role: 'carer', attendance: held ? 'attended' : 'apologies' },
            {
              role: 'designated-teacher',
              name: staff.lead,
              attendance: rng.pick(['attended', 'apologies'] as const),
            },
          ],
          childParticipation: held
            ? { how: rng.pick(['attended', 'views-shared-in-advance', 'through-advocate'] as const) }
            : undefined,
          summary: held ? 'Care plan reviewed; education section updated from the PEP.' : undefined,
          decisions: held
            ? ['The placement continues.', 'The PEP targets stand until the summer review.']
            : undefined,
        }) as MeetingInput,
      });
    } else {
      meetings.push({ meeting: transitionMeeting(rng, 'england', staff.lead, caseworker) });
    }
  }
  if (extra >= 2 && plans.length > 1 && second === 'previous') {
    meetings.push({
      planIndex: 1,
      meeting: englandPepMeeting(rng, spring, 'held', caseworker, staff.lead, socialWorker),
    });
  }

  const initial = initialPep(child);
  if (initial) plans.push(initial);

  return { plans, meetings };
}

/**
 * The first PEP of a child who came into care in the years the bank-holiday calendars cover, so
 * that the PEP compliance report has initial deadlines to judge: most started within the 10 working
 * days, some a week or two late, and some children have none (their first PEP is the current one).
 * Decided by a hash of the child's dates, not by the PRNG, so that adding it changes nothing else of
 * the demo's data.
 */
function initialPep(child: Child): Omit<PlanInput, 'learnerId'> | undefined {
  const since = child.careStatus.since;
  if (child.status !== 'looked-after' || typeof since !== 'string' || since < '2024-01-01') return undefined;
  const share = stableShare(`${child.dateOfBirth}|${since}`);
  if (share >= 0.85) return undefined;
  // Calendar days: up to 9 is within 10 working days; 16 to 25 misses them but meets the 20.
  const start = addDays(
    since,
    share < 0.6 ? 2 + Math.floor(share * 12) : 16 + Math.floor((share - 0.6) * 40),
  );
  return {
    jurisdiction: 'england',
    type: 'pep',
    status: 'completed',
    period: { start, end: addDays(start, 69) },
    reviewDue: addDays(start, 55),
    contributors: [
      { role: 'virtual-school-caseworker', name: child.caseworker },
      { role: 'designated-teacher', name: child.lead },
    ],
    qualityAssurance: {
      rating: share < 0.7 ? 'green' : 'amber',
      reviewer: { name: child.caseworker, role: 'virtual-school-caseworker' },
      reviewedOn: addDays(start, 10),
    },
  } as Omit<PlanInput, 'learnerId'>;
}

/** A number in [0, 1) from a string (FNV-1a): the same string always gives the same share. */
function stableShare(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hash / 2 ** 32;
}

function englandPep(
  rng: Prng,
  term: Term,
  status: 'draft' | 'active' | 'under-review' | 'completed' | 'superseded',
  caseworker: string,
  lead: string,
  socialWorker: string | undefined,
  year: number,
  ehc: boolean,
): Omit<PlanInput, 'learnerId'> {
  const { learnerId: _l, ...base } = englandPlan;
  const draft = status === 'draft';
  const done = status === 'completed' || status === 'superseded';
  const reviewedOn = dayBetween(rng, addDays(term.start, 14), addDays(term.start, 35), true);
  const rating = rng.weighted([
    ['green', 5],
    ['amber', 3],
    ['red', 1],
  ] as const);
  const targets = rng.shuffle(targetsFor(year)).slice(0, rng.int(1, 3));
  return compact({
    ...base,
    status,
    period: { start: term.start, end: term.end },
    reviewDue: addDays(term.end, -14),
    targets: targets.map(([area, description, measure]) =>
      target(
        rng,
        area,
        description,
        measure,
        addDays(term.end, -5),
        done
          ? rng.pick(['achieved', 'achieved', 'not-achieved'] as const)
          : draft
            ? 'not-started'
            : rng.pick(['on-track', 'on-track', 'off-track'] as const),
      ),
    ),
    actions: draft
      ? undefined
      : [
          {
            description: rng.pick(ACTIONS),
            ownerRole: 'designated-teacher',
            ownerName: lead,
            dueDate: addDays(term.start, 28),
            status: done ? 'done' : rng.pick(['done', 'open'] as const),
          },
        ],
    provision: rng
      .shuffle(PROVISION)
      .slice(0, rng.int(draft ? 0 : 1, 2))
      .map(([description, amountPence]) => ({
        description,
        ownerRole: 'designated-teacher',
        fundingSource: 'pupil-premium-plus',
        amountPence,
        period: { start: term.start, end: term.end },
      })),
    views: draft
      ? undefined
      : { child: rng.pick(CHILD_VIEWS), carers: rng.chance(0.6) ? rng.pick(CARER_VIEWS) : undefined },
    qualityAssurance: draft
      ? undefined
      : {
          rating,
          reviewer: { name: caseworker, role: 'virtual-school-caseworker' },
          reviewedOn,
          comments:
            rating === 'green'
              ? 'SMART targets; PP+ spend linked to them.'
              : rating === 'amber'
                ? 'Targets need a clearer measure.'
                : "Child's views missing; PP+ spend not linked to targets.",
        },
    contributors: [
      { role: 'designated-teacher', name: lead },
      ...(socialWorker ? [{ role: 'social-worker', name: socialWorker }] : []),
      ...(ehc ? [{ role: 'senco' }] : []),
    ],
    signOff:
      draft || status === 'under-review'
        ? undefined
        : { signedOffBy: { name: caseworker, role: 'virtual-school-caseworker' }, signedOffOn: reviewedOn },
  }) as Omit<PlanInput, 'learnerId'>;
}

function englandPepMeeting(
  rng: Prng,
  term: Term,
  status: 'held' | 'postponed',
  caseworker: string,
  lead: string,
  socialWorker: string | undefined,
): Omit<MeetingInput, 'learnerId' | 'planId'> {
  const { learnerId: _l, ...base } = englandMeeting;
  return planMeeting(rng, {
    base,
    status,
    date: dayBetween(rng, addDays(term.start, 7), addDays(term.end, -10), true),
    times: ['09:00', '11:00', '14:00', '15:30'],
    duration: [45, 60, 75],
    modes: ['in-person', 'in-person', 'video', 'hybrid'],
    attendees: (held) => [
      { role: 'designated-teacher', name: lead, attendance: held ? 'attended' : 'invited' },
      ...(socialWorker
        ? [
            {
              role: 'social-worker',
              name: socialWorker,
              attendance: held ? rng.pick(['attended', 'apologies'] as const) : 'invited',
            },
          ]
        : []),
      { role: 'carer', attendance: held ? 'attended' : 'invited' },
      {
        role: 'virtual-school-caseworker',
        name: caseworker,
        attendance: held ? rng.pick(['attended', 'apologies'] as const) : 'invited',
      },
    ],
    participation: ['attended', 'attended-part', 'views-shared-in-advance'],
    summary: MEETING_SUMMARIES,
    actionOwner: 'designated-teacher',
    actionDays: 21,
    nextMeetingDays: 14,
  });
}

function targetsFor(year: number): [string, string, string][] {
  const common: [string, string, string][] = [
    ['Attendance', 'Attend at least 95% of sessions this term.', 'Weekly attendance from the school MIS'],
    [
      'Wellbeing',
      'Use the agreed calm space instead of leaving lessons.',
      'Behaviour log and check-ins with a key adult',
    ],
  ];
  if (year === 0)
    return [
      ...common,
      ['Communication', 'Join in a small-group story session each day.', 'EYFS observations'],
    ];
  if (year <= 6) {
    return [
      ...common,
      [
        'Reading',
        'Read aloud daily to an adult and answer questions about the text.',
        'Reading record and termly teacher assessment',
      ],
      ['Mathematics', 'Recall multiplication facts to 10 x 10.', 'Weekly times-tables check'],
    ];
  }
  return [
    ...common,
    ['Mathematics', 'Use the four operations with fractions accurately.', 'Termly teacher assessment'],
    ['English', 'Plan and write an extended answer under timed conditions.', 'Mock examination grade'],
  ];
}

const PROVISION: [string, number][] = [
  ['One-to-one maths tuition, one hour a week', 60_000],
  ['Small-group reading intervention', 35_000],
  ['Emotional literacy support (ELSA) sessions', 40_000],
  ['Laptop for homework and revision', 45_000],
  ['Music lessons (drums), weekly', 28_000],
];
