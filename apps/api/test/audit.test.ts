import { englandLearner, englandPlan } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

const eventsOf = async (learnerId: string) => {
  const res = await api.as('northbridge', {
    method: 'GET',
    url: `/v1/audit-events?learner=${learnerId}&limit=500`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as {
    action: string;
    recordKind: string;
    recordId: string;
    recordVersion: number | null;
    outcome: string;
    requestId: string;
    clientId: string;
  }[];
};

describe('audit trail', () => {
  it("records exactly one event per read or write of a learner's records, with ids only", async () => {
    const created = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, identifiers: [] },
    });
    const learnerId = created.json().id;
    const url = `/v1/learners/${learnerId}`;
    const plan = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/plans',
      payload: { ...englandPlan, learnerId },
    });
    const planId = plan.json().id;
    await api.as('northbridge', { method: 'GET', url });
    await api.as('northbridge', { method: 'GET', url });
    await api.as('northbridge', {
      method: 'PUT',
      url,
      payload: { ...englandLearner, identifiers: [], dateOfBirth: '2013-05-15' },
      headers: { 'if-match': '"v1"' },
    });
    await api.as('northbridge', {
      method: 'PATCH',
      url: `/v1/plans/${planId}`,
      payload: JSON.stringify({ status: 'completed' }),
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"v1"' },
    });
    await api.as('northbridge', { method: 'GET', url: `${url}/versions` });
    await api.as('northbridge', { method: 'GET', url: `${url}/versions/1` });
    await api.as('northbridge', { method: 'GET', url: `/v1/plans?learner=${learnerId}` });
    await api.as('school', { method: 'GET', url });
    await api.as('eastmere', { method: 'GET', url }); // denied: not Eastmere's learner
    await api.as('northbridge', { method: 'DELETE', url: `/v1/plans/${planId}` });

    const events = await eventsOf(learnerId);
    expect(events.map((e) => `${e.action} ${e.recordKind} ${e.outcome}`)).toEqual([
      'create learner success',
      'create plan success',
      'read learner success',
      'read learner success',
      'replace learner success',
      'patch plan success',
      'history learner success',
      'read-version learner success',
      'list plan success',
      'read learner success',
      'read learner denied',
      'delete plan success',
    ]);
    const schoolRead = events[9]!;
    expect(schoolRead.clientId).toBe((await api.client('school')).clientId);
    // Ids and versions only: nothing a person could be recognised by.
    const body = JSON.stringify(events);
    for (const personal of [
      englandLearner.name.family,
      englandLearner.name.given,
      englandLearner.dateOfBirth,
    ])
      expect(body).not.toContain(personal);
    expect(events.every((e) => e.requestId.length > 0)).toBe(true);
  });

  it('keeps a write and its event together: a failed write leaves no event', async () => {
    const created = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, identifiers: [] },
    });
    const learnerId = created.json().id;
    const stale = await api.as('northbridge', {
      method: 'PUT',
      url: `/v1/learners/${learnerId}`,
      payload: { ...englandLearner, identifiers: [] },
      headers: { 'if-match': '"v7"' },
    });
    expect(stale.statusCode).toBe(412);
    const events = await eventsOf(learnerId);
    expect(events.map((e) => e.action)).toEqual(['create']);
  });

  it('is readable by the responsible authority only', async () => {
    const created = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, identifiers: [] },
    });
    const learnerId = created.json().id;
    const school = await api.as('school', { method: 'GET', url: `/v1/audit-events?learner=${learnerId}` });
    expect(school.statusCode).toBe(403); // schools have no audit:read scope
    const other = await api.as('eastmere', { method: 'GET', url: `/v1/audit-events?learner=${learnerId}` });
    expect(other.statusCode).toBe(404);
  });

  it('never returns a record without its read event, even when the server shuts down mid-flight', async () => {
    const created = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, identifiers: [] },
    });
    const learnerId = created.json().id;
    const token = await api.token('northbridge');
    const server = await buildApp({ db: api.db, config: api.config });
    let arrived = 0;
    server.addHook('onRequest', async () => {
      arrived++;
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address() as { port: number };
    const reads = Array.from({ length: 40 }, () =>
      fetch(`http://127.0.0.1:${address.port}/v1/learners/${learnerId}`, {
        headers: { authorization: `Bearer ${token}` },
      })
        .then(async (r) => ({
          status: r.status,
          requestId: r.headers.get('x-request-id'),
          body: await r.text(),
        }))
        .catch(() => ({ status: 0, requestId: null, body: '' })),
    );
    // Close while reads are being served: some are mid-flight, others not yet accepted.
    while (arrived < 10) await new Promise((r) => setTimeout(r, 1));
    await server.close();
    const results = await Promise.all(reads);
    const served = results.filter((r) => r.status === 200);
    expect(served.length).toBeGreaterThan(0);
    const events = await eventsOf(learnerId);
    const audited = new Set(events.filter((e) => e.action === 'read').map((e) => e.requestId));
    for (const r of served)
      expect(
        audited.has(r.requestId!),
        `request ${r.requestId} returned the record without an audit event`,
      ).toBe(true);
    // Requests the closing server refused carry no data.
    for (const r of results.filter((r) => r.status !== 200))
      expect(r.body).not.toContain(englandLearner.name.family);
  });
});

describe('read audit on shutdown', () => {
  it('stores the event of every read answered while the server was closing', async () => {
    const created = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, identifiers: [] },
    });
    const learnerId = created.json().id as string;
    const server = await api.secondProcess();
    await server.listen({ host: '127.0.0.1', port: 0 });
    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const authorization = `Bearer ${await api.token('northbridge')}`;
    const reads = Array.from({ length: 40 }, () =>
      fetch(`http://127.0.0.1:${port}/v1/learners/${learnerId}`, { headers: { authorization } })
        .then((res) => res.status)
        .catch(() => 0),
    );
    // Closing once the first read is answered, the others in flight: each one answered 200 (not
    // refused with 503 or cut off) must have its event stored before the database is let go.
    await Promise.race(reads);
    await server.close();
    const statuses = await Promise.all(reads);
    const answered = statuses.filter((s) => s === 200).length;
    const events = (await eventsOf(learnerId)).filter((e) => e.action === 'read');
    expect(answered).toBeGreaterThan(0);
    expect(events.length).toBe(answered);
  });
});
