/**
 * Fictional example records. Every person, school and authority here is invented; codes and
 * identifiers follow the real formats so that the examples validate. The docs, the OpenAPI
 * document and the tests all use these, so they stay true to the schema.
 */
import type { LearnerInput, MeetingInput, PlanInput, TransitionInput } from '../records/index.js';

/** Fictional authorities: LA code 990 and council code S12000099 are not allocated to real ones. */
export const exampleAuthorities = {
  england: { scheme: 'la-code', code: '990', name: 'Northbridge Borough Council' },
  scotland: { scheme: 'council-code', code: 'S12000099', name: 'Glenmoray Council' },
} as const;

/** Used as `learnerId` in plan, meeting and transition examples. */
export const exampleLearnerIds = {
  england: '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10',
  scotland: '6e3a1f08-92c4-4b7d-a1e5-7c0d3b9f2e21',
} as const;

export const englandLearner = {
  jurisdiction: 'england',
  name: { given: 'Amara', family: 'Okafor-Lees', preferred: 'Mara' },
  dateOfBirth: '2013-05-14',
  identifiers: [
    { system: 'upn', value: 'C990123424001' },
    { system: 'la-child-id:990', value: 'NB-004217' },
    { system: 'mis:example-mis', value: 'STU-88231' },
  ],
  careStatus: {
    status: 'looked-after',
    legalStatus: 'C2',
    placementType: 'U4',
    since: '2022-09-02',
    placementStart: '2024-01-15',
  },
  responsibleAuthority: exampleAuthorities.england,
  hostAuthority: { scheme: 'la-code', code: '991', name: 'Eastmere County Council' },
  enrolment: {
    school: { scheme: 'urn', code: '990001', name: 'Eastmere Park Academy' },
    startDate: '2024-09-04',
    yearGroup: '8',
    setting: 'full-time',
  },
  additionalNeeds: { status: 'K', primaryNeed: 'Speech, language and communication needs' },
  attendance: [
    {
      period: { start: '2025-09-03', end: '2025-12-19' },
      possibleSessions: 140,
      attendedSessions: 128,
      authorisedAbsenceSessions: 8,
      unauthorisedAbsenceSessions: 4,
      source: 'School MIS',
    },
  ],
  exclusions: [
    { type: 'SUSP', startDate: '2025-11-10', sessions: 2, reason: 'Persistent disruptive behaviour' },
  ],
  attainment: [
    {
      subject: 'Reading',
      measure: 'KS2 scaled score',
      result: '104',
      assessedOn: '2024-05-13',
      progress: 'expected',
    },
    {
      subject: 'Mathematics',
      measure: 'Teacher assessment (Year 8)',
      result: 'Working towards',
      assessedOn: '2025-12-12',
      progress: 'below-expected',
      target: 'Secure',
    },
  ],
  contacts: [
    { role: 'social-worker', name: 'Priya Natarajan', email: 'priya.natarajan@northbridge.example' },
    {
      role: 'designated-teacher',
      name: 'Tom Whitcombe',
      organisation: { scheme: 'urn', code: '990001', name: 'Eastmere Park Academy' },
    },
    { role: 'virtual-school-caseworker', name: 'Helen Adeyemi' },
    { role: 'carer', name: 'Janet and Colin Reeve' },
  ],
  views: [
    {
      recordedOn: '2025-12-03',
      text: 'I like science club. Maths is hard when it is noisy.',
      how: 'In her PEP meeting',
    },
  ],
} satisfies LearnerInput;

export const scotlandLearner = {
  jurisdiction: 'scotland',
  name: { given: 'Callum', family: 'MacLeod' },
  dateOfBirth: '2010-11-02',
  identifiers: [
    { system: 'scn', value: '123456782' },
    { system: 'la-child-id:S12000099', value: 'GM-1187' },
  ],
  careStatus: {
    status: 'looked-after',
    legalStatus: 'compulsory-supervision-order',
    placementType: 'with-friends-relatives',
    since: '2021-03-19',
  },
  responsibleAuthority: exampleAuthorities.scotland,
  enrolment: {
    school: { scheme: 'seed-code', code: '5999011', name: 'Glenmoray High School' },
    startDate: '2022-08-17',
    yearGroup: 'S4',
    setting: 'part-time',
    hoursPerWeek: 18,
  },
  additionalNeeds: { status: 'asn-with-csp' },
  attendance: [
    {
      period: { start: '2025-08-13', end: '2025-12-19' },
      possibleSessions: 150,
      attendedSessions: 117,
      authorisedAbsenceSessions: 21,
      unauthorisedAbsenceSessions: 12,
    },
  ],
  contacts: [
    { role: 'social-worker', name: 'Morag Sinclair' },
    { role: 'designated-manager', name: 'Euan Fraser' },
    { role: 'carer', name: 'Isla MacLeod (grandmother)' },
  ],
  views: [
    {
      recordedOn: '2025-10-08',
      text: 'I want to do an apprenticeship in joinery.',
      how: 'With his advocate',
    },
  ],
} satisfies LearnerInput;

export const englandPlan = {
  jurisdiction: 'england',
  learnerId: exampleLearnerIds.england,
  type: 'pep',
  status: 'active',
  period: { start: '2025-09-03', end: '2025-12-19' },
  reviewDue: '2025-12-05',
  targets: [
    {
      area: 'Mathematics',
      description: 'Use the four operations with fractions accurately.',
      measure: 'Termly teacher assessment',
      baseline: 'Working towards',
      targetDate: '2025-12-12',
      progress: 'on-track',
    },
  ],
  actions: [
    {
      description: 'Arrange a quiet space for maths homework at school.',
      ownerRole: 'designated-teacher',
      dueDate: '2025-10-01',
      status: 'done',
    },
  ],
  provision: [
    {
      description: 'One-to-one maths tuition, one hour a week',
      ownerRole: 'designated-teacher',
      fundingSource: 'pupil-premium-plus',
      amountPence: 60000,
      period: { start: '2025-09-15', end: '2025-12-19' },
    },
  ],
  views: {
    child: 'Tuition helps. I want to stay in science club.',
    carers: 'Homework is calmer since the quiet space.',
  },
  qualityAssurance: {
    rating: 'green',
    reviewer: { name: 'Helen Adeyemi', role: 'virtual-school-caseworker' },
    reviewedOn: '2025-09-30',
    comments: 'SMART targets; PP+ spend linked to them.',
  },
  contributors: [
    { role: 'designated-teacher', name: 'Tom Whitcombe' },
    { role: 'social-worker', name: 'Priya Natarajan' },
  ],
  signOff: {
    signedOffBy: { name: 'Helen Adeyemi', role: 'virtual-school-caseworker' },
    signedOffOn: '2025-09-30',
  },
} satisfies PlanInput;

export const scotlandPlan = {
  jurisdiction: 'scotland',
  learnerId: exampleLearnerIds.scotland,
  type: 'childs-plan',
  status: 'under-review',
  period: { start: '2025-08-13' },
  reviewDue: '2026-01-30',
  targets: [
    {
      area: 'Attendance',
      description: 'Attend every morning session on his part-time timetable.',
      measure: 'Weekly attendance from SEEMiS',
      baseline: '78% of sessions',
      targetDate: '2026-01-30',
      progress: 'off-track',
    },
  ],
  provision: [
    {
      description: 'Joinery taster with the local college, one day a week',
      fundingSource: 'care-experienced-children-and-young-people-fund',
      amountPence: 85000,
    },
  ],
  views: { child: 'College days are the best days.' },
} satisfies PlanInput;

export const englandMeeting = {
  jurisdiction: 'england',
  learnerId: exampleLearnerIds.england,
  type: 'pep-meeting',
  status: 'held',
  scheduledFor: '2025-12-03T15:30:00Z',
  durationMinutes: 60,
  mode: 'in-person',
  attendees: [
    { role: 'designated-teacher', name: 'Tom Whitcombe', attendance: 'attended' },
    { role: 'social-worker', name: 'Priya Natarajan', attendance: 'attended' },
    { role: 'carer', attendance: 'attended' },
    { role: 'virtual-school-caseworker', name: 'Helen Adeyemi', attendance: 'apologies' },
  ],
  childParticipation: { how: 'attended-part', notes: 'Joined for the first twenty minutes.' },
  summary: 'Good progress in science; maths tuition to continue.',
  decisions: ['Continue tuition into spring term.'],
  actions: [
    {
      description: 'Renew tuition for spring term.',
      ownerRole: 'designated-teacher',
      dueDate: '2026-01-09',
      status: 'open',
    },
  ],
  nextMeetingDue: '2026-03-13',
} satisfies MeetingInput;

export const scotlandMeeting = {
  jurisdiction: 'scotland',
  learnerId: exampleLearnerIds.scotland,
  type: 'childs-plan-meeting',
  status: 'postponed',
  scheduledFor: '2025-11-20T10:00:00Z',
  mode: 'video',
  attendees: [{ role: 'designated-manager', name: 'Euan Fraser', attendance: 'invited' }],
  nextMeetingDue: '2026-01-30',
} satisfies MeetingInput;

export const englandTransition = {
  jurisdiction: 'england',
  learnerId: exampleLearnerIds.england,
  type: 'in-year-school-move',
  status: 'completed',
  from: {
    school: { scheme: 'urn', code: '990002', name: 'Northbridge Primary' },
    authority: exampleAuthorities.england,
  },
  to: {
    school: { scheme: 'urn', code: '990001', name: 'Eastmere Park Academy' },
    authority: { scheme: 'la-code', code: '991' },
  },
  plannedDate: '2024-09-02',
  actualDate: '2024-09-04',
  reason: 'New long-term foster placement in Eastmere.',
  continuity: {
    daysWithoutSchoolPlace: 2,
    newPlaceConfirmedOn: '2024-08-20',
    planPassedOn: true,
    recordsPassedOn: true,
  },
  supportActions: [
    {
      description: 'Transition visit with carer before start date.',
      ownerRole: 'designated-teacher',
      status: 'done',
    },
  ],
} satisfies TransitionInput;

export const scotlandTransition = {
  jurisdiction: 'scotland',
  learnerId: exampleLearnerIds.scotland,
  type: 'phase-transfer-secondary-post16',
  status: 'planned',
  from: { school: { scheme: 'seed-code', code: '5999011' } },
  plannedDate: '2027-06-25',
  reason: 'Leaving school for a college course in joinery.',
} satisfies TransitionInput;

export interface Example {
  kind: 'learner' | 'plan' | 'meeting' | 'transition';
  name: string;
  summary: string;
  value: LearnerInput | PlanInput | MeetingInput | TransitionInput;
}

export const validExamples: Example[] = [
  {
    kind: 'learner',
    name: 'england',
    summary: 'A looked-after learner in England, placed out of authority',
    value: englandLearner,
  },
  {
    kind: 'learner',
    name: 'scotland',
    summary: 'A looked-after learner in Scotland on a compulsory supervision order',
    value: scotlandLearner,
  },
  { kind: 'plan', name: 'england', summary: 'A PEP with a PP+ funded target', value: englandPlan },
  { kind: 'plan', name: 'scotland', summary: "A child's plan under review", value: scotlandPlan },
  { kind: 'meeting', name: 'england', summary: 'A PEP meeting that was held', value: englandMeeting },
  { kind: 'meeting', name: 'scotland', summary: "A postponed child's plan meeting", value: scotlandMeeting },
  {
    kind: 'transition',
    name: 'england',
    summary: 'A completed in-year school move',
    value: englandTransition,
  },
  { kind: 'transition', name: 'scotland', summary: 'A planned move to college', value: scotlandTransition },
];
