/** Scotland's learners: Glenmoray's looked-after children, their child's plans, and the words Scotland uses. */
import {
  type MeetingInput,
  type PlanInput,
  scotlandLearner,
  scotlandMeeting,
  scotlandPlan,
} from '@celr/schema';
import { addYears, at, dayBetween, maxDate } from '../dates.js';
import { GLENMORAY, OTHER_SCHOOLS, school } from '../organisations.js';
import type { Prng } from '../random.js';
import {
  CARER_FAMILY,
  CARER_GIVEN,
  CHILD_VIEWS,
  compact,
  type Data,
  NEEDS,
  planMeeting,
  target,
  transitionMeeting,
} from './common.js';
import type { Child, DemoLearner, Nation } from './story.js';

const SCOTLAND_GIVEN = [
  'Isla',
  'Lewis',
  'Eilidh',
  'Ruairidh',
  'Skye',
  'Finlay',
  'Ava',
  'Archie',
  'Mhairi',
  'Orla',
  'Cameron',
  'Kirsty',
  'Hamish',
  'Niamh',
  'Rory',
  'Ailsa',
  'Jack',
  'Morven',
  'Struan',
  'Catriona',
  'Aidan',
  'Lucy',
] as const;
const SCOTLAND_FAMILY = [
  'Munro',
  'Ross',
  'Sutherland',
  'Mackay',
  'Grant',
  'Reid',
  'Paterson',
  'Duncan',
  'Kerr',
  'Murray',
  'Robertson',
  'Baillie',
  'Drummond',
  'McKenzie',
  'Ferguson',
  'Gillies',
  'Stewart',
  'Urquhart',
  'Lindsay',
  'Buchanan',
  'Innes',
  'Weir',
] as const;

/** Glenmoray's staff, by role: fictional, like everyone else here. */
const GLENMORAY_STAFF = {
  'social-worker': ['Morag Sinclair', 'Iain Buchanan', 'Shona Reid', 'Calum Mackie'],
  'virtual-school-caseworker': ['Alison Kerr', 'Neil Brodie'],
  'virtual-school-head': ['Catherine Moffat'],
  'lead-professional': ['Gillian Rae', 'Martin Shaw'],
} as const;

/** Stage in session 2025/26: 0 = ELC, 1-7 = P1-P7, 8-12 = S1-S5. */
const stageCode = (n: number) => (n === 0 ? 'ELC' : n <= 7 ? `P${n}` : `S${n - 7}`);

export const scotland: Nation = {
  jurisdiction: 'scotland',
  authority: 'glenmoray',
  learners: 20,
  names: { given: SCOTLAND_GIVEN, family: SCOTLAND_FAMILY },
  exampleLearner: scotlandLearner,
  responsibleAuthority: GLENMORAY,
  transitionsNameAuthorities: false,

  yearGroup: stageCode,
  // Children born between March of one year and February of the next start P1 together;
  // P1 in August 2025 is the cohort born March 2020 - February 2021.
  born: { firstYear: 2021, from: '03-01', to: '02-28' },
  primaryFrom: 1,
  secondaryFrom: 8,
  startDays: ['08-13', '08-14'],

  care: {
    previously: 'care-experienced',
    since: '2016-08-15',
    legalStatuses: (_stage, secondary) => [
      [
        [
          'compulsory-supervision-order',
          [
            'at-home-with-parents',
            'with-friends-relatives',
            'with-foster-carers-provided-by-la',
            'with-foster-carers-purchased-by-la',
          ],
        ],
        7,
      ],
      [['permanence-order', ['with-foster-carers-provided-by-la', 'with-friends-relatives']], 2],
      [
        [
          'section-25',
          secondary
            ? ['local-authority-home', 'with-foster-carers-provided-by-la']
            : ['with-foster-carers-provided-by-la'],
        ],
        2,
      ],
      [
        [
          'interim-compulsory-supervision-order',
          ['with-friends-relatives', 'with-foster-carers-provided-by-la'],
        ],
        1,
      ],
      [['compulsory-supervision-order', ['residential-school']], secondary ? 1 : 0],
    ],
    atHome: 'at-home-with-parents',
  },
  elsewhereChance: 0.3,
  school: (secondary, elsewhere) =>
    secondary
      ? elsewhere
        ? OTHER_SCHOOLS.glenmorayAcademy
        : school('glenmorayHigh')
      : elsewhere
        ? OTHER_SCHOOLS.kilbrannan
        : school('glenmorayPrimary'),

  phaseToSecondary: {
    fromSchools: [school('glenmorayPrimary'), OTHER_SCHOOLS.strathmoray],
    reason: 'Move to secondary school with the rest of P7.',
    newPlaceConfirmedOn: '2025-02-14',
    supportActions: [
      {
        description: 'Extra transition days in June with a trusted adult.',
        ownerRole: 'designated-manager',
        status: 'done',
        dueDate: '2025-06-13',
      },
    ],
  },
  earlyYears: { reason: 'Started P1.' },
  inYearMove: {
    window: ['2025-09-22', '2026-03-06'],
    gaps: [0, 0, 3, 6, 12],
    minNotice: 2,
    // From the other school of the phase.
    from: (secondary, enrolledAt) =>
      secondary
        ? enrolledAt.code === '5999011'
          ? OTHER_SCHOOLS.glenmorayAcademy
          : school('glenmorayHigh')
        : enrolledAt.code === '5999021'
          ? OTHER_SCHOOLS.strathmoray
          : school('glenmorayPrimary'),
    reason: () => 'New kinship placement across the council area.',
  },
  placementMove: {
    after: '2025-08-01',
    chance: 0.6,
    previous: ['with-foster-carers-provided-by-la', 'crisis-care', 'local-authority-home'],
    noticeDays: 14,
    reason: "Move to a longer-term placement agreed at the Children's Hearing.",
  },
  // S4 and S5.
  post16: {
    stages: [11, 12],
    chance: 0.6,
    reason: 'Leaving school for a college course in August.',
    newPlaceConfirmedOn: '2026-05-29',
  },

  settings: {
    primary: [
      ['full-time', 9],
      ['part-time', 1],
    ],
    secondary: [
      ['full-time', 12],
      ['part-time', 3],
      ['alternative-provision', 1],
    ],
  },
  partTimeHours: [10, 15, 18, 22],
  needs: [
    ['no-asn', 3],
    ['asn-no-plan', 3],
    ['asn-with-childs-plan', 2],
    ['asn-with-iep', 2],
    ['asn-with-csp', 1],
  ],
  additionalNeeds: (rng, asn) =>
    asn === 'no-asn' ? undefined : { status: asn, primaryNeed: rng.pick(NEEDS) },

  staff: {
    socialWorkers: GLENMORAY_STAFF['social-worker'],
    caseworkers: GLENMORAY_STAFF['virtual-school-caseworker'],
    emailDomain: 'glenmoray.example',
    leadProfessionals: GLENMORAY_STAFF['lead-professional'],
  },
  schoolLeadRole: 'designated-manager',
  caseworkerPhone: false,
  carer: (rng, _status, placementType) =>
    placementType &&
    placementType !== 'at-home-with-parents' &&
    placementType !== 'residential-school' &&
    placementType !== 'local-authority-home'
      ? {
          role: 'carer',
          name: `${rng.pick(CARER_GIVEN)} ${rng.pick(CARER_FAMILY)}${placementType === 'with-friends-relatives' ? ' (aunt)' : ''}`,
        }
      : undefined,
  identifiers: (rng, index, stage) => [
    ...(stage >= 1 ? [{ system: 'scn', value: String(210_000_000 + index * 104_729 + stage) }] : []),
    { system: `la-child-id:${GLENMORAY.code}`, value: `GM-${2201 + index * 3}` },
    ...(rng.chance(0.4) ? [{ system: 'epep:example-epep', value: `EP-${7000 + index}` }] : []),
  ],

  attendance: { fromStage: 1, source: 'SEEMiS' },
  exclusion: {
    chance: 0.2,
    type: 'temporary-exclusion',
    window: ['2025-09-01', '2026-06-12'],
    maxSessions: 4,
    reasons: 'Violence towards another pupil',
  },
  attainment: scotlandAttainment,
  views: {
    chance: 0.6,
    window: ['2026-03-02', '2026-06-19'],
    how: [
      "At the child's plan meeting",
      'With an advocate from Who Cares? Scotland',
      'Using a "My World" triangle',
    ],
  },

  plansAndMeetings,
};

function plansAndMeetings(rng: Prng, child: Child): Pick<DemoLearner, 'plans' | 'meetings'> {
  const { need: asn, secondary, status, careStatus, dateOfBirth, ageAtEnd, enrolledAt, lead } = child;
  const { caseworker, socialWorker } = child;

  const plans: Omit<PlanInput, 'learnerId'>[] = [];
  const meetings: DemoLearner['meetings'] = [];
  const planStatus = rng.weighted([
    ['active', 5],
    ['under-review', 3],
    ['draft', 1],
  ] as const);
  const { learnerId: _l, ...planBase } = scotlandPlan;
  // The child's plan runs from when the child came into care (or the start of last session), open-ended.
  const planStart = maxDate(String(careStatus.since), '2024-08-14');
  plans.push(
    compact({
      ...planBase,
      status: planStatus,
      period: { start: planStart },
      reviewDue: maxDate(planStart, dayBetween(rng, '2026-05-04', '2026-06-26', true)),
      targets: rng
        .shuffle(SCOTLAND_TARGETS)
        .slice(0, rng.int(1, 2))
        .map(([area, description, measure]) =>
          target(
            rng,
            area,
            description,
            measure,
            '2026-06-26',
            planStatus === 'draft' ? 'not-started' : rng.pick(['on-track', 'off-track', 'achieved'] as const),
          ),
        ),
      provision:
        planStatus === 'draft'
          ? undefined
          : [
              {
                description: rng.pick(SCOTLAND_PROVISION),
                fundingSource: 'care-experienced-children-and-young-people-fund',
                amountPence: rng.pick([25_000, 40_000, 60_000, 85_000]),
              },
            ],
      views: planStatus === 'draft' ? undefined : { child: rng.pick(CHILD_VIEWS) },
      contributors: [
        { role: 'designated-manager', name: lead, organisation: enrolledAt },
        ...(socialWorker ? [{ role: 'social-worker', name: socialWorker }] : []),
      ],
    }) as PlanInput,
  );
  if (asn === 'asn-with-csp' && secondary) {
    plans.push({
      jurisdiction: 'scotland',
      type: 'csp',
      status: 'under-review',
      period: { start: '2024-10-07' },
      reviewDue: '2026-06-05',
      targets: [
        target(
          rng,
          'Literacy',
          'Read and respond to a short text independently.',
          'Support for learning teacher assessment',
          '2026-06-05',
          'on-track',
        ),
      ],
    } as PlanInput);
  } else if (status === 'care-leaver' || (ageAtEnd >= 16 && rng.chance(0.5))) {
    plans.push(
      compact({
        jurisdiction: 'scotland',
        type: 'pathway-plan',
        status: rng.pick(['active', 'draft'] as const),
        period: { start: maxDate(addYears(dateOfBirth, 15), '2024-08-14') },
        targets: [
          target(
            rng,
            'Next steps',
            'Apply for a college course or a Modern Apprenticeship.',
            'Application submitted',
            '2026-03-27',
            rng.pick(['achieved', 'on-track'] as const),
          ),
        ],
        views: { child: 'I want to stay with my carers after I leave school.' },
      }) as PlanInput,
    );
  } else if (rng.chance(0.3)) {
    plans.push(
      compact({
        ...planBase,
        status: 'superseded',
        period: { start: '2024-08-14', end: '2025-06-27' },
        reviewDue: '2025-02-07',
        targets: [
          target(
            rng,
            'Wellbeing',
            'Name a trusted adult in school and check in daily.',
            'Check-in log',
            '2025-06-27',
            'achieved',
          ),
        ],
        provision: undefined,
        views: undefined,
      }) as PlanInput,
    );
  }

  const meetingCount = rng.int(1, 3);
  const planMeetingDate = dayBetween(rng, '2026-02-02', '2026-06-19', true);
  const { learnerId: _m, ...meetingBase } = scotlandMeeting;
  meetings.push({
    planIndex: 0,
    meeting: planMeeting(rng, {
      base: meetingBase,
      status: rng.chance(0.8) ? 'held' : 'postponed',
      date: planMeetingDate,
      times: ['09:30', '10:00', '13:00', '15:00'],
      duration: 60,
      modes: ['in-person', 'video', 'hybrid'],
      attendees: (held) => [
        { role: 'designated-manager', name: lead, attendance: held ? 'attended' : 'invited' },
        ...(socialWorker
          ? [{ role: 'social-worker', name: socialWorker, attendance: held ? 'attended' : 'invited' }]
          : []),
        { role: 'carer', attendance: held ? rng.pick(['attended', 'apologies'] as const) : 'invited' },
        { role: 'named-person', attendance: held ? 'attended' : 'invited' },
      ],
      participation: ['attended', 'through-advocate', 'views-shared-in-advance'],
      summary: "Child's plan reviewed using the wellbeing indicators (SHANARRI).",
      actionOwner: 'designated-manager',
      actionDays: 28,
      nextMeetingDays: 21,
    }),
  });
  if (meetingCount >= 2) {
    if (status === 'looked-after') {
      const date = dayBetween(rng, '2025-10-06', '2026-05-29', true);
      meetings.push({
        meeting: {
          jurisdiction: 'scotland',
          type: 'looked-after-review-scotland',
          status: 'held',
          scheduledFor: at(date, '10:00'),
          durationMinutes: 90,
          mode: 'in-person',
          attendees: [
            ...(socialWorker
              ? [{ role: 'social-worker', name: socialWorker, attendance: 'attended' as const }]
              : []),
            { role: 'designated-manager', name: lead, attendance: 'attended' },
            { role: 'carer', attendance: 'attended' },
          ],
          childParticipation: { how: 'attended' },
          summary: "Looked after review: the placement meets the child's needs; education progress noted.",
        } as MeetingInput,
      });
    } else {
      meetings.push({ meeting: transitionMeeting(rng, 'scotland', lead, caseworker) });
    }
  }
  if (meetingCount >= 3 && plans[1]?.type === 'csp') {
    meetings.push({
      planIndex: 1,
      meeting: {
        jurisdiction: 'scotland',
        type: 'csp-review',
        status: 'held',
        scheduledFor: at('2026-06-04', '14:00'),
        mode: 'in-person',
        attendees: [
          { role: 'designated-manager', name: lead, attendance: 'attended' },
          { role: 'parent', attendance: 'did-not-attend' },
        ],
        decisions: ['The CSP continues for another year, with speech and language support added.'],
      } as MeetingInput,
    });
  }

  return { plans, meetings };
}

function scotlandAttainment(rng: Prng, stage: number): Data[] | undefined {
  if (stage === 0) return undefined;
  const progress = () => rng.pick(['below-expected', 'expected', 'expected', 'above-expected'] as const);
  if (stage <= 10) {
    const expected = stage <= 1 ? 'Early' : stage <= 4 ? 'First' : stage <= 7 ? 'Second' : 'Third';
    return ['Literacy', 'Numeracy'].map((subject) => ({
      subject,
      measure: 'CfE level (teacher judgement)',
      result: `${expected} level ${rng.pick(['working towards', 'achieved', 'achieved'])}`,
      assessedOn: '2026-05-29',
      progress: progress(),
    }));
  }
  if (stage === 11) {
    return [
      {
        subject: 'English',
        measure: 'National 5 prelim',
        result: rng.pick(['A', 'B', 'C', 'D', 'No award']),
        assessedOn: '2026-01-16',
        progress: progress(),
        target: 'C',
      },
    ];
  }
  return [
    {
      subject: 'English',
      measure: 'National 5',
      result: rng.pick(['A', 'B', 'C', 'D']),
      assessedOn: '2025-08-05',
      progress: progress(),
    },
    { subject: 'Mathematics', measure: 'National 4', result: 'Pass', assessedOn: '2025-08-05' },
  ];
}

const SCOTLAND_TARGETS: [string, string, string][] = [
  ['Attendance', 'Attend every morning session on the agreed timetable.', 'Weekly attendance from SEEMiS'],
  ['Literacy', 'Read a chapter book with a reading buddy each week.', 'Class teacher judgement'],
  ['Health and wellbeing', 'Take part in a lunchtime club twice a week.', 'Club register and check-ins'],
  ['Numeracy', 'Use money and budgeting skills in a real task.', 'CfE benchmark evidence'],
];
const SCOTLAND_PROVISION = [
  'Outdoor learning sessions, one afternoon a week',
  'Mentoring with a care-experienced youth worker',
  'Laptop and home broadband for homework',
  'Music lessons (guitar), weekly',
];
