/**
 * What the runs need in the bench's database: an English local authority with an API client, and
 * the learners the HTTP runs read and list, loaded through the service layer (RecordService).
 */
import { validate } from '@celr/schema';
import { createClient, createOrganisation } from '../../src/admin/organisations.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import type { Caller } from '../../src/auth/caller.js';
import { type Database, sqlThrough } from '../../src/db/database.js';
import { syntheticLearner } from '../../src/demo/cohort.js';
import { RecordService } from '../../src/records/record-service.js';
import { HTTP_RUNS, LEARNERS, log } from './options.js';

export interface BenchSetup {
  pgVersion: string;
  org: { id: string };
  client: { clientId: string; secret: string };
  /** The learners loaded, in a shuffled order. */
  ids: string[];
  /** How many were loaded: the numbers of the learners `create` makes start after them. */
  seeded: number;
}

export async function setUp(db: Database): Promise<BenchSetup> {
  const { prisma } = db;
  const pgVersion =
    (await prisma.$queryRawUnsafe<{ server_version: string }[]>('SHOW server_version'))[0]?.server_version ??
    '?';
  const org = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: 'Northbridge Borough Council',
    jurisdiction: 'england',
    laCode: '990',
  });
  const client = await createClient(prisma, { organisationId: org.id, name: 'bench client' });
  const caller: Caller = {
    clientId: client.clientId,
    organisationId: org.id,
    organisationKind: 'local-authority',
    actingForId: org.id,
    actingForKind: 'local-authority',
    scopes: new Set(client.scopes),
    requestId: 'bench-seed',
  };

  const invalid = validate('learner', syntheticLearner(0));
  if (!invalid.ok) throw new Error(`The generated learner is not valid: ${JSON.stringify(invalid.issues)}`);
  const service = new RecordService(prisma, new AuditTrail(sqlThrough(prisma)), sqlThrough(prisma));
  const ids: string[] = [];
  const seedStarted = performance.now();
  // The HTTP runs read and list these; the bulk phase imports learners of its own.
  const seeded = HTTP_RUNS.length ? LEARNERS : 0;
  await mapLimit(
    Array.from({ length: seeded }, (_, n) => n),
    8,
    async (n) => {
      const body = syntheticLearner(n);
      const check = validate('learner', body);
      if (!check.ok) throw new Error(`Learner ${n} is not valid: ${JSON.stringify(check.issues)}`);
      const result = await service.create('learner', { ...caller, requestId: `bench-seed-${n}` }, body);
      ids.push((result.body as { id: string }).id);
    },
  );
  await prisma.$executeRawUnsafe('VACUUM ANALYZE');
  log(
    `${seeded} learners loaded through RecordService in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (PostgreSQL ${pgVersion})`,
  );
  shuffle(ids);
  return { pgVersion, org, client, ids, seeded };
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
