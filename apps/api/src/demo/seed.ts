/**
 * Demo data for `npm start`: fictional authorities, schools and a vendor, one API client each with a
 * fixed, documented secret, and about fifty learners with plans, meetings and transitions.
 *
 * Everything here is invented. LA codes 990 and 991, council code S12000099, URNs 99000x/99001x and
 * SEED codes 59990xx are not allocated to real organisations; names come from fixed lists. The data
 * is generated from a seeded PRNG, so every fresh database gets the same records (only the server-
 * assigned ids and timestamps differ), and every date is on or before DEMO_AS_OF, the last day of the
 * 2025/26 school year in England.
 *
 * Records are written through RecordService, as the API writes them (versions, identifiers, access
 * grants and audit events included), in one transaction: a failure leaves the database as it was.
 * Loading again when the demo organisations exist creates nothing.
 */
import {
  englandLearner,
  englandMeeting,
  englandPlan,
  englandTransition,
  exampleAuthorities,
  type LearnerInput,
  type MeetingInput,
  type PlanInput,
  type RecordKind,
  scotlandLearner,
  scotlandMeeting,
  scotlandPlan,
  scotlandTransition,
  type TransitionInput,
  upnCheckLetter,
  type ValidationIssue,
  validate,
} from '@celr/schema';
import { createClient } from '../admin/organisations.js';
import { AuditTrail } from '../audit/audit-trail.js';
import type { Caller, OrganisationKind } from '../auth/caller.js';
import { verifySecret } from '../auth/secrets.js';
import { sqlThrough } from '../db/database.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { RecordService } from '../records/record-service.js';

// ---------------------------------------------------------------------------------------------------
// Organisations and clients
// ---------------------------------------------------------------------------------------------------

/** Every date in the demo records is on or before this day (the end of the 2025/26 school year). */
export const DEMO_AS_OF = '2026-07-17';

type OrgKey =
  | 'northbridge'
  | 'eastmere'
  | 'glenmoray'
  | 'eastmerePark'
  | 'northbridgePrimary'
  | 'glenmorayHigh'
  | 'glenmorayPrimary'
  | 'vendor'
  | 'operator';

interface DemoOrganisation {
  kind: OrganisationKind;
  name: string;
  jurisdiction?: 'england' | 'scotland';
  laCode?: string;
  urn?: string;
  seedCode?: string;
  /** The authority a school sits in. */
  authority?: OrgKey;
}

/** The demo organisations, in the order they are created (authorities before their schools). */
export const DEMO_ORGANISATIONS: Record<OrgKey, DemoOrganisation> = {
  northbridge: {
    kind: 'local-authority',
    name: exampleAuthorities.england.name,
    jurisdiction: 'england',
    laCode: exampleAuthorities.england.code,
  },
  eastmere: {
    kind: 'local-authority',
    name: 'Eastmere County Council',
    jurisdiction: 'england',
    laCode: '991',
  },
  glenmoray: {
    kind: 'local-authority',
    name: exampleAuthorities.scotland.name,
    jurisdiction: 'scotland',
    laCode: exampleAuthorities.scotland.code,
  },
  eastmerePark: {
    kind: 'school',
    name: 'Eastmere Park Academy',
    jurisdiction: 'england',
    urn: '990001',
    authority: 'eastmere',
  },
  northbridgePrimary: {
    kind: 'school',
    name: 'Northbridge Primary',
    jurisdiction: 'england',
    urn: '990002',
    authority: 'northbridge',
  },
  glenmorayHigh: {
    kind: 'school',
    name: 'Glenmoray High School',
    jurisdiction: 'scotland',
    seedCode: '5999011',
    authority: 'glenmoray',
  },
  glenmorayPrimary: {
    kind: 'school',
    name: 'Glenmoray Primary School',
    jurisdiction: 'scotland',
    seedCode: '5999021',
    authority: 'glenmoray',
  },
  vendor: { kind: 'vendor', name: 'Example ePEP Ltd' },
  operator: { kind: 'operator', name: 'CELR demo operator' },
};

/**
 * The demo API clients: one per organisation, with the organisation's default scopes. The secrets
 * are fixed and public (they are printed at every start), so never load the demo into a database
 * that holds real records; they are still stored only as scrypt hashes, like any other secret.
 */
export const DEMO_CLIENTS: readonly { org: OrgKey; clientId: string; secret: string }[] = [
  { org: 'northbridge', clientId: 'demo-northbridge', secret: 'demo-northbridge-secret' },
  { org: 'eastmere', clientId: 'demo-eastmere', secret: 'demo-eastmere-secret' },
  { org: 'glenmoray', clientId: 'demo-glenmoray', secret: 'demo-glenmoray-secret' },
  { org: 'eastmerePark', clientId: 'demo-school-eastmere-park', secret: 'demo-school-eastmere-park-secret' },
  {
    org: 'northbridgePrimary',
    clientId: 'demo-school-northbridge-primary',
    secret: 'demo-school-northbridge-primary-secret',
  },
  {
    org: 'glenmorayHigh',
    clientId: 'demo-school-glenmoray-high',
    secret: 'demo-school-glenmoray-high-secret',
  },
  {
    org: 'glenmorayPrimary',
    clientId: 'demo-school-glenmoray-primary',
    secret: 'demo-school-glenmoray-primary-secret',
  },
  { org: 'vendor', clientId: 'demo-vendor', secret: 'demo-vendor-secret' },
  { org: 'operator', clientId: 'demo-operator', secret: 'demo-operator-secret' },
];

/** The vendor acts for these organisations (a `Delegation` from each). */
const DELEGATIONS: readonly { vendor: OrgKey; organisation: OrgKey }[] = [
  { vendor: 'vendor', organisation: 'northbridge' },
];

export interface DemoClient {
  organisation: string;
  clientId: string;
  secret: string;
  scopes: string[];
}

export interface DemoResult {
  clients: DemoClient[];
  learners: number;
  plans: number;
  meetings: number;
  transitions: number;
  /** False when the demo organisations already existed and nothing was written. */
  created: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------

/**
 * Loads the demo organisations, clients and records into the database unless they are there
 * already. Idempotent: on a restart with the same data it writes nothing and returns the demo
 * clients that still accept their demo secret, with counts from the database.
 */
export async function loadDemo(
  prisma: PrismaClient,
  options: { log?: (message: string) => void } = {},
): Promise<DemoResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const ms = () => Math.round(performance.now() - started);

  if (await demoExists(prisma)) {
    const result = await existingDemo(prisma);
    log(`demo data: already loaded (${summary(result)}); nothing created in ${ms()} ms`);
    return result;
  }

  // Generate and validate everything before the first write.
  const dataset = generateDemoDataset();

  let clients: DemoClient[];
  try {
    clients = await prisma.$transaction(async (tx) => writeDemo(joinTransaction(tx), dataset), {
      maxWait: 30_000,
      timeout: 300_000,
    });
  } catch (error) {
    // Another process loaded the demo at the same moment (PostgreSQL with several API processes):
    // its transaction committed first and ours hit the unique organisation codes.
    if (isUniqueViolation(error) && (await demoExists(prisma))) {
      const result = await existingDemo(prisma);
      log(`demo data: loaded by another process (${summary(result)}); nothing created in ${ms()} ms`);
      return result;
    }
    throw error;
  }

  const result: DemoResult = { clients, ...(await countRecords(prisma)), created: true };
  log(
    `demo data: ${summary(result)}, ${Object.keys(DEMO_ORGANISATIONS).length} organisations and ${clients.length} API clients created in ${ms()} ms`,
  );
  return result;
}

const summary = (r: Omit<DemoResult, 'clients' | 'created'>) =>
  `${r.learners} learners, ${r.plans} plans, ${r.meetings} meetings, ${r.transitions} transitions`;

/** The demo is there when any of its organisations is (they are created together, in one transaction). */
async function demoExists(prisma: PrismaClient): Promise<boolean> {
  const orgs = Object.values(DEMO_ORGANISATIONS);
  const found = await prisma.organisation.count({
    where: {
      OR: [
        {
          kind: 'local-authority',
          laCode: { in: orgs.flatMap((o) => (o.kind === 'local-authority' && o.laCode ? [o.laCode] : [])) },
        },
        { urn: { in: orgs.flatMap((o) => (o.urn ? [o.urn] : [])) } },
        { seedCode: { in: orgs.flatMap((o) => (o.seedCode ? [o.seedCode] : [])) } },
      ],
    },
  });
  return found > 0;
}

/** The demo clients that exist, are not revoked and still accept their demo secret, in DEMO_CLIENTS order. */
async function existingDemo(prisma: PrismaClient): Promise<DemoResult> {
  const rows = await prisma.apiClient.findMany({
    where: { clientId: { in: DEMO_CLIENTS.map((c) => c.clientId) }, revokedAt: null },
    select: { clientId: true, secretHash: true, scopes: true, organisation: { select: { name: true } } },
  });
  const byId = new Map(rows.map((r) => [r.clientId, r]));
  const checked = await Promise.all(
    DEMO_CLIENTS.map(async (c): Promise<DemoClient | undefined> => {
      const row = byId.get(c.clientId);
      if (!row || !(await verifySecret(c.secret, row.secretHash))) return undefined;
      return {
        organisation: row.organisation.name,
        clientId: c.clientId,
        secret: c.secret,
        scopes: row.scopes,
      };
    }),
  );
  return {
    clients: checked.filter((c): c is DemoClient => c !== undefined),
    ...(await countRecords(prisma)),
    created: false,
  };
}

/** Live records owned by the demo authorities, by kind. */
async function countRecords(prisma: PrismaClient) {
  const owners = await prisma.organisation.findMany({
    where: {
      kind: 'local-authority',
      laCode: { in: [DEMO_ORGANISATIONS.northbridge.laCode!, DEMO_ORGANISATIONS.glenmoray.laCode!] },
    },
    select: { id: true },
  });
  const count = (kind: RecordKind) =>
    prisma.record.count({ where: { kind, deletedAt: null, ownerId: { in: owners.map((o) => o.id) } } });
  const [learners, plans, meetings, transitions] = await Promise.all([
    count('learner'),
    count('plan'),
    count('meeting'),
    count('transition'),
  ]);
  return { learners, plans, meetings, transitions };
}

async function writeDemo(db: PrismaClient, dataset: DemoDataset): Promise<DemoClient[]> {
  const ids = {} as Record<OrgKey, string>;
  for (const [key, org] of Object.entries(DEMO_ORGANISATIONS) as [OrgKey, DemoOrganisation][]) {
    const { authority, ...data } = org;
    const row = await db.organisation.create({
      data: { ...data, ...(authority ? { authorityId: ids[authority] } : {}) },
    });
    ids[key] = row.id;
  }
  const clients: DemoClient[] = [];
  for (const c of DEMO_CLIENTS) {
    const org = DEMO_ORGANISATIONS[c.org];
    const created = await createClient(db, {
      organisationId: ids[c.org],
      name: `${org.name} (demo)`,
      clientId: c.clientId,
      secret: c.secret,
    });
    clients.push({
      organisation: org.name,
      clientId: created.clientId,
      secret: created.secret,
      scopes: created.scopes,
    });
  }
  for (const d of DELEGATIONS) {
    await db.delegation.create({ data: { vendorId: ids[d.vendor], organisationId: ids[d.organisation] } });
  }

  const service = new RecordService(db, new AuditTrail(sqlThrough(db)), sqlThrough(db));
  const callers = {
    northbridge: seedCaller(ids.northbridge),
    glenmoray: seedCaller(ids.glenmoray),
  };
  const idOf = (result: { body: unknown }) => (result.body as { id: string }).id;
  for (const story of dataset.learners) {
    const caller = callers[story.authority];
    const learnerId = idOf(await service.create('learner', caller, story.learner as Data));
    const planIds: string[] = [];
    for (const plan of story.plans) {
      planIds.push(idOf(await service.create('plan', caller, { ...plan, learnerId })));
    }
    for (const { planIndex, meeting } of story.meetings) {
      const planId = planIndex === undefined ? undefined : planIds[planIndex];
      await service.create('meeting', caller, { ...meeting, learnerId, ...(planId ? { planId } : {}) });
    }
    for (const transition of story.transitions) {
      await service.create('transition', caller, { ...transition, learnerId });
    }
  }
  return clients;
}

type Data = Record<string, unknown>;

/** The seed writes as the owning authority, like a client of its own would. */
function seedCaller(organisationId: string): Caller {
  return {
    clientId: 'demo-seed',
    organisationId,
    organisationKind: 'local-authority',
    actingForId: organisationId,
    actingForKind: 'local-authority',
    scopes: new Set(),
    requestId: 'demo-seed',
  };
}

/**
 * The transaction client, usable where a PrismaClient is expected: its `$transaction` runs the work
 * in the transaction already open, so RecordService's per-write transactions join the seed's one.
 */
function joinTransaction(tx: Prisma.TransactionClient): PrismaClient {
  return new Proxy(tx, {
    get(target, property) {
      if (property === '$transaction') {
        return async (work: unknown) => {
          if (typeof work === 'function') return work(target);
          const results: unknown[] = [];
          for (const query of work as PromiseLike<unknown>[]) results.push(await query);
          return results;
        };
      }
      return Reflect.get(target, property);
    },
  }) as unknown as PrismaClient;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

// ---------------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------------

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

export interface DemoDataset {
  learners: DemoLearner[];
}

const ENGLAND_LEARNERS = 30;
const SCOTLAND_LEARNERS = 20;
const SEED = 0x0ce1_2026;

/** A placeholder id used only to validate plans, meetings and transitions before their learner exists. */
const PLACEHOLDER_ID = '00000000-0000-4000-8000-000000000000';

/**
 * The demo learners with their plans, meetings and transitions: the same on every call. Every record
 * is checked with `validate` from @celr/schema, and every date against DEMO_AS_OF; this throws, listing
 * every issue, if one is not valid.
 */
export function generateDemoDataset(): DemoDataset {
  const rng = new Prng(SEED);
  const englandNames = uniqueNames(rng, ENGLAND_GIVEN, ENGLAND_FAMILY, ENGLAND_LEARNERS);
  const scotlandNames = uniqueNames(rng, SCOTLAND_GIVEN, SCOTLAND_FAMILY, SCOTLAND_LEARNERS);
  const englandAges = spread(rng, 4, 16, ENGLAND_LEARNERS);
  const scotlandStages = spread(rng, 0, 12, SCOTLAND_LEARNERS);
  const learners: DemoLearner[] = [
    ...englandNames.map((name, i) => englandStory(rng, i, name, englandAges[i]!)),
    ...scotlandNames.map((name, i) => scotlandStory(rng, i, name, scotlandStages[i]!)),
  ];
  assertValid(learners);
  return { learners };
}

function assertValid(learners: DemoLearner[]): void {
  const problems: string[] = [];
  const check = (kind: RecordKind, label: string, value: unknown) => {
    const result = validate(kind, value);
    const issues: ValidationIssue[] = result.ok ? [] : result.issues;
    for (const issue of issues) problems.push(`${label}${issue.pointer}: ${issue.message} (${issue.rule})`);
    for (const [pointer, date] of datesIn(value)) {
      if (date > DEMO_AS_OF) problems.push(`${label}${pointer}: ${date} is after ${DEMO_AS_OF}`);
    }
  };
  for (const [i, story] of learners.entries()) {
    const label = `learner ${i} (${story.learner.name.given} ${story.learner.name.family})`;
    check('learner', label, story.learner);
    for (const [p, plan] of story.plans.entries()) {
      check('plan', `${label} plan ${p}`, { ...plan, learnerId: PLACEHOLDER_ID });
    }
    for (const [m, { planIndex, meeting }] of story.meetings.entries()) {
      const planId = planIndex === undefined ? {} : { planId: PLACEHOLDER_ID };
      check('meeting', `${label} meeting ${m}`, { ...meeting, learnerId: PLACEHOLDER_ID, ...planId });
    }
    for (const [n, transition] of story.transitions.entries()) {
      check('transition', `${label} transition ${n}`, { ...transition, learnerId: PLACEHOLDER_ID });
    }
  }
  if (problems.length) {
    throw new Error(`The demo data is not valid (${problems.length} issues):\n  ${problems.join('\n  ')}`);
  }
}

/** Every ISO date (or the date of every timestamp) in a value, with its JSON pointer. */
function datesIn(value: unknown, pointer = ''): [string, string][] {
  if (typeof value === 'string')
    return /^\d{4}-\d{2}-\d{2}/.test(value) ? [[pointer, value.slice(0, 10)]] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => datesIn(v, `${pointer}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => datesIn(v, `${pointer}/${k}`));
  }
  return [];
}

// --- a small seeded PRNG (mulberry32): deterministic on every platform -------------------------------

class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** A pick where each item carries a weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

/** `count` values from min..max, every value used before any repeats, in a shuffled order. */
function spread(rng: Prng, min: number, max: number, count: number): number[] {
  const values: number[] = [];
  while (values.length < count) {
    values.push(...rng.shuffle(Array.from({ length: max - min + 1 }, (_, i) => min + i)));
  }
  return values.slice(0, count);
}

function uniqueNames(rng: Prng, given: readonly string[], family: readonly string[], count: number) {
  const g = rng.shuffle(given);
  const f = rng.shuffle(family);
  return Array.from({ length: count }, (_, i) => ({ given: g[i % g.length]!, family: f[i % f.length]! }));
}

// --- dates --------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const msOf = (date: string) => Date.parse(`${date}T00:00:00Z`);
const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => isoOf(msOf(date) + days * DAY_MS);
const daysBetween = (a: string, b: string) => Math.round((msOf(b) - msOf(a)) / DAY_MS);
const minDate = (a: string, b: string) => (a < b ? a : b);
const maxDate = (a: string, b: string) => (a > b ? a : b);
const addYears = (date: string, years: number) =>
  `${Number(date.slice(0, 4)) + years}${date.slice(4)}`.replace('-02-29', '-02-28');

/** A day in [from, to], avoiding weekends (meetings and moves happen on school days). */
function dayBetween(rng: Prng, from: string, to: string, weekdaysOnly = false): string {
  let day = addDays(from, rng.int(0, Math.max(0, daysBetween(from, to))));
  if (weekdaysOnly) {
    const weekday = new Date(msOf(day)).getUTCDay();
    if (weekday === 6) day = addDays(day, day <= addDays(to, -2) ? 2 : -1);
    else if (weekday === 0) day = addDays(day, day <= addDays(to, -1) ? 1 : -2);
  }
  return day;
}

const at = (date: string, hhmm: string) => `${date}T${hhmm}:00Z`;
const ageOn = (dateOfBirth: string, date: string) =>
  Number(date.slice(0, 4)) - Number(dateOfBirth.slice(0, 4)) - (dateOfBirth.slice(5) > date.slice(5) ? 1 : 0);

interface Term {
  name: string;
  start: string;
  end: string;
  sessions: number;
}

/** The 2025/26 school year, with the sessions (half days) each term was open. */
const TERMS: Record<'england' | 'scotland', Term[]> = {
  england: [
    { name: 'autumn', start: '2025-09-03', end: '2025-12-19', sessions: 142 },
    { name: 'spring', start: '2026-01-05', end: '2026-03-27', sessions: 112 },
    { name: 'summer', start: '2026-04-13', end: '2026-07-17', sessions: 124 },
  ],
  scotland: [
    { name: 'autumn', start: '2025-08-13', end: '2025-12-19', sessions: 150 },
    { name: 'spring', start: '2026-01-06', end: '2026-03-27', sessions: 108 },
    { name: 'summer', start: '2026-04-13', end: '2026-06-26', sessions: 94 },
  ],
};

// --- names and places ------------------------------------------------------------------------------

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
const PREFERRED: Record<string, string> = {
  Oliver: 'Ollie',
  Jayden: 'Jay',
  Harvey: 'Harv',
  Esme: 'Essie',
  Nadia: 'Nad',
  Reuben: 'Reub',
};
const CARER_GIVEN = [
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
const CARER_FAMILY = [
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

type SchoolRef = { scheme: 'urn' | 'seed-code'; code: string; name: string };
const school = (key: OrgKey): SchoolRef => {
  const org = DEMO_ORGANISATIONS[key];
  return org.urn
    ? { scheme: 'urn', code: org.urn, name: org.name }
    : { scheme: 'seed-code', code: org.seedCode!, name: org.name };
};

/** Schools the records name that are not CELR organisations in the demo (most schools are not, yet). */
const OTHER_SCHOOLS = {
  northbridgeAcademy: { scheme: 'urn', code: '990003', name: 'Northbridge Academy' },
  eastmereVale: { scheme: 'urn', code: '990012', name: 'Eastmere Vale Primary' },
  harbourLane: { scheme: 'urn', code: '990014', name: 'Harbour Lane Primary' },
  millbrook: { scheme: 'urn', code: '990016', name: 'Millbrook Community School' },
  glenmorayAcademy: { scheme: 'seed-code', code: '5999012', name: 'Glenmoray Academy' },
  kilbrannan: { scheme: 'seed-code', code: '5999032', name: 'Kilbrannan Primary School' },
  strathmoray: { scheme: 'seed-code', code: '5999045', name: 'Strathmoray Primary School' },
} as const satisfies Record<string, SchoolRef>;

const NORTHBRIDGE = exampleAuthorities.england;
const EASTMERE = {
  scheme: 'la-code',
  code: DEMO_ORGANISATIONS.eastmere.laCode!,
  name: DEMO_ORGANISATIONS.eastmere.name,
} as const;
const GLENMORAY = exampleAuthorities.scotland;

/** The staff of each authority and school, by role: fictional, like everyone else here. */
const STAFF = {
  northbridge: {
    'social-worker': ['Priya Natarajan', 'Daniel Osei', 'Rebecca Hale', 'Tomasz Wisniewski', 'Grace Mensah'],
    'virtual-school-caseworker': ['Helen Adeyemi', 'Marcus Lowe', 'Sarah Quinlan'],
    'virtual-school-head': ['Dr Ruth Ambrose'],
    'independent-reviewing-officer': ['Alan Pryce', 'Fiona Grey'],
  },
  glenmoray: {
    'social-worker': ['Morag Sinclair', 'Iain Buchanan', 'Shona Reid', 'Calum Mackie'],
    'virtual-school-caseworker': ['Alison Kerr', 'Neil Brodie'],
    'virtual-school-head': ['Catherine Moffat'],
    'lead-professional': ['Gillian Rae', 'Martin Shaw'],
  },
  schools: {
    '990001': { lead: 'Tom Whitcombe', senco: 'Amina Yusuf' },
    '990002': { lead: 'Nadia Rahman', senco: 'Joanne Platt' },
    '990003': { lead: 'Gareth Lloyd', senco: 'Kerry Bishop' },
    '990012': { lead: 'Sue Abbott', senco: 'Ravi Sood' },
    '5999011': { lead: 'Euan Fraser', senco: '' },
    '5999012': { lead: 'Lorna Bain', senco: '' },
    '5999021': { lead: 'Kirsteen Lamont', senco: '' },
    '5999032': { lead: 'Donald Macrae', senco: '' },
  } as Record<string, { lead: string; senco: string }>,
} as const;

const email = (name: string, domain: string) =>
  `${name
    .toLowerCase()
    .replace(/^dr /, '')
    .replace(/[^a-z ]/g, '')
    .trim()
    .replace(/ +/g, '.')}@${domain}`;

// --- England ----------------------------------------------------------------------------------------

/** Year group in 2025/26 from age on 31 August 2025 (4 = Reception). */
const englandYearGroup = (ageOn31Aug: number) => (ageOn31Aug <= 4 ? 'R' : String(ageOn31Aug - 4));

function englandStory(
  rng: Prng,
  index: number,
  name: { given: string; family: string },
  age: number,
): DemoLearner {
  const [autumn, spring, summer] = TERMS.england as [Term, Term, Term];
  // Born between 1 September and 31 August of the cohort year.
  const dateOfBirth = dayBetween(rng, `${2025 - age - 1}-09-01`, `${2025 - age}-08-31`);
  const yearGroup = englandYearGroup(age);
  const year = yearGroup === 'R' ? 0 : Number(yearGroup);
  const secondary = year >= 7;
  const ageAtEnd = ageOn(dateOfBirth, DEMO_AS_OF);

  // Care status: most are looked after; some previously looked after; some 16-17s are care leavers.
  const status =
    ageAtEnd >= 16 && rng.chance(0.4)
      ? 'care-leaver'
      : rng.chance(0.15)
        ? 'previously-looked-after'
        : 'looked-after';
  const sinceFloor = maxDate(addDays(dateOfBirth, 30), '2016-09-01');
  const careStatus: Data = { status };
  let placementType: string | undefined;
  if (status === 'looked-after') {
    const combo = rng.weighted<readonly [string, readonly string[]]>([
      [['C2', ['U4', 'U6', 'U1', 'U4', 'K2', 'R1']], 6],
      [['C1', ['U3', 'U5', 'U6']], 2],
      [['V2', secondary ? ['U6', 'K2', 'S1'] : ['U6', 'U3']], 2],
      [['E1', ['A5', 'A6']], year <= 2 ? 2 : 0],
      [['C2', ['P1']], 1],
    ]);
    placementType = rng.pick(combo[1]);
    const since = dayBetween(rng, sinceFloor, addDays(DEMO_AS_OF, -200));
    Object.assign(careStatus, {
      legalStatus: combo[0],
      placementType,
      since,
      placementStart: dayBetween(rng, since, addDays(DEMO_AS_OF, -60)),
    });
  } else if (status === 'care-leaver') {
    careStatus.since = dayBetween(rng, addYears(dateOfBirth, 16), addDays(DEMO_AS_OF, -30));
  } else {
    careStatus.since = dayBetween(rng, sinceFloor, addDays(DEMO_AS_OF, -120));
  }

  // School: primary at Northbridge Primary (or, placed in Eastmere, Eastmere Vale); secondary at
  // Northbridge Academy, or at Eastmere Park Academy when placed out of authority.
  const placedInEastmere = rng.chance(0.4);
  const enrolledAt: SchoolRef = secondary
    ? placedInEastmere
      ? school('eastmerePark')
      : OTHER_SCHOOLS.northbridgeAcademy
    : placedInEastmere
      ? OTHER_SCHOOLS.eastmereVale
      : school('northbridgePrimary');
  const phaseStart = secondary
    ? `${2025 - (year - 7)}-09-0${year === 7 ? 3 : 4}`
    : `${2025 - year}-09-0${year === 0 ? 3 : 4}`;
  const transitions: Omit<TransitionInput, 'learnerId'>[] = [];

  // The story of the last year: a phase transfer, an in-year move, or a placement move.
  let startDate = phaseStart;
  const movedInYear = year !== 0 && year !== 7 && rng.chance(0.25);
  if (year === 7) {
    transitions.push(
      englandTransitionOf('phase-transfer-primary-secondary', {
        from: {
          school: rng.chance(0.6) ? school('northbridgePrimary') : OTHER_SCHOOLS.harbourLane,
          authority: NORTHBRIDGE,
        },
        to: { school: enrolledAt, authority: placedInEastmere ? EASTMERE : NORTHBRIDGE },
        plannedDate: autumn.start,
        actualDate: autumn.start,
        reason: 'Transfer to secondary school.',
        continuity: {
          daysWithoutSchoolPlace: 0,
          newPlaceConfirmedOn: '2025-03-03',
          planPassedOn: true,
          recordsPassedOn: true,
        },
        supportActions: [
          {
            description: 'Enhanced transition: three extra visits in the summer term.',
            ownerRole: 'designated-teacher',
            status: 'done',
            dueDate: '2025-07-11',
          },
        ],
      }),
    );
  } else if (year === 0) {
    transitions.push(
      englandTransitionOf('phase-transfer-early-years-primary', {
        to: { school: enrolledAt },
        plannedDate: autumn.start,
        actualDate: autumn.start,
        reason: 'Started Reception.',
        continuity: {
          daysWithoutSchoolPlace: 0,
          newPlaceConfirmedOn: '2025-04-16',
          planPassedOn: true,
          recordsPassedOn: true,
        },
      }),
    );
  } else if (movedInYear) {
    startDate = dayBetween(rng, '2025-10-06', '2026-03-13', true);
    const days = rng.pick([0, 0, 2, 5, 9, 15]);
    transitions.push(
      englandTransitionOf('in-year-school-move', {
        from: {
          school: secondary ? OTHER_SCHOOLS.millbrook : OTHER_SCHOOLS.harbourLane,
          authority: NORTHBRIDGE,
        },
        to: { school: enrolledAt, authority: placedInEastmere ? EASTMERE : NORTHBRIDGE },
        plannedDate: addDays(startDate, -days),
        actualDate: startDate,
        reason: placedInEastmere
          ? 'New foster placement in Eastmere; too far to travel to the old school.'
          : 'Move closer to the new placement.',
        continuity: {
          daysWithoutSchoolPlace: days,
          newPlaceConfirmedOn: addDays(startDate, -Math.max(days, 3)),
          planPassedOn: days < 10,
          recordsPassedOn: true,
        },
        supportActions: [
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
      }),
    );
  }
  if (
    placementType &&
    careStatus.placementStart &&
    careStatus.placementStart > '2025-09-01' &&
    rng.chance(0.7)
  ) {
    const move = String(careStatus.placementStart);
    const previous = rng.pick(['U6', 'U3', 'K2', 'U5'].filter((p) => p !== placementType));
    transitions.push(
      englandTransitionOf('placement-move', {
        from: { placementType: previous },
        to: { placementType },
        plannedDate: addDays(move, -rng.int(0, 21)),
        actualDate: move,
        reason: 'Planned move to a long-term placement.',
        reasonCode: rng.pick(['CARPL', 'CREQO', 'LAREQ']),
        continuity: { daysWithoutSchoolPlace: 0, planPassedOn: true, recordsPassedOn: true },
      }),
    );
  }
  if (transitions.length < 2 && year === 11) {
    transitions.push(
      englandTransitionOf('phase-transfer-secondary-post16', {
        from: { school: enrolledAt },
        plannedDate: summer.end,
        reason: 'College place for September confirmed; leaving school at the end of Year 11.',
        status: 'in-progress',
        continuity: { newPlaceConfirmedOn: '2026-06-12', planPassedOn: false, recordsPassedOn: false },
        supportActions: [
          {
            description: 'Pathway plan meeting with the college.',
            ownerRole: 'social-worker',
            status: 'open',
            dueDate: '2026-07-10',
          },
        ],
      }),
    );
  } else if (transitions.length === 0 && status === 'looked-after' && rng.chance(0.3)) {
    transitions.push(
      englandTransitionOf('placement-move', {
        from: { placementType },
        plannedDate: dayBetween(rng, '2026-03-02', '2026-06-26', true),
        reason: 'Proposed move to a kinship placement; cancelled after assessment.',
        status: 'cancelled',
      }),
    );
  }

  const setting = secondary
    ? rng.weighted([
        ['full-time', 14],
        ['part-time', 2],
        ['alternative-provision', 2],
      ] as const)
    : rng.weighted([
        ['full-time', 9],
        ['part-time', 1],
      ] as const);
  const sen = rng.weighted([
    ['N', 5],
    ['K', 4],
    ['E', 2],
  ] as const);
  const contacts = englandContacts(rng, status, enrolledAt, placementType);
  const staff = STAFF.schools[enrolledAt.code]!;
  const caseworker = contacts.find((c) => c.role === 'virtual-school-caseworker')!.name;
  const socialWorker = contacts.find((c) => c.role === 'social-worker')?.name;

  const upnBody = `${NORTHBRIDGE.code}1234${String(2025 - age + 4).slice(2)}${String(101 + index).padStart(3, '0')}`;
  const learner = compact({
    ...englandLearner,
    name: { ...name, preferred: rng.chance(0.5) ? PREFERRED[name.given] : undefined },
    dateOfBirth,
    identifiers: [
      { system: 'upn', value: upnCheckLetter(`X${upnBody}`) + upnBody },
      { system: `la-child-id:${NORTHBRIDGE.code}`, value: `NB-${String(5101 + index * 7).padStart(6, '0')}` },
      ...(rng.chance(0.5) ? [{ system: 'mis:example-mis', value: `STU-${90_100 + index * 37}` }] : []),
    ],
    careStatus,
    responsibleAuthority: NORTHBRIDGE,
    hostAuthority: placedInEastmere ? EASTMERE : undefined,
    enrolment: {
      school: enrolledAt,
      startDate,
      yearGroup,
      setting,
      hoursPerWeek: setting === 'full-time' ? undefined : rng.pick([12, 15, 18, 20]),
    },
    additionalNeeds: {
      status: sen,
      primaryNeed: sen === 'N' ? undefined : rng.pick(NEEDS),
      notes: sen === 'E' ? 'Works best with a consistent adult and a visual timetable.' : undefined,
    },
    attendance: attendanceOf(rng, 'england', startDate, 'School MIS'),
    exclusions: secondary && rng.chance(0.25) ? [englandSuspension(rng, dateOfBirth)] : undefined,
    attainment: englandAttainment(rng, year, dateOfBirth),
    contacts,
    views: rng.chance(0.7)
      ? [
          {
            recordedOn: dayBetween(rng, '2026-04-20', '2026-07-10', true),
            text: rng.pick(CHILD_VIEWS),
            how: rng.pick(['In the PEP meeting', 'With the designated teacher', 'Through an advocate']),
          },
        ]
      : undefined,
  }) as LearnerInput;

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
      const iro = rng.pick(STAFF.northbridge['independent-reviewing-officer']);
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

  return { authority: 'northbridge', learner, plans, meetings, transitions };
}

function englandTransitionOf(type: string, fields: Data): Omit<TransitionInput, 'learnerId'> {
  const {
    learnerId: _l,
    from: _f,
    to: _t,
    continuity: _c,
    supportActions: _s,
    reason: _r,
    plannedDate: _p,
    actualDate: _a,
    ...base
  } = englandTransition;
  return compact({ ...base, type, status: 'completed', ...fields }) as Omit<TransitionInput, 'learnerId'>;
}

function englandContacts(
  rng: Prng,
  status: string,
  enrolledAt: SchoolRef,
  placementType: string | undefined,
) {
  const nb = STAFF.northbridge;
  const lead = STAFF.schools[enrolledAt.code]!.lead;
  const contacts: { role: string; name: string; organisation?: SchoolRef; email?: string; phone?: string }[] =
    [];
  if (status !== 'previously-looked-after') {
    const sw = rng.pick(nb['social-worker']);
    contacts.push({ role: 'social-worker', name: sw, email: email(sw, 'northbridge.example') });
  }
  contacts.push({ role: 'designated-teacher', name: lead, organisation: enrolledAt });
  contacts.push({
    role: 'virtual-school-caseworker',
    name: rng.pick(nb['virtual-school-caseworker']),
    phone: `01632 960${rng.int(100, 999)}`,
  });
  if (placementType?.startsWith('U') || placementType?.startsWith('A')) {
    contacts.push({
      role: 'carer',
      name: `${rng.pick(CARER_GIVEN)} and ${rng.pick(CARER_GIVEN)} ${rng.pick(CARER_FAMILY)}`,
    });
  } else if (placementType === 'K2' || placementType === 'R1') {
    contacts.push({ role: 'carer', name: `${rng.pick(CARER_GIVEN)} ${rng.pick(CARER_FAMILY)} (key worker)` });
  } else if (status === 'previously-looked-after') {
    contacts.push({
      role: 'parent',
      name: `${rng.pick(CARER_GIVEN)} ${rng.pick(CARER_FAMILY)} (adoptive parent)`,
    });
  }
  return contacts;
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
  const date = dayBetween(rng, addDays(term.start, 7), addDays(term.end, -10), true);
  const held = status === 'held';
  return compact({
    ...base,
    status,
    scheduledFor: at(date, rng.pick(['09:00', '11:00', '14:00', '15:30'])),
    durationMinutes: held ? rng.pick([45, 60, 75]) : undefined,
    mode: rng.pick(['in-person', 'in-person', 'video', 'hybrid'] as const),
    attendees: [
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
    childParticipation: held
      ? { how: rng.pick(['attended', 'attended-part', 'views-shared-in-advance'] as const) }
      : undefined,
    summary: held ? rng.pick(MEETING_SUMMARIES) : undefined,
    decisions: held ? [rng.pick(DECISIONS)] : undefined,
    actions: held
      ? [
          {
            description: rng.pick(ACTIONS),
            ownerRole: 'designated-teacher',
            dueDate: minDate(addDays(date, 21), DEMO_AS_OF),
            status: 'open',
          },
        ]
      : undefined,
    nextMeetingDue: held ? undefined : minDate(addDays(date, 14), DEMO_AS_OF),
  }) as Omit<MeetingInput, 'learnerId' | 'planId'>;
}

function englandSuspension(rng: Prng, dateOfBirth: string) {
  return {
    type: 'SUSP',
    startDate: maxDate(dayBetween(rng, '2025-09-15', '2026-06-30', true), dateOfBirth),
    sessions: rng.int(1, 6),
    reason: rng.pick([
      'Persistent disruptive behaviour',
      'Verbal abuse against an adult',
      'Physical assault against a pupil',
    ]),
  };
}

function englandAttainment(rng: Prng, year: number, dateOfBirth: string) {
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

// --- Scotland ---------------------------------------------------------------------------------------

/** Stage in session 2025/26: 0 = ELC, 1-7 = P1-P7, 8-13 = S1-S6. */
const scotlandStageCode = (n: number) => (n === 0 ? 'ELC' : n <= 7 ? `P${n}` : `S${n - 7}`);

function scotlandStory(
  rng: Prng,
  index: number,
  name: { given: string; family: string },
  stage: number,
): DemoLearner {
  const [autumn, , summer] = TERMS.scotland as [Term, Term, Term];
  // Children born between March of one year and February of the next start P1 together;
  // P1 in August 2025 is the cohort born March 2020 - February 2021.
  const cohort = 2020 - (stage - 1);
  const dateOfBirth = dayBetween(rng, `${cohort}-03-01`, `${cohort + 1}-02-28`);
  const yearGroup = scotlandStageCode(stage);
  const secondary = stage >= 8;
  const ageAtEnd = ageOn(dateOfBirth, DEMO_AS_OF);

  const status =
    ageAtEnd >= 16 && rng.chance(0.4)
      ? 'care-leaver'
      : rng.chance(0.15)
        ? 'care-experienced'
        : 'looked-after';
  const careStatus: Data = { status };
  let placementType: string | undefined;
  const sinceFloor = maxDate(addDays(dateOfBirth, 30), '2016-08-15');
  if (status === 'looked-after') {
    const combo = rng.weighted<readonly [string, readonly string[]]>([
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
    ]);
    placementType = rng.pick(combo[1]);
    const since = dayBetween(rng, sinceFloor, addDays(DEMO_AS_OF, -200));
    Object.assign(careStatus, {
      legalStatus: combo[0],
      placementType,
      since,
      ...(placementType === 'at-home-with-parents'
        ? {}
        : { placementStart: dayBetween(rng, since, addDays(DEMO_AS_OF, -60)) }),
    });
  } else if (status === 'care-leaver') {
    careStatus.since = dayBetween(rng, addYears(dateOfBirth, 16), addDays(DEMO_AS_OF, -30));
  } else {
    careStatus.since = dayBetween(rng, sinceFloor, addDays(DEMO_AS_OF, -120));
  }

  const elsewhere = rng.chance(0.3);
  const enrolledAt: SchoolRef = secondary
    ? elsewhere
      ? OTHER_SCHOOLS.glenmorayAcademy
      : school('glenmorayHigh')
    : elsewhere
      ? OTHER_SCHOOLS.kilbrannan
      : school('glenmorayPrimary');
  const phaseStart = secondary
    ? `${2025 - (stage - 8)}-08-1${stage === 8 ? 3 : 4}`
    : `${2025 - Math.max(stage - 1, 0)}-08-1${stage <= 1 ? 3 : 4}`;
  let startDate = phaseStart;
  const transitions: Omit<TransitionInput, 'learnerId'>[] = [];
  const lead = STAFF.schools[enrolledAt.code]!.lead;
  const gm = STAFF.glenmoray;

  if (stage === 8) {
    transitions.push(
      scotlandTransitionOf('phase-transfer-primary-secondary', {
        from: { school: rng.chance(0.6) ? school('glenmorayPrimary') : OTHER_SCHOOLS.strathmoray },
        to: { school: enrolledAt },
        plannedDate: autumn.start,
        actualDate: autumn.start,
        reason: 'Move to secondary school with the rest of P7.',
        continuity: {
          daysWithoutSchoolPlace: 0,
          newPlaceConfirmedOn: '2025-02-14',
          planPassedOn: true,
          recordsPassedOn: true,
        },
        supportActions: [
          {
            description: 'Extra transition days in June with a trusted adult.',
            ownerRole: 'designated-manager',
            status: 'done',
            dueDate: '2025-06-13',
          },
        ],
      }),
    );
  } else if (stage === 1) {
    transitions.push(
      scotlandTransitionOf('phase-transfer-early-years-primary', {
        to: { school: enrolledAt },
        plannedDate: autumn.start,
        actualDate: autumn.start,
        reason: 'Started P1.',
        continuity: { daysWithoutSchoolPlace: 0, planPassedOn: true, recordsPassedOn: true },
      }),
    );
  } else if (stage > 1 && rng.chance(0.25)) {
    startDate = dayBetween(rng, '2025-09-22', '2026-03-06', true);
    const days = rng.pick([0, 0, 3, 6, 12]);
    transitions.push(
      scotlandTransitionOf('in-year-school-move', {
        from: {
          school: secondary
            ? enrolledAt.code === '5999011'
              ? OTHER_SCHOOLS.glenmorayAcademy
              : school('glenmorayHigh')
            : enrolledAt.code === '5999021'
              ? OTHER_SCHOOLS.strathmoray
              : school('glenmorayPrimary'),
        },
        to: { school: enrolledAt },
        plannedDate: addDays(startDate, -days),
        actualDate: startDate,
        reason: 'New kinship placement across the council area.',
        continuity: {
          daysWithoutSchoolPlace: days,
          newPlaceConfirmedOn: addDays(startDate, -Math.max(days, 2)),
          planPassedOn: days < 10,
          recordsPassedOn: true,
        },
      }),
    );
  }
  if (
    placementType &&
    careStatus.placementStart &&
    String(careStatus.placementStart) > '2025-08-01' &&
    transitions.length < 2 &&
    rng.chance(0.6)
  ) {
    const move = String(careStatus.placementStart);
    transitions.push(
      scotlandTransitionOf('placement-move', {
        from: {
          placementType: rng.pick(
            ['with-foster-carers-provided-by-la', 'crisis-care', 'local-authority-home'].filter(
              (p) => p !== placementType,
            ),
          ),
        },
        to: { placementType },
        plannedDate: addDays(move, -rng.int(0, 14)),
        actualDate: move,
        reason: "Move to a longer-term placement agreed at the Children's Hearing.",
        continuity: { daysWithoutSchoolPlace: 0, planPassedOn: true, recordsPassedOn: true },
      }),
    );
  }
  if (transitions.length < 2 && (yearGroup === 'S4' || yearGroup === 'S5') && rng.chance(0.6)) {
    transitions.push(
      scotlandTransitionOf('phase-transfer-secondary-post16', {
        from: { school: enrolledAt },
        plannedDate: summer.end,
        reason: 'Leaving school for a college course in August.',
        status: 'in-progress',
        continuity: { newPlaceConfirmedOn: '2026-05-29', planPassedOn: false, recordsPassedOn: false },
      }),
    );
  }

  const setting = secondary
    ? rng.weighted([
        ['full-time', 12],
        ['part-time', 3],
        ['alternative-provision', 1],
      ] as const)
    : rng.weighted([
        ['full-time', 9],
        ['part-time', 1],
      ] as const);
  const asn = rng.weighted([
    ['no-asn', 3],
    ['asn-no-plan', 3],
    ['asn-with-childs-plan', 2],
    ['asn-with-iep', 2],
    ['asn-with-csp', 1],
  ] as const);
  const socialWorker = status === 'care-experienced' ? undefined : rng.pick(gm['social-worker']);
  const caseworker = rng.pick(gm['virtual-school-caseworker']);
  const contacts = compact(
    [
      socialWorker
        ? { role: 'social-worker', name: socialWorker, email: email(socialWorker, 'glenmoray.example') }
        : undefined,
      { role: 'designated-manager', name: lead, organisation: enrolledAt },
      { role: 'virtual-school-caseworker', name: caseworker },
      placementType &&
      placementType !== 'at-home-with-parents' &&
      placementType !== 'residential-school' &&
      placementType !== 'local-authority-home'
        ? {
            role: 'carer',
            name: `${rng.pick(CARER_GIVEN)} ${rng.pick(CARER_FAMILY)}${placementType === 'with-friends-relatives' ? ' (aunt)' : ''}`,
          }
        : undefined,
      rng.chance(0.4) ? { role: 'lead-professional', name: rng.pick(gm['lead-professional']) } : undefined,
    ].filter((c) => c !== undefined),
  );

  const learner = compact({
    ...scotlandLearner,
    name: { ...name, preferred: undefined },
    dateOfBirth,
    identifiers: [
      ...(stage >= 1 ? [{ system: 'scn', value: String(210_000_000 + index * 104_729 + stage) }] : []),
      { system: `la-child-id:${GLENMORAY.code}`, value: `GM-${2201 + index * 3}` },
      ...(rng.chance(0.4) ? [{ system: 'epep:example-epep', value: `EP-${7000 + index}` }] : []),
    ],
    careStatus,
    responsibleAuthority: GLENMORAY,
    enrolment: {
      school: enrolledAt,
      startDate,
      yearGroup,
      setting,
      hoursPerWeek: setting === 'full-time' ? undefined : rng.pick([10, 15, 18, 22]),
    },
    additionalNeeds: asn === 'no-asn' ? undefined : { status: asn, primaryNeed: rng.pick(NEEDS) },
    attendance: stage >= 1 ? attendanceOf(rng, 'scotland', startDate, 'SEEMiS') : undefined,
    exclusions:
      secondary && rng.chance(0.2)
        ? [
            {
              type: 'temporary-exclusion',
              startDate: dayBetween(rng, '2025-09-01', '2026-06-12', true),
              sessions: rng.int(1, 4),
              reason: 'Violence towards another pupil',
            },
          ]
        : undefined,
    attainment: scotlandAttainment(rng, stage),
    contacts,
    views: rng.chance(0.6)
      ? [
          {
            recordedOn: dayBetween(rng, '2026-03-02', '2026-06-19', true),
            text: rng.pick(CHILD_VIEWS),
            how: rng.pick([
              "At the child's plan meeting",
              'With an advocate from Who Cares? Scotland',
              'Using a "My World" triangle',
            ]),
          },
        ]
      : undefined,
  }) as LearnerInput;

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
  const held = rng.chance(0.8);
  meetings.push({
    planIndex: 0,
    meeting: compact({
      ...meetingBase,
      status: held ? 'held' : 'postponed',
      scheduledFor: at(planMeetingDate, rng.pick(['09:30', '10:00', '13:00', '15:00'])),
      durationMinutes: held ? 60 : undefined,
      mode: rng.pick(['in-person', 'video', 'hybrid'] as const),
      attendees: [
        { role: 'designated-manager', name: lead, attendance: held ? 'attended' : 'invited' },
        ...(socialWorker
          ? [{ role: 'social-worker', name: socialWorker, attendance: held ? 'attended' : 'invited' }]
          : []),
        { role: 'carer', attendance: held ? rng.pick(['attended', 'apologies'] as const) : 'invited' },
        { role: 'named-person', attendance: held ? 'attended' : 'invited' },
      ],
      childParticipation: held
        ? { how: rng.pick(['attended', 'through-advocate', 'views-shared-in-advance'] as const) }
        : undefined,
      summary: held ? "Child's plan reviewed using the wellbeing indicators (SHANARRI)." : undefined,
      decisions: held ? [rng.pick(DECISIONS)] : undefined,
      actions: held
        ? [
            {
              description: rng.pick(ACTIONS),
              ownerRole: 'designated-manager',
              dueDate: minDate(addDays(planMeetingDate, 28), DEMO_AS_OF),
              status: 'open',
            },
          ]
        : undefined,
      nextMeetingDue: held ? undefined : minDate(addDays(planMeetingDate, 21), DEMO_AS_OF),
    }) as MeetingInput,
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

  return { authority: 'glenmoray', learner, plans, meetings, transitions };
}

function scotlandTransitionOf(type: string, fields: Data): Omit<TransitionInput, 'learnerId'> {
  const { learnerId: _l, from: _f, plannedDate: _p, reason: _r, ...base } = scotlandTransition;
  return compact({ ...base, type, status: 'completed', ...fields }) as Omit<TransitionInput, 'learnerId'>;
}

function scotlandAttainment(rng: Prng, stage: number) {
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

// --- shared by both nations --------------------------------------------------------------------------

function transitionMeeting(
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
function attendanceOf(rng: Prng, jurisdiction: 'england' | 'scotland', startDate: string, source: string) {
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

function target(
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
const PROVISION: [string, number][] = [
  ['One-to-one maths tuition, one hour a week', 60_000],
  ['Small-group reading intervention', 35_000],
  ['Emotional literacy support (ELSA) sessions', 40_000],
  ['Laptop for homework and revision', 45_000],
  ['Music lessons (drums), weekly', 28_000],
];
const NEEDS = [
  'Speech, language and communication needs',
  'Social, emotional and mental health',
  'Specific learning difficulty',
  'Moderate learning difficulty',
  'Autistic spectrum disorder',
];
const CHILD_VIEWS = [
  'I like science club. Maths is hard when it is noisy.',
  'I want to be a vet. I like it when my carer helps with reading.',
  'School is OK. I do not like changing teachers.',
  'I want to stay at this school.',
  'Football at lunch is the best bit. I need help with spellings.',
  'I get worried in big assemblies.',
  'I want to go to college and do mechanics.',
];
const CARER_VIEWS = [
  'Homework is calmer since the quiet space.',
  'Reading at home every night now; bedtime is easier.',
  'Mornings are still hard; the breakfast club helps.',
];
const ACTIONS = [
  'Arrange a quiet space for homework at school.',
  'Set up a daily check-in with a key adult.',
  'Book tuition for the next term.',
  'Share the one-page profile with all subject teachers.',
];
const MEETING_SUMMARIES = [
  'Good progress in reading; tuition to continue.',
  'Settled well after the move; attendance improving.',
  'Attendance has dipped; agreed a plan with the carer.',
  'Targets mostly met; new targets set for next term.',
];
const DECISIONS = [
  'Continue tuition into next term.',
  'Refer to the educational psychologist.',
  'Keep the part-time timetable under weekly review.',
  'Use PP+ for a mentor for the rest of the year.',
];

/** The value without `undefined` members, as JSON would store it. */
function compact<T>(value: T): T {
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
