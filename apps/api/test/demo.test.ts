import { englandLearner, type RecordKind, scotlandLearner, validate } from '@celr/schema';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSecret } from '../src/admin/organisations.js';
import { buildApp } from '../src/app.js';
import { hashSecret, verifySecret } from '../src/auth/secrets.js';
import { configFromEnv } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../src/db/test-database.js';
import {
  DEMO_AS_OF,
  DEMO_CLIENTS,
  type DemoResult,
  generateDemoDataset,
  loadDemo,
} from '../src/demo/seed.js';
import { present } from '../src/records/representation.js';

let testDb: TestDatabase;
let db: Database;
let app: FastifyInstance;
let first: DemoResult;
let firstMs: number;
const logged: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ url: testDb.url, memory: true, poolSize: 5 });
  await db.migrate();
  app = await buildApp({
    db,
    config: configFromEnv({}),
  });
  await app.ready();
  const started = performance.now();
  first = await loadDemo(db.prisma, { log: (m) => logged.push(m) });
  firstMs = performance.now() - started;
});
afterAll(async () => {
  await app?.close();
  await db?.close();
  await testDb?.drop();
});

/** A token for a demo client, asked for as curl sends it: a form-encoded body. */
async function tokenFor(clientId: string, secret: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&client_secret=${encodeURIComponent(secret)}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token as string;
}

const demoSecret = (clientId: string) => DEMO_CLIENTS.find((c) => c.clientId === clientId)!.secret;

async function listLearners(token: string, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method: 'GET',
    url: '/v1/learners?limit=200',
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return res;
}

const orgId = async (laCode: string) =>
  (await db.prisma.organisation.findFirstOrThrow({ where: { kind: 'local-authority', laCode } })).id;

describe('loadDemo into an empty database', () => {
  it('creates about fifty learners with plans, meetings and transitions', async () => {
    expect(first.created).toBe(true);
    expect(first.learners).toBe(50);
    expect(first.plans).toBeGreaterThanOrEqual(first.learners);
    expect(first.plans).toBeLessThanOrEqual(2 * first.learners);
    expect(first.meetings).toBeGreaterThanOrEqual(first.learners);
    expect(first.meetings).toBeLessThanOrEqual(3 * first.learners);
    expect(first.transitions).toBeGreaterThan(0);
    expect(first.transitions).toBeLessThanOrEqual(2 * first.learners);
    console.info(
      `demo (${db.kind}): ${first.learners} learners, ${first.plans} plans, ${first.meetings} meetings, ${first.transitions} transitions in ${Math.round(firstMs)} ms`,
    );
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(
      /^demo data: 50 learners, \d+ plans, \d+ meetings, \d+ transitions, .* created in \d+ ms$/,
    );

    const byKind = await db.prisma.record.groupBy({
      by: ['kind'],
      _count: { _all: true },
      where: { deletedAt: null },
    });
    const counts = Object.fromEntries(byKind.map((k) => [k.kind, k._count._all]));
    expect(counts).toEqual({
      learner: first.learners,
      plan: first.plans,
      meeting: first.meetings,
      transition: first.transitions,
    });
  });

  it('puts 30 learners under Northbridge (England) and 20 under Glenmoray (Scotland)', async () => {
    const northbridge = await orgId('990');
    const glenmoray = await orgId('S12000099');
    const learners = await db.prisma.record.findMany({
      where: { kind: 'learner' },
      select: { ownerId: true, jurisdiction: true },
    });
    expect(learners.filter((l) => l.ownerId === northbridge && l.jurisdiction === 'england')).toHaveLength(
      30,
    );
    expect(learners.filter((l) => l.ownerId === glenmoray && l.jurisdiction === 'scotland')).toHaveLength(20);
  });

  it('creates the organisations, one client per organisation with the documented credentials, and the delegation', async () => {
    expect(first.clients.map((c) => c.clientId)).toEqual(DEMO_CLIENTS.map((c) => c.clientId));
    for (const c of first.clients) {
      expect(c.secret).toBe(`${c.clientId}-secret`);
      expect(c.scopes.length).toBeGreaterThan(0);
    }
    expect(first.clients.map((c) => c.clientId)).toEqual(
      expect.arrayContaining([
        'demo-northbridge',
        'demo-eastmere',
        'demo-glenmoray',
        'demo-school-eastmere-park',
        'demo-vendor',
      ]),
    );
    const stored = await db.prisma.apiClient.findMany();
    expect(stored).toHaveLength(DEMO_CLIENTS.length);
    for (const c of stored) expect(c.secretHash).not.toContain(demoSecret(c.clientId));

    const orgs = await db.prisma.organisation.findMany({ include: { authority: true } });
    expect(orgs).toHaveLength(new Set(DEMO_CLIENTS.map((c) => c.org)).size);
    const byName = new Map(orgs.map((o) => [o.name, o]));
    expect(byName.get('Northbridge Borough Council')).toMatchObject({
      kind: 'local-authority',
      laCode: '990',
      jurisdiction: 'england',
    });
    expect(byName.get('Eastmere County Council')).toMatchObject({
      kind: 'local-authority',
      laCode: '991',
      jurisdiction: 'england',
    });
    expect(byName.get('Glenmoray Council')).toMatchObject({
      kind: 'local-authority',
      laCode: 'S12000099',
      jurisdiction: 'scotland',
    });
    expect(byName.get('Eastmere Park Academy')).toMatchObject({ kind: 'school', urn: '990001' });
    expect(byName.get('Eastmere Park Academy')?.authority?.laCode).toBe('991');
    for (const school of orgs.filter((o) => o.kind === 'school')) {
      expect(school.authorityId).not.toBeNull();
      if (school.jurisdiction === 'england') expect(school.urn).toMatch(/^99000\d$/);
      else expect(school.seedCode).toMatch(/^59990\d\d$/);
    }
    const vendor = orgs.find((o) => o.kind === 'vendor')!;
    const delegations = await db.prisma.delegation.findMany();
    expect(delegations).toEqual([
      expect.objectContaining({ vendorId: vendor.id, organisationId: await orgId('990'), revokedAt: null }),
    ]);
  });

  it('writes what the API writes: version 1, identifiers, a responsible access grant and an audit event per record', async () => {
    const records = await db.prisma.record.findMany({
      select: { id: true, kind: true, version: true, ownerId: true, writtenById: true },
    });
    expect(records.every((r) => r.version === 1 && r.ownerId === r.writtenById)).toBe(true);
    const versions = await db.prisma.recordVersion.findMany({
      select: { recordId: true, version: true, change: true, clientId: true },
    });
    expect(versions).toHaveLength(records.length);
    expect(
      versions.every((v) => v.version === 1 && v.change === 'created' && v.clientId === 'demo-seed'),
    ).toBe(true);
    const audit = await db.prisma.auditEvent.findMany({ where: { requestId: 'demo-seed' } });
    expect(audit).toHaveLength(records.length);
    expect(
      audit.every((e) => e.action === 'create' && e.outcome === 'success' && e.clientId === 'demo-seed'),
    ).toBe(true);
    const learners = records.filter((r) => r.kind === 'learner');
    const access = await db.prisma.learnerAccess.findMany();
    const responsible = access.filter((a) => a.basis === 'responsible');
    expect(responsible).toHaveLength(learners.length);
    expect(new Set(responsible.map((a) => a.learnerId)).size).toBe(learners.length);
    expect(
      responsible.every((r) => records.find((l) => l.id === r.learnerId)?.ownerId === r.organisationId),
    ).toBe(true);
    const identifiers = await db.prisma.learnerIdentifier.findMany({
      where: { system: { in: ['upn', 'scn'] } },
    });
    expect(identifiers.filter((i) => i.system === 'upn')).toHaveLength(30);
    expect(identifiers.filter((i) => i.system === 'scn').length).toBeGreaterThanOrEqual(15);
  });

  it('stores only records that re-validate, with every date on or before the demo date', async () => {
    const rows = await db.prisma.record.findMany();
    const problems: unknown[] = [];
    for (const row of rows) {
      const input = validate(row.kind as RecordKind, row.data);
      const record = validate(row.kind as RecordKind, present(row), { shape: 'record' });
      if (!input.ok) problems.push({ id: row.id, kind: row.kind, issues: input.issues });
      if (!record.ok) problems.push({ id: row.id, kind: row.kind, shape: 'record', issues: record.issues });
      for (const date of JSON.stringify(row.data).match(/\d{4}-\d{2}-\d{2}/g) ?? []) {
        if (date > DEMO_AS_OF) problems.push({ id: row.id, date });
      }
    }
    expect(problems).toEqual([]);
  });

  it('links meetings to plans of the same learner', async () => {
    const meetings = await db.prisma.record.findMany({ where: { kind: 'meeting' } });
    const linked = meetings.filter((m) => (m.data as { planId?: string }).planId);
    expect(linked.length).toBeGreaterThan(0);
    const plans = await db.prisma.record.findMany({
      where: { kind: 'plan' },
      select: { id: true, learnerId: true },
    });
    const learnerOfPlan = new Map(plans.map((p) => [p.id, p.learnerId]));
    for (const m of linked)
      expect(learnerOfPlan.get((m.data as { planId: string }).planId)).toBe(m.learnerId);
  });

  it('stores exactly the generated learners', async () => {
    const localId = (data: unknown) =>
      ((data as { identifiers?: { system: string; value: string }[] }).identifiers ?? []).find((i) =>
        i.system.startsWith('la-child-id:'),
      )?.value;
    const stored = new Map(
      (await db.prisma.record.findMany({ where: { kind: 'learner' } })).map((r) => [localId(r.data), r.data]),
    );
    const generated = generateDemoDataset().learners.map((l) => l.learner);
    expect(stored.size).toBe(generated.length);
    for (const learner of generated) expect(stored.get(localId(learner))).toEqual(learner);
  });

  it('generates the same data every time', () => {
    const a = generateDemoDataset();
    const b = generateDemoDataset();
    expect(b).toEqual(a);
    const upns = a.learners.flatMap((l) =>
      (l.learner.identifiers ?? []).filter((i) => i.system === 'upn').map((i) => i.value),
    );
    expect(new Set(upns).size).toBe(30);
  });
});

describe('loadDemo again on the same database', () => {
  it('creates nothing and returns the same clients and counts', async () => {
    const before = {
      organisations: await db.prisma.organisation.count(),
      clients: await db.prisma.apiClient.count(),
      records: await db.prisma.record.count(),
      delegations: await db.prisma.delegation.count(),
    };
    const messages: string[] = [];
    const again = await loadDemo(db.prisma, { log: (m) => messages.push(m) });
    expect(again.created).toBe(false);
    expect(again).toEqual({ ...first, created: false });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/already loaded/);
    expect({
      organisations: await db.prisma.organisation.count(),
      clients: await db.prisma.apiClient.count(),
      records: await db.prisma.record.count(),
      delegations: await db.prisma.delegation.count(),
    }).toEqual(before);
  });

  it('leaves out a demo client that no longer accepts its demo secret', async () => {
    await db.prisma.apiClient.update({
      where: { clientId: 'demo-school-glenmoray-primary' },
      data: { revokedAt: new Date() },
    });
    try {
      const again = await loadDemo(db.prisma);
      expect(again.clients.map((c) => c.clientId)).not.toContain('demo-school-glenmoray-primary');
      expect(again.clients).toHaveLength(DEMO_CLIENTS.length - 1);
    } finally {
      await db.prisma.apiClient.update({
        where: { clientId: 'demo-school-glenmoray-primary' },
        data: { revokedAt: null },
      });
    }
  });
  it('leaves out a demo client whose secret was rotated, and its new secret works', async () => {
    const rotated = await rotateSecret(db.prisma, 'demo-eastmere');
    const again = await loadDemo(db.prisma);
    expect(again.clients.map((c) => c.clientId)).not.toContain('demo-eastmere');
    expect(again.clients).toHaveLength(DEMO_CLIENTS.length - 1);
    const row = await db.prisma.apiClient.findUniqueOrThrow({ where: { clientId: 'demo-eastmere' } });
    expect(await verifySecret(rotated.secret, row.secretHash)).toBe(true);
    expect(await verifySecret('demo-eastmere-secret', row.secretHash)).toBe(false);
    // Put the demo secret back as the demo created it, for the tests after this one.
    await db.prisma.apiClient.update({
      where: { clientId: 'demo-eastmere' },
      data: { secretHash: await hashSecret('demo-eastmere-secret'), secretRotatedAt: row.createdAt },
    });
    expect((await loadDemo(db.prisma)).clients).toHaveLength(DEMO_CLIENTS.length);
  });
});

describe('the demo clients over HTTP', () => {
  it('every demo client gets a token with its demo secret', async () => {
    for (const c of first.clients) expect(await tokenFor(c.clientId, c.secret)).toMatch(/^ey/);
  });

  it("Northbridge's client lists Northbridge's learners and none of Glenmoray's", async () => {
    const res = await listLearners(await tokenFor('demo-northbridge', 'demo-northbridge-secret'));
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { jurisdiction: string; responsibleAuthority: { code: string } }[];
    expect(items).toHaveLength(30);
    expect(items.every((l) => l.jurisdiction === 'england' && l.responsibleAuthority.code === '990')).toBe(
      true,
    );
    expect(items.some((l) => l.jurisdiction === 'scotland')).toBe(false);
  });

  it("Glenmoray's client lists only Glenmoray's learners", async () => {
    const res = await listLearners(await tokenFor('demo-glenmoray', demoSecret('demo-glenmoray')));
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { jurisdiction: string; responsibleAuthority: { code: string } }[];
    expect(items).toHaveLength(20);
    expect(
      items.every((l) => l.jurisdiction === 'scotland' && l.responsibleAuthority.code === 'S12000099'),
    ).toBe(true);
  });

  it("lists a learner's plans, meetings and transitions for Northbridge", async () => {
    const token = await tokenFor('demo-northbridge', 'demo-northbridge-secret');
    const learners = (await listLearners(token)).json().items as { id: string }[];
    let found = { plans: 0, meetings: 0, transitions: 0 };
    for (const { id } of learners) {
      for (const kind of ['plans', 'meetings', 'transitions'] as const) {
        const res = await app.inject({
          method: 'GET',
          url: `/v1/learners/${id}/${kind}`,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.statusCode, res.body).toBe(200);
        found = { ...found, [kind]: found[kind] + (res.json().items as unknown[]).length };
      }
    }
    expect(found.plans).toBeGreaterThanOrEqual(30);
    expect(found.meetings).toBeGreaterThanOrEqual(30);
    expect(found.transitions).toBeGreaterThan(0);
  });

  it('a school client sees the learners on roll there, and only those', async () => {
    const school = await db.prisma.organisation.findFirstOrThrow({ where: { urn: '990001' } });
    const onRoll = (await db.prisma.record.findMany({ where: { kind: 'learner' } }))
      .filter(
        (r) =>
          (r.data as { enrolment?: { school?: { code?: string } } }).enrolment?.school?.code === school.urn,
      )
      .map((r) => r.id)
      .sort();
    expect(onRoll.length).toBeGreaterThan(0);
    const res = await listLearners(
      await tokenFor('demo-school-eastmere-park', demoSecret('demo-school-eastmere-park')),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json().items as { id: string }[]).map((l) => l.id).sort()).toEqual(onRoll);
  });

  it("the vendor sees Northbridge's learners on Northbridge's behalf, and no one else's", async () => {
    const token = await tokenFor('demo-vendor', 'demo-vendor-secret');
    const northbridge = await orgId('990');
    const onBehalf = await listLearners(token, { 'celr-on-behalf-of': northbridge });
    expect(onBehalf.statusCode, onBehalf.body).toBe(200);
    const items = onBehalf.json().items as { responsibleAuthority: { code: string } }[];
    expect(items).toHaveLength(30);
    expect(items.every((l) => l.responsibleAuthority.code === '990')).toBe(true);

    const own = await listLearners(token);
    expect(own.statusCode).toBe(200);
    expect(own.json().items).toEqual([]);

    const glenmoray = await listLearners(token, { 'celr-on-behalf-of': await orgId('S12000099') });
    expect(glenmoray.statusCode).toBe(403);
  });

  it("gives Northbridge's PEP compliance report PEPs on time, late, overdue and poor on the demo's date", async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/reports/pep-compliance?asOf=${DEMO_AS_OF}`,
      headers: { authorization: `Bearer ${await tokenFor('demo-northbridge', 'demo-northbridge-secret')}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    type Item = {
      result: {
        deadlines: { deadline: string; status: string }[];
        currentPlan: { adequate: boolean } | null;
      };
    };
    const items = res.json().items as Item[];
    const statuses = (deadline: string) =>
      new Set(
        items.flatMap((i) => i.result.deadlines.filter((d) => d.deadline === deadline).map((d) => d.status)),
      );
    // The first PEP of a child new to care: some in time, some late.
    expect([...statuses('plan-in-place')]).toEqual(expect.arrayContaining(['met', 'late']));
    expect(items.some((i) => i.result.deadlines.some((d) => d.status === 'overdue'))).toBe(true);
    // A plan rated inadequate by the rubric.
    expect(items.some((i) => i.result.currentPlan?.adequate === false)).toBe(true);
    // Northbridge's term dates are loaded, so the termly review is assessed: met for some, not all.
    expect([...statuses('termly-review')]).toEqual(expect.arrayContaining(['met', 'overdue']));
    expect(res.json().policies[0].termDates).toEqual({ version: 1, name: expect.any(String) });
  });

  it('leaves room for the published examples: they create without identifier conflicts', async () => {
    const nb = await app.inject({
      method: 'POST',
      url: '/v1/learners',
      headers: { authorization: `Bearer ${await tokenFor('demo-northbridge', 'demo-northbridge-secret')}` },
      payload: englandLearner,
    });
    expect(nb.statusCode, nb.body).toBe(201);
    const gm = await app.inject({
      method: 'POST',
      url: '/v1/learners',
      headers: { authorization: `Bearer ${await tokenFor('demo-glenmoray', demoSecret('demo-glenmoray'))}` },
      payload: scotlandLearner,
    });
    expect(gm.statusCode, gm.body).toBe(201);
  });
});
