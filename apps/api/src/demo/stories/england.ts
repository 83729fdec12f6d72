/** England's learners: Northbridge's looked-after children in England's words (their plans: england-plans.ts). */
import { englandLearner, upnCheckLetter } from '@celr/schema';
import { addDays, maxDate } from '../dates.js';
import { EASTMERE, NORTHBRIDGE, OTHER_SCHOOLS, school } from '../organisations.js';
import type { Prng } from '../random.js';
import { CARER_FAMILY, CARER_GIVEN, type Data, NEEDS } from './common.js';
import { plansAndMeetings } from './england-plans.js';
import type { Nation } from './story.js';

const ENGLAND_GIVEN = [
  'Jayden',
  'Leah',
  'Kai',
  'Maisie',
  'Tyler',
  'Zainab',
  'Oliver',
  'Ruby',
  'Yusuf',
  'Freya',
  'Ethan',
  'Aisha',
  'Harvey',
  'Lily',
  'Reuben',
  'Chloe',
  'Dylan',
  'Precious',
  'Caleb',
  'Sofia',
  'Logan',
  'Keira',
  'Bilal',
  'Poppy',
  'Mason',
  'Imani',
  'Alfie',
  'Tia',
  'Jamal',
  'Esme',
  'Riley',
  'Nadia',
] as const;
const ENGLAND_FAMILY = [
  'Whitfield',
  'Barnes',
  'Mensah',
  'Kowalski',
  'Hughes',
  'Patel',
  'Doyle',
  'Ahmed',
  'Fletcher',
  'Brennan',
  'Nowak',
  'Hartley',
  'Begum',
  'Stokes',
  'Marsh',
  'Thornton',
  'Rahman',
  'Gallagher',
  'Price',
  'Clarke',
  'Yilmaz',
  'Holt',
  'Bennett',
  'Nwosu',
  'Sharpe',
  'Dunn',
  'Ellis',
  'Okonjo',
  'Pearce',
  'Lindley',
  'Quinn',
  'Farrow',
] as const;
const PREFERRED: Record<string, string> = {
  Oliver: 'Ollie',
  Jayden: 'Jay',
  Harvey: 'Harv',
  Esme: 'Essie',
  Nadia: 'Nad',
  Reuben: 'Reub',
};

/** Northbridge's staff, by role: fictional, like everyone else here. */
const NORTHBRIDGE_STAFF = {
  'social-worker': ['Priya Natarajan', 'Daniel Osei', 'Rebecca Hale', 'Tomasz Wisniewski', 'Grace Mensah'],
  'virtual-school-caseworker': ['Helen Adeyemi', 'Marcus Lowe', 'Sarah Quinlan'],
  'virtual-school-head': ['Dr Ruth Ambrose'],
  'independent-reviewing-officer': ['Alan Pryce', 'Fiona Grey'],
} as const;

export const england: Nation = {
  jurisdiction: 'england',
  authority: 'northbridge',
  learners: 30,
  names: { given: ENGLAND_GIVEN, family: ENGLAND_FAMILY },
  preferredNames: PREFERRED,
  exampleLearner: englandLearner,
  responsibleAuthority: NORTHBRIDGE,
  hostAuthority: EASTMERE,
  transitionsNameAuthorities: true,

  // Stage 0 is Reception (age 4 on 31 August 2025), then Years 1 to 12.
  yearGroup: (stage) => (stage === 0 ? 'R' : String(stage)),
  // Born between 1 September and 31 August of the cohort year.
  born: { firstYear: 2020, from: '09-01', to: '08-31' },
  primaryFrom: 0,
  secondaryFrom: 7,
  startDays: ['09-03', '09-04'],

  care: {
    previously: 'previously-looked-after',
    since: '2016-09-01',
    legalStatuses: (stage, secondary) => [
      [['C2', ['U4', 'U6', 'U1', 'U4', 'K2', 'R1']], 6],
      [['C1', ['U3', 'U5', 'U6']], 2],
      [['V2', secondary ? ['U6', 'K2', 'S1'] : ['U6', 'U3']], 2],
      [['E1', ['A5', 'A6']], stage <= 2 ? 2 : 0],
      [['C2', ['P1']], 1],
    ],
  },
  // Primary at Northbridge Primary (or, placed in Eastmere, Eastmere Vale); secondary at Northbridge
  // Academy, or at Eastmere Park Academy when placed out of authority.
  elsewhereChance: 0.4,
  school: (secondary, elsewhere) =>
    secondary
      ? elsewhere
        ? school('eastmerePark')
        : OTHER_SCHOOLS.northbridgeAcademy
      : elsewhere
        ? OTHER_SCHOOLS.eastmereVale
        : school('northbridgePrimary'),

  phaseToSecondary: {
    fromSchools: [school('northbridgePrimary'), OTHER_SCHOOLS.harbourLane],
    reason: 'Transfer to secondary school.',
    newPlaceConfirmedOn: '2025-03-03',
    supportActions: [
      {
        description: 'Enhanced transition: three extra visits in the summer term.',
        ownerRole: 'designated-teacher',
        status: 'done',
        dueDate: '2025-07-11',
      },
    ],
  },
  earlyYears: { reason: 'Started Reception.', newPlaceConfirmedOn: '2025-04-16' },
  inYearMove: {
    window: ['2025-10-06', '2026-03-13'],
    gaps: [0, 0, 2, 5, 9, 15],
    minNotice: 3,
    from: (secondary) => (secondary ? OTHER_SCHOOLS.millbrook : OTHER_SCHOOLS.harbourLane),
    reason: (elsewhere) =>
      elsewhere
        ? 'New foster placement in Eastmere; too far to travel to the old school.'
        : 'Move closer to the new placement.',
    supportActions: (startDate, days) => [
      {
        description: 'Transition visit with carer before start date.',
        ownerRole: 'designated-teacher',
        status: 'done',
        dueDate: addDays(startDate, -1),
      },
      {
        description: 'Share the PEP and attendance history with the new school.',
        ownerRole: 'virtual-school-caseworker',
        status: days < 10 ? 'done' : 'open',
      },
    ],
  },
  placementMove: {
    after: '2025-09-01',
    chance: 0.7,
    previous: ['U6', 'U3', 'K2', 'U5'],
    noticeDays: 21,
    reason: 'Planned move to a long-term placement.',
    reasonCodes: ['CARPL', 'CREQO', 'LAREQ'],
  },
  post16: {
    stages: [11],
    reason: 'College place for September confirmed; leaving school at the end of Year 11.',
    newPlaceConfirmedOn: '2026-06-12',
    supportActions: [
      {
        description: 'Pathway plan meeting with the college.',
        ownerRole: 'social-worker',
        status: 'open',
        dueDate: '2026-07-10',
      },
    ],
  },
  cancelledPlacementMove: {
    window: ['2026-03-02', '2026-06-26'],
    reason: 'Proposed move to a kinship placement; cancelled after assessment.',
  },

  settings: {
    primary: [
      ['full-time', 9],
      ['part-time', 1],
    ],
    secondary: [
      ['full-time', 14],
      ['part-time', 2],
      ['alternative-provision', 2],
    ],
  },
  partTimeHours: [12, 15, 18, 20],
  // SEN status: no SEN, SEN support, EHC plan.
  needs: [
    ['N', 5],
    ['K', 4],
    ['E', 2],
  ],
  additionalNeeds: (rng, sen) => ({
    status: sen,
    primaryNeed: sen === 'N' ? undefined : rng.pick(NEEDS),
    notes: sen === 'E' ? 'Works best with a consistent adult and a visual timetable.' : undefined,
  }),

  staff: {
    socialWorkers: NORTHBRIDGE_STAFF['social-worker'],
    caseworkers: NORTHBRIDGE_STAFF['virtual-school-caseworker'],
    emailDomain: 'northbridge.example',
  },
  schoolLeadRole: 'designated-teacher',
  caseworkerPhone: true,
  carer: (rng, status, placementType) => {
    if (placementType?.startsWith('U') || placementType?.startsWith('A')) {
      return {
        role: 'carer',
        name: `${rng.pick(CARER_GIVEN)} and ${rng.pick(CARER_GIVEN)} ${rng.pick(CARER_FAMILY)}`,
      };
    }
    if (placementType === 'K2' || placementType === 'R1') {
      return { role: 'carer', name: `${rng.pick(CARER_GIVEN)} ${rng.pick(CARER_FAMILY)} (key worker)` };
    }
    if (status === 'previously-looked-after') {
      return { role: 'parent', name: `${rng.pick(CARER_GIVEN)} ${rng.pick(CARER_FAMILY)} (adoptive parent)` };
    }
    return undefined;
  },
  identifiers: (rng, index, stage) => {
    const upnBody = `${NORTHBRIDGE.code}1234${String(2025 - stage).slice(2)}${String(101 + index).padStart(3, '0')}`;
    return [
      { system: 'upn', value: upnCheckLetter(`X${upnBody}`) + upnBody },
      { system: `la-child-id:${NORTHBRIDGE.code}`, value: `NB-${String(5101 + index * 7).padStart(6, '0')}` },
      ...(rng.chance(0.5) ? [{ system: 'mis:example-mis', value: `STU-${90_100 + index * 37}` }] : []),
    ];
  },

  attendance: { fromStage: 0, source: 'School MIS' },
  exclusion: {
    chance: 0.25,
    type: 'SUSP',
    window: ['2025-09-15', '2026-06-30'],
    maxSessions: 6,
    reasons: [
      'Persistent disruptive behaviour',
      'Verbal abuse against an adult',
      'Physical assault against a pupil',
    ],
  },
  attainment: englandAttainment,
  views: {
    chance: 0.7,
    window: ['2026-04-20', '2026-07-10'],
    how: ['In the PEP meeting', 'With the designated teacher', 'Through an advocate'],
  },

  plansAndMeetings,
};

function englandAttainment(rng: Prng, year: number, dateOfBirth: string): Data[] {
  const progress = () => rng.pick(['below-expected', 'expected', 'expected', 'above-expected'] as const);
  // A teacher assessment and the progress it shows.
  const ta = (subject: string) => {
    const [result, shows] = rng.pick([
      ['Working towards', 'below-expected'],
      ['Expected standard', 'expected'],
      ['Expected standard', 'expected'],
      ['Greater depth', 'above-expected'],
    ] as const);
    return {
      subject,
      measure: `Teacher assessment (Year ${year})`,
      result,
      assessedOn: '2026-03-20',
      progress: shows,
      target: 'Expected standard',
    };
  };
  if (year === 0) {
    const emerging = rng.chance(0.4);
    return [
      {
        subject: 'Communication and language',
        measure: 'Reception baseline observation',
        result: emerging ? 'Emerging' : 'Expected',
        assessedOn: '2026-03-20',
        progress: emerging ? 'below-expected' : 'expected',
      },
    ];
  }
  if (year <= 6) {
    const results: Data[] = [ta('Reading')];
    if (year >= 2) results.push(ta('Mathematics'));
    if (year === 2) {
      const mark = rng.int(24, 40);
      results.push({
        subject: 'Phonics',
        measure: 'Phonics screening check (Year 1)',
        result: String(mark),
        assessedOn: '2025-06-09',
        progress: mark >= 32 ? 'expected' : 'below-expected',
      });
    }
    return results;
  }
  if (year <= 9) {
    const ks2 = `${2025 - (year - 7)}-05-12`;
    return [
      {
        subject: 'Reading',
        measure: 'KS2 scaled score',
        result: String(rng.int(92, 114)),
        assessedOn: maxDate(ks2, dateOfBirth),
        progress: progress(),
      },
      ta('Mathematics'),
    ];
  }
  if (year <= 11) {
    return ['English Language', 'Mathematics'].map((subject) => ({
      subject,
      measure: 'GCSE mock grade',
      result: String(rng.int(2, 7)),
      assessedOn: '2026-01-23',
      progress: progress(),
      target: String(rng.int(4, 7)),
    }));
  }
  return ['English Language', 'Mathematics'].map((subject) => ({
    subject,
    measure: 'GCSE grade',
    result: String(rng.int(3, 8)),
    assessedOn: '2025-08-21',
    progress: progress(),
  }));
}
