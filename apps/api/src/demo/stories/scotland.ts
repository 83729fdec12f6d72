/** Scotland's learners: Glenmoray's looked-after children in Scotland's words (their plans: scotland-plans.ts). */
import { scotlandLearner } from '@celr/schema';
import { GLENMORAY, OTHER_SCHOOLS, school } from '../organisations.js';
import type { Prng } from '../random.js';
import { CARER_FAMILY, CARER_GIVEN, type Data, NEEDS } from './common.js';
import { plansAndMeetings } from './scotland-plans.js';
import type { Nation } from './story.js';

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
