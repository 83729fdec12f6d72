/**
 * Demo data for `npm start`: fictional authorities, schools and a vendor (organisations.ts), one API
 * client each with a fixed, documented secret (clients.ts), and fifty learners with plans, meetings
 * and transitions (dataset.ts; England's and Scotland's learners are one story told in each nation's
 * words, stories/).
 *
 * Everything here is invented; names come from fixed lists. The data is generated from a seeded PRNG,
 * so every fresh database gets the same records (only the server-assigned ids and timestamps differ),
 * and every date is on or before DEMO_AS_OF, the last day of the 2025/26 school year in England.
 *
 * Records are written set-based, a block per authority and kind, by the bulk import's writer
 * (RecordStore.createBlock: versions, identifiers, access grants, change feed, alerts and audit events
 * as RecordService writes them), in one transaction: a failure leaves the database as it was.
 * Loading again when the demo organisations exist creates nothing.
 */
import { randomUUID } from 'node:crypto';
import { exampleTermDates, RECORD_KINDS, type RecordKind } from '@celr/schema';
import { AuditTrail } from '../audit/audit-trail.js';
import type { Caller } from '../auth/caller.js';
import { ComplianceSettings } from '../compliance-settings/service.js';
import { type Database, sqlThrough } from '../db/database.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { type NewRecord, RecordStore } from '../records/store/index.js';
import { createDemoClients, type DemoClient, existingDemoClients } from './clients.js';
import { type DemoDataset, generateDemoDataset } from './dataset.js';
import {
  createDemoDelegations,
  createDemoOrganisations,
  DEMO_ORGANISATIONS,
  demoExists,
} from './organisations.js';

export { DEMO_CLIENTS, type DemoClient } from './clients.js';
export { type DemoDataset, type DemoLearner, generateDemoDataset } from './dataset.js';
export { DEMO_AS_OF } from './dates.js';
export { DEMO_ORGANISATIONS } from './organisations.js';

export interface DemoResult {
  clients: DemoClient[];
  learners: number;
  plans: number;
  meetings: number;
  transitions: number;
  /** False when the demo organisations already existed and nothing was written. */
  created: boolean;
}

/**
 * Loads the demo organisations, clients and records into the database unless they are there
 * already. Idempotent: on a restart with the same data it writes nothing and returns the demo
 * clients that still accept their demo secret, with counts from the database.
 */
export async function loadDemo(
  prisma: PrismaClient,
  options: {
    log?: (message: string) => void;
    /**
     * The database's direct queries (Database.sql) for the check at every start; by default the same
     * SQL goes through `prisma`. On PostgreSQL this keeps a start with the demo already loaded free of
     * Prisma queries (organisations.ts, demoExists, says why that matters).
     */
    sql?: Database['sql'];
  } = {},
): Promise<DemoResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const sql = options.sql ?? sqlThrough(prisma);
  const ms = () => Math.round(performance.now() - started);

  if (await demoExists(sql)) {
    const result = await existingDemo(sql);
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
    if (isUniqueViolation(error) && (await demoExists(sql))) {
      const result = await existingDemo(sql);
      log(`demo data: loaded by another process (${summary(result)}); nothing created in ${ms()} ms`);
      return result;
    }
    throw error;
  }

  const result: DemoResult = { clients, ...(await countRecords(sql)), created: true };
  log(
    `demo data: ${summary(result)}, ${Object.keys(DEMO_ORGANISATIONS).length} organisations and ${clients.length} API clients created in ${ms()} ms`,
  );
  return result;
}

const summary = (r: Omit<DemoResult, 'clients' | 'created'>) =>
  `${r.learners} learners, ${r.plans} plans, ${r.meetings} meetings, ${r.transitions} transitions`;

/** The demo clients that still accept their demo secret, with counts from the database. */
async function existingDemo(sql: Database['sql']): Promise<DemoResult> {
  const [clients, counts] = await Promise.all([existingDemoClients(sql), countRecords(sql)]);
  return { clients, ...counts, created: false };
}

/** Live records owned by the demo authorities, by kind. */
async function countRecords(sql: Database['sql']) {
  const rows = await sql<{ kind: string; n: number }>(
    `SELECT r.kind, count(*)::int AS n
       FROM record r JOIN organisation o ON o.id = r.owner_id
      WHERE o.kind = 'local-authority' AND o.la_code = ANY($1::text[]) AND r.deleted_at IS NULL
      GROUP BY r.kind`,
    [[DEMO_ORGANISATIONS.northbridge.laCode!, DEMO_ORGANISATIONS.glenmoray.laCode!]],
  );
  const count = (kind: RecordKind) => Number(rows.find((r) => r.kind === kind)?.n ?? 0);
  return {
    learners: count('learner'),
    plans: count('plan'),
    meetings: count('meeting'),
    transitions: count('transition'),
  };
}

async function writeDemo(db: PrismaClient, dataset: DemoDataset): Promise<DemoClient[]> {
  const ids = await createDemoOrganisations(db);
  const clients = await createDemoClients(db, ids);
  await createDemoDelegations(db, ids);

  // Set-based: each authority's records of each kind are one block (RecordStore.createBlock, the bulk
  // import's writer: the same rows, table by table, as RecordService.create for each record), a few
  // statements per block instead of a dozen per record. What RecordService.create checks first holds by
  // construction: the dataset is validated, each learner's responsible authority is the caller, and
  // each plan, meeting and transition is written by the authority that owns its learner. Ids are
  // assigned here, as RecordService.create assigns them, so that a meeting can name its plan's.
  const store = new RecordStore(new AuditTrail(sqlThrough(db)));
  const blocks = new Map<DemoAuthority, Record<RecordKind, NewRecord[]>>();
  for (const story of dataset.learners) {
    const ownerId = ids[story.authority];
    let block = blocks.get(story.authority);
    if (!block) {
      block = { learner: [], plan: [], meeting: [], transition: [] };
      blocks.set(story.authority, block);
    }
    const learnerId = randomUUID();
    const add = (kind: RecordKind, data: Data, id: string = randomUUID()) => {
      block[kind].push({ kind, id, learnerId, ownerId, data });
      return id;
    };
    add('learner', story.learner as Data, learnerId);
    const planIds = story.plans.map((plan) => add('plan', { ...plan, learnerId }));
    for (const { planIndex, meeting } of story.meetings) {
      const planId = planIndex === undefined ? undefined : planIds[planIndex];
      add('meeting', { ...meeting, learnerId, ...(planId ? { planId } : {}) });
    }
    for (const transition of story.transitions) add('transition', { ...transition, learnerId });
  }
  for (const [authority, block] of blocks) {
    const caller = seedCaller(ids[authority]);
    for (const kind of RECORD_KINDS) await store.createBlock(db, caller, kind, block[kind]);
  }
  // Northbridge's term dates, so that its report assesses the termly PEP review too. Its policy
  // stays England's default.
  await new ComplianceSettings(db).replace(
    { admin: { requestId: 'demo-seed:term-dates' } },
    ids.northbridge,
    'term-dates',
    exampleTermDates,
  );
  return clients;
}

type DemoAuthority = DemoDataset['learners'][number]['authority'];
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
