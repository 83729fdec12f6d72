import { englandPlan, readRecordLine } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { EXPORT_BATCH_RECORDS, exportRecords } from '../src/bulk/export.js';
import { syntheticCohort, syntheticLearner } from '../src/demo/cohort.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
let learnerId: string;
let planId: string;
const COHORT = 5000;

beforeAll(async () => {
  api = await startTestApi();
  const res = await api.as('northbridge', {
    method: 'POST',
    url: '/v1/bulk/import?mode=per-record',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: syntheticCohort(COHORT),
  });
  expect(res.statusCode).toBe(202);
  await api.app.bulkImports!.tick();
  const upn = (syntheticLearner(7).identifiers as { value: string }[])[0]!.value;
  learnerId = (
    await api.as('northbridge', { method: 'GET', url: `/v1/learners?identifier=upn|${upn}` })
  ).json().items[0].id;
  const plan = await api.as('northbridge', {
    method: 'POST',
    url: '/v1/plans',
    payload: { ...englandPlan, learnerId },
  });
  planId = plan.json().id;
}, 300_000);
afterAll(() => api.close());

/** The app listening on 127.0.0.1 (once), for tests that need a real client's pace. */
let listening: string | undefined;
const address = async () => (listening ??= await api.app.listen({ port: 0, host: '127.0.0.1' }));

const lines = (body: string) =>
  body
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; record: { id: string; learnerId?: string } });

describe('GET /v1/bulk/export', () => {
  it('streams everything the caller may see as NDJSON, each learner before their records', async () => {
    const res = await api.as('northbridge', { method: 'GET', url: '/v1/bulk/export' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['celr-changes-cursor']).toEqual(expect.any(String));
    const all = lines(res.body);
    expect(all.filter((l) => l.kind === 'learner')).toHaveLength(COHORT);
    expect(new Set(all.map((l) => l.record.id)).size).toBe(all.length);
    const planAt = all.findIndex((l) => l.record.id === planId);
    const learnerAt = all.findIndex((l) => l.record.id === learnerId);
    expect(learnerAt).toBeGreaterThanOrEqual(0);
    expect(planAt).toBeGreaterThan(learnerAt);
    // Each line is an exchange line as @celr/schema reads it, and each record is as GET returns it.
    expect(readRecordLine(JSON.stringify(all[planAt]))).toMatchObject({
      ok: true,
      kind: 'plan',
      sourceId: planId,
    });
    const single = await api.as('northbridge', { method: 'GET', url: `/v1/plans/${planId}` });
    expect(all[planAt]!.record).toEqual(single.json());
    // In the same order of fields (the export writes them from the stored text, presentedText).
    expect(Object.keys(all[planAt]!.record)).toEqual(Object.keys(single.json()));
    const learnerRead = await api.as('northbridge', { method: 'GET', url: `/v1/learners/${learnerId}` });
    expect(all[learnerAt]!.record).toEqual(learnerRead.json());
    expect(Object.keys(all[learnerAt]!.record)).toEqual(Object.keys(learnerRead.json()));
  });

  it('filters by kind, learner and time, and needs the read scope of each kind', async () => {
    const plans = lines(
      (await api.as('northbridge', { method: 'GET', url: '/v1/bulk/export?kind=plan' })).body,
    );
    expect(plans.map((l) => l.record.id)).toEqual([planId]);
    const one = lines(
      (await api.as('northbridge', { method: 'GET', url: `/v1/bulk/export?learner=${learnerId}` })).body,
    );
    expect(one.map((l) => l.kind)).toEqual(['learner', 'plan']);
    const future = await api.as('northbridge', {
      method: 'GET',
      url: '/v1/bulk/export?updatedSince=2999-01-01T00:00:00Z',
    });
    expect(future.body).toBe('');

    const learnersOnly = ['learners:read'] as const;
    const scoped = await api.as('northbridge', {
      method: 'GET',
      url: `/v1/bulk/export?learner=${learnerId}`,
      scopes: [...learnersOnly],
    });
    expect(lines(scoped.body).map((l) => l.kind)).toEqual(['learner']);
    const refused = await api.as('northbridge', {
      method: 'GET',
      url: '/v1/bulk/export?kind=plan',
      scopes: [...learnersOnly],
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['www-authenticate']).toMatch(/scope="plans:read"/);
  });

  it("holds nothing of other organisations' learners", async () => {
    const res = await api.as('eastmere', { method: 'GET', url: '/v1/bulk/export' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(learnerId);
  });

  it('names the change-feed position to carry on from: later changes, and nothing before', async () => {
    const res = await api.as('northbridge', { method: 'GET', url: `/v1/bulk/export?learner=${learnerId}` });
    const cursor = res.headers['celr-changes-cursor'] as string;
    await api.as('northbridge', {
      method: 'PATCH',
      url: `/v1/plans/${planId}`,
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '*' },
      payload: { status: 'completed' },
    });
    let items: { recordId: string; change: string }[] = [];
    for (let i = 0; i < 50 && !items.length; i++) {
      items = (await api.as('northbridge', { method: 'GET', url: `/v1/changes?after=${cursor}` })).json()
        .items;
      if (!items.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(items.map((e) => [e.recordId, e.change])).toEqual([[planId, 'updated']]);
  });

  it('what it writes, an import loads as it is: a new authority gets the same learners and plan', async () => {
    const file = (await api.as('northbridge', { method: 'GET', url: `/v1/bulk/export?learner=${learnerId}` }))
      .body;
    const other = await startTestApi();
    try {
      const res = await other.as('northbridge', {
        method: 'POST',
        url: '/v1/bulk/import?mode=all-or-nothing',
        headers: { 'content-type': 'application/x-ndjson' },
        payload: file,
      });
      await other.app.bulkImports!.tick();
      const job = (
        await other.as('northbridge', { method: 'GET', url: res.headers.location as string })
      ).json();
      expect(job).toMatchObject({ status: 'succeeded', counts: { created: 2 } });
      const [learner] = (await other.as('northbridge', { method: 'GET', url: '/v1/learners' })).json().items;
      const [plan] = (await other.as('northbridge', { method: 'GET', url: '/v1/plans' })).json().items;
      expect(plan.learnerId).toBe(learner.id);
      expect(learner.id).not.toBe(learnerId);
    } finally {
      await other.close();
    }
  });

  it('reads a batch ahead of its reader at most', async () => {
    const caller = {
      clientId: 'test',
      organisationId: api.orgs.northbridge.id,
      organisationKind: 'local-authority' as const,
      actingForId: api.orgs.northbridge.id,
      actingForKind: 'local-authority' as const,
      scopes: new Set(['learners:read']),
      requestId: 'export-unit',
    };
    const audited = async () =>
      (
        await api.db.sql<{ n: number }>(
          "SELECT count(*)::int AS n FROM audit_event WHERE request_id = 'export-unit'",
          [],
        )
      )[0]!.n;
    const stream = exportRecords(api.db, new AuditTrail(api.db.sql), caller, { kinds: ['learner'] });
    const pages = stream[Symbol.asyncIterator]();
    await pages.next();
    await new Promise((r) => setTimeout(r, 500));
    expect(await audited()).toBeLessThanOrEqual(2 * EXPORT_BATCH_RECORDS);
    await pages.next();
    await new Promise((r) => setTimeout(r, 300));
    expect(await audited()).toBeLessThanOrEqual(3 * EXPORT_BATCH_RECORDS);
    stream.destroy();
  });

  it('reads only as fast as the client: a client that stops reading stops the export, so memory stays flat', async () => {
    const base = await address();
    const token = await api.token('northbridge');
    const exported = async () => {
      const [row] = await api.db.sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_event WHERE action = 'export' AND request_id = $1",
        [requestId],
      );
      return row!.n;
    };
    const res = await fetch(`${base}/v1/bulk/export?kind=learner`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const requestId = res.headers.get('x-request-id')!;
    const reader = res.body!.getReader();
    const first = (await reader.read()).value!;
    let bytes = first.length;
    let newlines = first.filter((b) => b === 10).length;
    // The client pauses: the server reads on only as far as the socket's buffers take it, then waits.
    let whilePaused = await exported();
    for (let settled = 0; settled < 3; ) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await exported();
      settled = now === whilePaused ? settled + 1 : 0;
      whilePaused = now;
    }
    // Socket buffers (a few MB on loopback) hold part of the cohort; the rest waits for the client.
    expect(whilePaused).toBeLessThan(COHORT * 0.75);
    expect(whilePaused).toBeGreaterThanOrEqual(EXPORT_BATCH_RECORDS);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (const b of value) if (b === 10) newlines++;
    }
    expect(bytes).toBeGreaterThan(COHORT * 1000);
    expect(newlines).toBe(COHORT);
    expect(await exported()).toBe(COHORT);
  });
  it('runs a bounded number at once: slow readers hold export slots, never the whole server', async () => {
    const base = await address();
    const headers = { authorization: `Bearer ${await api.token('northbridge')}` };
    const slots = api.app.bulkExports;
    // A slot is given back when the response stream closes, a moment after its last byte.
    const inUse = async (n: number) => {
      for (const deadline = Date.now() + 10_000; slots.inUse !== n; ) {
        if (Date.now() > deadline) throw new Error(`export slots in use: ${slots.inUse}, not ${n}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await inUse(0);
    // Clients that read the first bytes of an export and then stop, each holding its export open.
    const held: ReadableStreamDefaultReader<Uint8Array>[] = [];
    try {
      for (let i = 0; i < slots.limit; i++) {
        const res = await fetch(`${base}/v1/bulk/export?kind=learner`, { headers });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        held.push(reader);
        await reader.read();
      }
      expect(slots.inUse).toBe(slots.limit);
      const refused = await fetch(`${base}/v1/bulk/export?kind=learner`, { headers });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('10');
      expect((await refused.json()).detail).toMatch(/exports, its most at once/);
      // Everything else is still answered while the exports are held.
      expect((await fetch(`${base}/v1/learners?limit=5`, { headers })).status).toBe(200);
      // A client that goes away gives its slot back; one that reads to the end does too.
      await held.pop()!.cancel();
      await inUse(slots.limit - 1);
      const next = await api.as('northbridge', { method: 'GET', url: '/v1/bulk/export?kind=learner' });
      expect(next.statusCode).toBe(200);
      expect(lines(next.body)).toHaveLength(COHORT);
      await inUse(slots.limit - 1);
    } finally {
      for (const reader of held) await reader.cancel();
    }
    await inUse(0);
  });

  it('is one snapshot: what is written while it runs is not in it, and what it sends is as it stood when it began', async () => {
    const caller = {
      clientId: 'test',
      organisationId: api.orgs.northbridge.id,
      organisationKind: 'local-authority' as const,
      actingForId: api.orgs.northbridge.id,
      actingForKind: 'local-authority' as const,
      scopes: new Set(['learners:read']),
      requestId: 'export-snapshot',
    };
    const stream = exportRecords(api.db, new AuditTrail(api.db.sql), caller, { kinds: ['learner'] });
    const batches = stream[Symbol.asyncIterator]();
    const first = lines(String((await batches.next()).value));
    expect(first).toHaveLength(EXPORT_BATCH_RECORDS);
    // Learners come in id order: the last one's id is after every id the first batch sent.
    const later = (
      await api.db.sql<{ id: string }>(
        `SELECT id::text FROM record WHERE kind = 'learner' AND id > $1::uuid AND id <> $2::uuid ORDER BY id LIMIT 1`,
        [first.at(-1)!.record.id, learnerId],
      )
    )[0]!.id;
    const before = (await api.as('northbridge', { method: 'GET', url: `/v1/learners/${later}` })).json();
    // While the export runs: a learner it has not sent yet changes, and a new one is made.
    const changed = await api.as('northbridge', {
      method: 'PATCH',
      url: `/v1/learners/${later}`,
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '*' },
      payload: { name: { given: 'Changed', family: 'Later' } },
    });
    expect(changed.statusCode).toBe(200);
    const made = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: syntheticLearner(COHORT + 1),
    });
    expect(made.statusCode).toBe(201);
    let rest = '';
    for (let next = await batches.next(); !next.done; next = await batches.next()) rest += String(next.value);
    const all = [...first, ...lines(rest)];
    expect(all).toHaveLength(COHORT);
    expect(all.find((l) => l.record.id === later)!.record).toEqual(before);
    expect(all.some((l) => l.record.id === made.json().id)).toBe(false);
  });
});
