import { englandLearner, englandPlan } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createOrganisation } from '../src/admin/organisations.js';
import { buildApp } from '../src/app.js';
import { configFromEnv } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../src/db/test-database.js';

/**
 * Every list filter must be served by an index, or lists slow down as an authority's caseload
 * grows. With sequential scans disabled the planner uses an index whenever one can serve the
 * query, so a "Seq Scan" on a record table in the plan means no index can.
 */
interface QueryEvent {
  query: string;
  params: string;
}

let testDb: TestDatabase;
let db: Database;
let app: Awaited<ReturnType<typeof buildApp>>;
let token: string;
const queries: QueryEvent[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ url: testDb.url, memory: true, log: [{ emit: 'event', level: 'query' }] });
  await db.migrate();
  (db.prisma as unknown as { $on(e: 'query', f: (e: QueryEvent) => void): void }).$on('query', (e) =>
    queries.push(e),
  );
  // The hottest statements skip Prisma on PostgreSQL (Database.sql): recorded here too.
  const sql = db.sql;
  db.sql = (text, params) => {
    queries.push({ query: text, params: JSON.stringify(params) });
    return sql(text, params);
  };
  app = await buildApp({
    db,
    config: configFromEnv({}),
  });
  const la = await createOrganisation(db.prisma, {
    kind: 'local-authority',
    name: 'LA',
    jurisdiction: 'england',
    laCode: '990',
  });
  const client = await createClient(db.prisma, { organisationId: la.id, name: 'c' });
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret },
  });
  token = res.json().access_token;
  const learner = await app.inject({
    method: 'POST',
    url: '/v1/learners',
    headers: { authorization: `Bearer ${token}` },
    payload: englandLearner,
  });
  await app.inject({
    method: 'POST',
    url: '/v1/plans',
    headers: { authorization: `Bearer ${token}` },
    payload: { ...englandPlan, learnerId: learner.json().id },
  });
});
afterAll(async () => {
  await app?.close();
  await db?.close();
  await testDb?.drop();
});

async function planOf(url: string): Promise<string> {
  queries.length = 0;
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode, res.body).toBe(200);
  const list = queries.find(
    (q) =>
      /^SELECT/i.test(q.query) && /FROM ("public"\.)?"?record"?\s/.test(q.query) && /ORDER BY/i.test(q.query),
  );
  expect(list, `no list query captured for ${url}`).toBeDefined();
  const params = JSON.parse(list!.params) as unknown[];
  return db.prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
    const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${list!.query}`, ...params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe('list queries use indexes', () => {
  // Each list, and the column its filter must find through an index condition (not a row filter).
  const lists: [string, RegExp][] = [
    ['/v1/learners', /Index Cond: \(kind = /],
    [
      '/v1/learners?updatedSince=2020-01-01T00:00:00Z',
      /Index Cond: \(\(kind = 'learner'::text\) AND \(updated_at >= /,
    ],
    ['/v1/learners?status=looked-after', /Index Cond: \(\(kind = 'learner'::text\) AND \(status = /],
    ['/v1/learners?identifier=upn%7CC990123424001', /Index Cond: .*system = 'upn'::text\) AND \(value = /],
    ['/v1/plans?type=pep', /Index Cond: \(\(kind = 'plan'::text\) AND \(type = /],
    ['/v1/plans?status=active', /Index Cond: \(\(kind = 'plan'::text\) AND \(status = /],
    [
      '/v1/plans?learner=0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10',
      /Index Cond: \(\(kind = 'plan'::text\) AND \(learner_id = /,
    ],
  ];
  it.each(lists)('%s', async (url, indexCondition) => {
    const plan = await planOf(url);
    expect(plan, plan).not.toMatch(/Seq Scan on (record|learner_access|learner_identifier)\b/);
    expect(plan, plan).toMatch(indexCondition);
    // Visibility is checked through the (organisation, learner) index of access grants.
    expect(plan, plan).toMatch(/Index (Only )?Scan using learner_access_organisation_id_learner_id_idx/);
  });
});
