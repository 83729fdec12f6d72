import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { englandLearner, englandPlan } from '@celr/schema';
import { verifyWebhook } from '@celr/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../src/webhooks/signature.js';
import { WebhookWorker } from '../src/webhooks/worker.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
let worker: WebhookWorker;
beforeAll(async () => {
  api = await startTestApi();
  worker = new WebhookWorker(api.db, { backoffMs: [30, 30], timeoutMs: 1000, leaseMs: 5000 });
});
afterEach(async () => {
  await api.db.sql('DELETE FROM webhook_subscription', []);
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

type Org = 'northbridge' | 'eastmere' | 'vendor' | 'school';
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1, answering each request with what `respond` says. */
async function receiver(respond: (n: number) => number | Promise<number> = () => 200) {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.statusCode = await respond(received.length);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    events: () => received.map((r) => JSON.parse(r.body)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function subscribe(org: Org, body: object) {
  const res = await api.as(org, { method: 'POST', url: '/v1/webhook-subscriptions', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string; url: string };
}
async function newLearner(org: Org = 'northbridge') {
  const res = await api.as(org, {
    method: 'POST',
    url: '/v1/learners',
    payload: { ...englandLearner, identifiers: [] },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}
async function deliveries(subscriptionId: string, org: Org = 'northbridge', query = '') {
  const res = await api.as(org, {
    method: 'GET',
    url: `/v1/webhook-subscriptions/${subscriptionId}/deliveries${query}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    items: {
      id: string;
      messageId: string;
      status: string;
      attempts: number;
      lastStatusCode?: number;
      lastError?: string;
    }[];
    next?: string;
  };
}
type Event = { data: { change: string; recordKind: string; learnerId: string } };
/** What a receiver got about some learners, sorted: deliveries are concurrent, so their order is not kept. */
const about = (events: Event[], ...learners: string[]) =>
  events
    .filter((e) => learners.includes(e.data.learnerId))
    .map((e) => `${e.data.change} ${e.data.recordKind}`)
    .sort();
/**
 * Ticks until `done`: the feed hands out an entry only once every older transaction on the server
 * has finished, so on a busy PostgreSQL server it can take a moment.
 */
async function tickUntil(done: () => boolean | Promise<boolean>, w: WebhookWorker = worker) {
  const until = Date.now() + 15_000;
  for (;;) {
    await w.tick();
    if (await done()) return;
    if (Date.now() > until) throw new Error('tickUntil: timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook subscriptions', () => {
  it('deliver each change, signed as Standard Webhooks specifies, with ids only and no backlog', async () => {
    const before = await newLearner();
    const hook = await receiver();
    const sub = await subscribe('northbridge', { url: hook.url, description: 'ePEP sync' });
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(sub.secret.slice(6), 'base64')).toHaveLength(32);
    const learner = await newLearner();
    await tickUntil(() => about(hook.events(), learner).length === 2);
    expect(about(hook.events(), learner)).toEqual(['created learner', 'visible learner']);
    for (const { headers, body } of hook.received.filter((r) => r.body.includes(learner))) {
      const event = await verifyWebhook(body, headers as Record<string, string>, sub.secret);
      expect(event).toEqual({
        type: 'celr.change',
        timestamp: expect.any(String),
        data: {
          change: expect.any(String),
          recordKind: 'learner',
          recordId: learner,
          learnerId: learner,
          ...(event.data.change === 'created' ? { version: 1 } : {}),
        },
      });
      expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(headers['webhook-signature']).toBe(
        sign(String(headers['webhook-id']), Number(headers['webhook-timestamp']), body, sub.secret),
      );
      // Ids only: nothing of the record itself.
      expect(body).not.toContain(englandLearner.name.family);
    }
    // No backlog: what happened before the subscription is not sent.
    expect(hook.received.map((r) => r.body).join()).not.toContain(before);
    const log = await deliveries(sub.id);
    expect(log.items).toHaveLength(hook.received.length);
    expect(
      log.items.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatusCode === 200),
    ).toBe(true);
    // Nothing new: nothing more is sent.
    const count = hook.received.length;
    await worker.tick();
    expect(hook.received).toHaveLength(count);
    await hook.close();
  });

  it('filter by record kind and change', async () => {
    const hook = await receiver();
    await subscribe('northbridge', { url: hook.url, recordKinds: ['plan'], changes: ['created', 'deleted'] });
    const learner = await newLearner();
    const plan = (
      await api.as('northbridge', {
        method: 'POST',
        url: '/v1/plans',
        payload: { ...englandPlan, learnerId: learner },
      })
    ).json();
    await api.as('northbridge', {
      method: 'PATCH',
      url: `/v1/plans/${plan.id}`,
      payload: JSON.stringify({ status: 'completed' }),
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"v1"' },
    });
    await api.as('northbridge', { method: 'DELETE', url: `/v1/plans/${plan.id}` });
    await tickUntil(() => about(hook.events(), learner).length >= 2);
    await worker.tick();
    expect(about(hook.events(), learner)).toEqual(['created plan', 'deleted plan']);
    expect(hook.events().every((e) => e.data.recordKind === 'plan')).toBe(true);
    await hook.close();
  });

  it("never send an organisation another organisation's changes", async () => {
    const northbridge = await receiver();
    const eastmere = await receiver();
    await subscribe('northbridge', { url: northbridge.url });
    await subscribe('eastmere', { url: eastmere.url });
    const learner = await newLearner('northbridge');
    await tickUntil(() => about(northbridge.events(), learner).length === 2);
    expect(eastmere.events().filter((e) => e.data.learnerId === learner)).toEqual([]);
    // A vendor acting for Northbridge receives Northbridge's changes.
    const vendor = await receiver();
    const res = await api.as('vendor', {
      method: 'POST',
      url: '/v1/webhook-subscriptions',
      payload: { url: vendor.url },
      headers: { 'celr-on-behalf-of': api.orgs.northbridge.id },
    });
    expect(res.statusCode, res.body).toBe(201);
    const other = await newLearner('northbridge');
    await tickUntil(() => about(vendor.events(), other).length === 2);
    await tickUntil(() => about(northbridge.events(), other).length === 2);
    expect(about(eastmere.events(), learner, other)).toEqual([]);
    await Promise.all([northbridge.close(), eastmere.close(), vendor.close()]);
  });

  it('retry a receiver that fails, with the same webhook-id, until it answers 2xx', async () => {
    const hook = await receiver((n) => (n === 1 ? 500 : 200));
    const slowRetry = new WebhookWorker(api.db, { backoffMs: [300, 300], timeoutMs: 1000 });
    const sub = await subscribe('northbridge', {
      url: hook.url,
      changes: ['created'],
      recordKinds: ['learner'],
    });
    await newLearner();
    await tickUntil(() => hook.received.length === 1, slowRetry);
    let [delivery] = (await deliveries(sub.id)).items;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 });
    expect(delivery!.lastError).toContain('500');
    await tickUntil(() => hook.received.length === 2, slowRetry);
    expect(hook.received[1]!.headers['webhook-id']).toBe(hook.received[0]!.headers['webhook-id']);
    [delivery] = (await deliveries(sub.id)).items;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    expect(delivery!.lastError).toBeUndefined();
    await hook.close();
  });

  it('record the error when the receiver is down, fail after the last attempt, and never slow the API', async () => {
    const down = await receiver();
    await down.close();
    const patient = new WebhookWorker(api.db, { backoffMs: [300, 300], timeoutMs: 300 });
    const sub = await subscribe('northbridge', {
      url: down.url,
      changes: ['created'],
      recordKinds: ['learner'],
    });
    await newLearner();
    await tickUntil(async () => (await deliveries(sub.id)).items.length === 1, patient);
    let [delivery] = (await deliveries(sub.id)).items;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1 });
    expect(delivery!.lastError).toMatch(/ECONNREFUSED|fetch failed/);
    await tickUntil(async () => (await deliveries(sub.id)).items[0]!.status === 'failed', patient);
    [delivery] = (await deliveries(sub.id)).items;
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3 });
    await api.as('northbridge', { method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}` });

    // A receiver that never answers holds only the worker, never a request.
    let release = () => {};
    const stuck = await receiver(() => new Promise<number>((resolve) => (release = () => resolve(200))));
    const slow = await subscribe('northbridge', {
      url: stuck.url,
      changes: ['created'],
      recordKinds: ['learner'],
    });
    const slowWorker = new WebhookWorker(api.db, { backoffMs: [60_000], timeoutMs: 1000 });
    await newLearner();
    let step = slowWorker.tick();
    while (stuck.received.length === 0) {
      await step;
      step = slowWorker.tick();
      await new Promise((r) => setTimeout(r, 20));
    }
    const started = performance.now();
    const list = await api.as('northbridge', { method: 'GET', url: '/v1/learners?limit=5' });
    expect(list.statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(500);
    await step;
    [delivery] = (await deliveries(slow.id)).items;
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'No answer within 1000 ms.',
    });
    release();
    await stuck.close();
  });

  it('replay a delivery: it is sent again, as a new attempt', async () => {
    const hook = await receiver();
    const sub = await subscribe('northbridge', {
      url: hook.url,
      changes: ['created'],
      recordKinds: ['learner'],
    });
    await newLearner();
    await tickUntil(() => hook.received.length === 1);
    const [delivery] = (await deliveries(sub.id)).items;
    const res = await api.as('northbridge', {
      method: 'POST',
      url: `/v1/webhook-subscriptions/${sub.id}/deliveries/${delivery!.id}/replay`,
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id: delivery!.id, status: 'pending' });
    await tickUntil(() => hook.received.length === 2);
    expect(hook.received[1]!.headers['webhook-id']).toBe(delivery!.messageId);
    expect((await deliveries(sub.id)).items[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    await hook.close();
  });

  it('deliver each delivery exactly once with two API processes, and take over an expired claim', async () => {
    const hook = await receiver();
    const sub = await subscribe('northbridge', { url: hook.url });
    const learners: string[] = [];
    for (let i = 0; i < 6; i++) learners.push(await newLearner());
    const other = await api.secondProcess();
    const otherWorker = other.webhooks!;
    try {
      const until = Date.now() + 15_000;
      while (about(hook.events(), ...learners).length < 12 && Date.now() < until) {
        await Promise.all([worker.tick(), otherWorker.tick(), worker.tick(), otherWorker.tick()]);
      }
      await Promise.all([worker.tick(), otherWorker.tick()]);
      expect(about(hook.events(), ...learners)).toHaveLength(12);
      const ids = hook.received.map((r) => r.headers['webhook-id']);
      expect(new Set(ids).size).toBe(ids.length);
      const log = await deliveries(sub.id, 'northbridge', '?limit=200');
      expect(log.items).toHaveLength(ids.length);
      expect(log.items.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
      const sent = ids.length;

      // A worker that died mid-send left a claim; once its lease expires another worker sends it.
      const last = await newLearner();
      await tickUntil(
        async () => {
          await worker.fanOut();
          const [row] = await api.db.sql<{ n: number }>(
            "SELECT count(*)::int AS n FROM webhook_delivery WHERE status = 'pending'",
            [],
          );
          return row!.n >= 2;
        },
        new WebhookWorker(api.db, { concurrency: 0 }),
      );
      await api.db.sql(
        `UPDATE webhook_delivery SET locked_until = now() + interval '1 hour', lease = gen_random_uuid(), attempts = 1
         WHERE status = 'pending'`,
        [],
      );
      await otherWorker.tick();
      expect(hook.received).toHaveLength(sent);
      await api.db.sql(
        `UPDATE webhook_delivery SET locked_until = now() - interval '1 second' WHERE status = 'pending'`,
        [],
      );
      await otherWorker.tick();
      expect(about(hook.events(), last)).toEqual(['created learner', 'visible learner']);
      expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(hook.received.length);
    } finally {
      await other.close();
      await hook.close();
    }
  });

  it('stop sending when the subscription is deleted', async () => {
    const hook = await receiver();
    const sub = await subscribe('northbridge', { url: hook.url });
    const del = await api.as('northbridge', { method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}` });
    expect(del.statusCode).toBe(204);
    await newLearner();
    await worker.tick();
    expect(hook.received).toEqual([]);
    expect(
      (await api.as('northbridge', { method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}` })).statusCode,
    ).toBe(404);
    await hook.close();
  });
});

describe('webhook subscription management', () => {
  it('refuses a URL that is not https, unless it is this machine', async () => {
    for (const [url, rule] of [
      ['http://example.org/hooks', 'https-required'],
      ['http://10.0.0.1/hooks', 'https-required'],
      ['ftp://example.org/hooks', 'https-required'],
      ['not a url', 'url'],
      ['https://user:pw@example.org/hooks', 'url-credentials'],
    ]) {
      const res = await api.as('northbridge', {
        method: 'POST',
        url: '/v1/webhook-subscriptions',
        payload: { url },
      });
      expect(res.statusCode, url).toBe(422);
      expect(res.json().errors).toEqual([expect.objectContaining({ pointer: '/url', rule })]);
    }
    const bad = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/webhook-subscriptions',
      payload: { url: 'https://example.org', recordKinds: ['pupil'] },
    });
    expect(bad.statusCode).toBe(422);
    for (const url of [
      'https://example.org/hooks',
      'http://localhost:9/x',
      'http://[::1]:9/x',
      'http://127.0.0.1:9/x',
    ]) {
      await subscribe('northbridge', { url });
    }
    const list = await api.as('northbridge', { method: 'GET', url: '/v1/webhook-subscriptions' });
    expect(list.json().items).toHaveLength(4);
    expect(JSON.stringify(list.json())).not.toContain('whsec_');
  });

  it('pages the delivery log and shows it, and the subscription, to its owner only', async () => {
    const hook = await receiver();
    const sub = await subscribe('northbridge', { url: hook.url });
    for (let i = 0; i < 3; i++) await newLearner();
    await tickUntil(() => hook.received.length >= 6);
    const all = (await deliveries(sub.id)).items;
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(all.length).toBeLessThan(9);
    const seen: string[] = [];
    let page = await deliveries(sub.id, 'northbridge', '?limit=4');
    seen.push(...page.items.map((d) => d.id));
    expect(page.next).toBeDefined();
    const res = await api.as('northbridge', { method: 'GET', url: page.next! });
    page = res.json();
    seen.push(...page.items.map((d) => d.id));
    while (page.next) {
      page = (await api.as('northbridge', { method: 'GET', url: page.next })).json();
      seen.push(...page.items.map((d) => d.id));
    }
    expect(seen).toEqual(all.map((d) => d.id));
    expect((await deliveries(sub.id, 'northbridge', '?status=failed')).items).toEqual([]);

    const base = `/v1/webhook-subscriptions/${sub.id}`;
    for (const org of ['eastmere', 'school', 'vendor'] as const) {
      for (const [method, url] of [
        ['GET', base],
        ['GET', `${base}/deliveries`],
        ['POST', `${base}/deliveries/${all[0]!.id}/replay`],
        ['DELETE', base],
      ] as const) {
        const r = await api.as(org, { method, url });
        expect(r.statusCode, `${org} ${method} ${url}`).toBe(404);
        expect(r.body).not.toContain(hook.url);
      }
      const list = await api.as(org, { method: 'GET', url: '/v1/webhook-subscriptions' });
      expect(list.statusCode).toBe(200);
      expect(list.json().items).toEqual([]);
    }
    // Without the scope: 403.
    const noScope = await api.as('northbridge', {
      method: 'GET',
      url: '/v1/webhook-subscriptions',
      scopes: ['learners:read'],
    });
    expect(noScope.statusCode).toBe(403);
    await hook.close();
  });
});
