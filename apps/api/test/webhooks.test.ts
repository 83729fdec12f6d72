import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { englandLearner, englandPlan } from '@celr/schema';
import { verifyWebhook } from '@celr/sdk';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { configFromEnv } from '../src/config.js';
import { sealStoredSecrets } from '../src/webhooks/secrets.js';
import { sign } from '../src/webhooks/signature.js';
import { type Resolver, type TargetRefusedError, targetPolicy } from '../src/webhooks/targets.js';
import {
  CONNECTION_FAILED,
  type WebhookSettings,
  WebhookWorker,
  webhookSettingsFromEnv,
} from '../src/webhooks/worker.js';
import { startTestApi, type TestApi } from './support/api.js';

/** The operator's key: webhook secrets are sealed with it (as in a deployment that sets CELR_KEY_ENCRYPTION_KEY). */
const OPERATOR_KEY = 'webhooks-test-operator-key';
let api: TestApi;
let worker: WebhookWorker;
/** A worker with the app's settings (loopback allowed, the operator's key) and these. */
const newWorker = (settings: Partial<WebhookSettings> = {}) =>
  new WebhookWorker(api.db, { ...api.app.webhooks!.settings, ...settings });
beforeAll(async () => {
  api = await startTestApi({ keys: { ...configFromEnv({}).keys, encryptionKey: OPERATOR_KEY } });
  worker = newWorker({ backoffMs: [30, 30], timeoutMs: 1000, leaseMs: 5000 });
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
    const slowRetry = newWorker({ backoffMs: [300, 300], timeoutMs: 1000 });
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
    const patient = newWorker({ backoffMs: [300, 300], timeoutMs: 300 });
    const sub = await subscribe('northbridge', {
      url: down.url,
      changes: ['created'],
      recordKinds: ['learner'],
    });
    await newLearner();
    await tickUntil(async () => (await deliveries(sub.id)).items.length === 1, patient);
    let [delivery] = (await deliveries(sub.id)).items;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: CONNECTION_FAILED });
    expect(delivery!.lastStatusCode).toBeUndefined();
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
    const slowWorker = newWorker({ backoffMs: [60_000], timeoutMs: 1000 });
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
      lastError: CONNECTION_FAILED,
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
        newWorker({ concurrency: 0 }),
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

/** A TCP listener on 127.0.0.1 that counts connections and does what `behave` says with each. */
async function tcpListener(behave: (socket: Socket) => void = () => {}) {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    behave(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections: () => sockets.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The API on the same database as a deployment configures it: no allowlist, so loopback is refused. */
async function strictApp(): Promise<FastifyInstance> {
  const app = await buildApp({
    db: api.db,
    config: { ...api.config, webhooks: { ...api.config.webhooks, allowTargets: [] } },
  });
  await app.ready();
  return app;
}

/** A resolver that answers from a table and never asks DNS, so no test sends anything off this machine. */
const resolverOf =
  (table: Record<string, string[]>, asked: string[] = []): Resolver =>
  async (hostname) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`not in the test table: ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

async function rowsOf(subscriptionId: string) {
  return api.db.sql<{
    status: string;
    attempts: number;
    lastError: string | null;
    lastStatusCode: number | null;
  }>(
    `SELECT status, attempts, last_error AS "lastError", last_status_code AS "lastStatusCode"
     FROM webhook_delivery WHERE subscription_id = $1::uuid ORDER BY created_at, id`,
    [subscriptionId],
  );
}

describe('outbound safety', () => {
  // Every spelling of an internal address the issue names, and the ones URL parsers are known to accept.
  const INTERNAL = [
    'https://10.0.0.5/',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00::1]/',
    'http://127.0.0.1:6379/',
    'https://[fd00:ec2::254]/latest/meta-data/',
    'https://192.168.1.10/hooks',
    'https://172.16.5.4/hooks',
    'https://100.64.0.1/hooks',
    'https://0.0.0.0/',
    'https://[::]/',
    'https://[::1]/',
    'http://[::1]:6379/',
    'https://[fe80::1]/',
    'https://224.0.0.1/',
    'https://[ff02::1]/',
    'https://255.255.255.255/',
    'https://240.0.0.1/',
    // Numeric forms of 127.0.0.1 and 169.254.169.254: decimal, hex, octal, short, trailing dot.
    'http://2130706433/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0x7f.1/',
    'https://017700000001/',
    'https://0177.0.0.1/',
    'https://127.1/',
    'https://127.0.0.1./',
    'https://2852039166/latest/meta-data/',
    'https://0251.0376.0251.0376/',
    'https://0xa9.0xfe.0xa9.0xfe/',
    // IPv4 in IPv6: mapped, compatible (deprecated), NAT64, 6to4.
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[::ffff:10.0.0.5]/',
    'https://[0:0:0:0:0:ffff:7f00:1]/',
    'https://[::127.0.0.1]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://[2002:a9fe:a9fe::]/',
    // This machine by name.
    'https://localhost/',
    'http://localhost:6379/',
    'https://LOCALHOST./',
    'https://metadata.localhost/',
  ];

  it('refuses an internal target in every form at subscription, with a rule pointing at /url', async () => {
    const strict = await strictApp();
    try {
      for (const url of INTERNAL) {
        const res = await api.as(
          'northbridge',
          { method: 'POST', url: '/v1/webhook-subscriptions', payload: { url } },
          strict,
        );
        expect(res.statusCode, `${url}: ${res.body}`).toBe(422);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().errors, url).toEqual([
          expect.objectContaining({ pointer: '/url', rule: 'public-address-required' }),
        ]);
      }
      // Public addresses and names are accepted: a name is checked when it is delivered to.
      for (const url of [
        'https://example.org/hooks',
        'https://93.184.215.14/hooks',
        'https://[2606:4700:4700::1111]/hooks',
        'https://hooks.rebind.test/hooks',
      ]) {
        const res = await api.as(
          'northbridge',
          { method: 'POST', url: '/v1/webhook-subscriptions', payload: { url } },
          strict,
        );
        expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
      }
      // Not http to a public host, still.
      const http = await api.as(
        'northbridge',
        { method: 'POST', url: '/v1/webhook-subscriptions', payload: { url: 'http://93.184.215.14/' } },
        strict,
      );
      expect(http.json().errors).toEqual([
        expect.objectContaining({ pointer: '/url', rule: 'https-required' }),
      ]);
    } finally {
      await strict.close();
    }
  });

  it("reads the operator's allowlist as addresses and CIDR ranges, and refuses to start on one it cannot read", () => {
    const policy = targetPolicy(['10.20.0.0/16', '::1', 'fd00:1::/32']);
    expect(policy.allows('10.20.3.4')).toBe(true);
    expect(policy.allows('::ffff:10.20.3.4')).toBe(true); // the same address, mapped
    expect(policy.allows('10.21.0.1')).toBe(false);
    expect(policy.allows('::1')).toBe(true);
    expect(policy.allows('127.0.0.1')).toBe(false);
    expect(policy.allows('fd00:1::5')).toBe(true);
    expect(policy.allows('fd00:2::5')).toBe(false);
    expect(policy.allows('169.254.169.254')).toBe(false);
    expect(policy.allows('93.184.215.14')).toBe(true); // public: always
    expect(policy.allows('not an address')).toBe(false);
    for (const bad of ['localhost', '10.0.0.0/33', '10.0.0.0/8,']) {
      expect(() => targetPolicy([bad]), bad).toThrow(/CELR_WEBHOOK_ALLOW_TARGETS/);
    }
  });

  it('delivers where the operator allows, when the worker is built as the server builds it (timings from the environment)', async () => {
    // main.ts passes webhookSettingsFromEnv(); its defaults once replaced the operator's allowlist
    // with "public only", so subscriptions were accepted and every delivery refused.
    const config = { ...api.config, webhooks: { ...api.config.webhooks, allowTargets: ['127.0.0.0/8'] } };
    const server = await buildApp({
      db: api.db,
      config,
      webhooks: webhookSettingsFromEnv({ CELR_WEBHOOK_POLL_MS: '50' }),
    });
    try {
      expect(server.webhooks?.settings.pollMs).toBe(50);
      expect(server.webhooks?.settings.targets.allows('127.0.0.1')).toBe(true);
      expect(server.webhooks?.settings.targets.allows('10.0.0.1')).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('refuses an internal target at delivery too, whatever was accepted when the subscription was made', async () => {
    // Subscriptions made while the operator allowed loopback (or before this check existed): the
    // worker of a deployment that no longer allows it must not connect to them.
    const listener = await tcpListener((socket) =>
      socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n'),
    );
    const forms = [
      `http://127.0.0.1:${listener.port}/`,
      `http://2130706433:${listener.port}/`,
      `http://0x7f.1:${listener.port}/`,
      `http://127.1:${listener.port}/`,
      `http://[::ffff:127.0.0.1]:${listener.port}/`,
      `http://localhost:${listener.port}/`,
    ];
    const subs: { id: string }[] = [];
    for (const url of forms)
      subs.push(await subscribe('northbridge', { url, changes: ['created'], recordKinds: ['learner'] }));
    await newLearner();
    const refused: TargetRefusedError[] = [];
    const strict = newWorker({
      targets: targetPolicy([]),
      backoffMs: [60_000],
      timeoutMs: 1000,
      // localhost from a table, not the system: it means 127.0.0.1 here whatever /etc/hosts says.
      resolver: resolverOf({ localhost: ['127.0.0.1'] }),
      onRefused: (e) => refused.push(e),
    });
    for (const sub of subs) await tickUntil(async () => (await rowsOf(sub.id))[0]?.attempts === 1, strict);
    expect(listener.connections()).toBe(0);
    for (const sub of subs) {
      expect((await deliveries(sub.id)).items).toEqual([
        expect.objectContaining({ status: 'pending', attempts: 1, lastError: CONNECTION_FAILED }),
      ]);
    }
    // Each was refused before connecting (the name at its lookup), and the operator's log says why;
    // the client's log does not.
    expect(refused).toHaveLength(forms.length);
    expect(refused.find((e) => e.hostname === 'localhost')?.address).toBe('127.0.0.1');

    // The same deliveries, by a worker whose operator allows loopback, do reach the listener: it
    // was the policy that kept them away.
    await api.db.sql(`UPDATE webhook_delivery SET next_attempt_at = now()`, []);
    const allowed = newWorker({
      backoffMs: [60_000],
      timeoutMs: 1000,
      resolver: resolverOf({ localhost: ['127.0.0.1'] }),
    });
    for (const sub of subs)
      await tickUntil(async () => (await rowsOf(sub.id))[0]?.status === 'delivered', allowed);
    expect(listener.connections()).toBe(forms.length);
    await listener.close();
  });

  it('refuses at the connection a name that resolves to loopback, however it was accepted (DNS rebinding)', async () => {
    const listener = await tcpListener((socket) => socket.end('HTTP/1.1 204 No Content\r\n\r\n'));
    const strict = await strictApp();
    const names: Record<string, string[]> = {
      'hooks.rebind.test': ['127.0.0.1'],
      'mapped.rebind.test': ['::ffff:127.0.0.1'],
      // One good address does not excuse a bad one: the socket could connect to either.
      'mixed.rebind.test': ['93.184.215.14', '127.0.0.1'],
    };
    const subs: { id: string }[] = [];
    try {
      for (const name of Object.keys(names)) {
        // Accepted: a name, and the strict deployment does not resolve it at subscription.
        const res = await api.as(
          'northbridge',
          {
            method: 'POST',
            url: '/v1/webhook-subscriptions',
            payload: {
              url: `https://${name}:${listener.port}/hooks`,
              changes: ['created'],
              recordKinds: ['learner'],
            },
          },
          strict,
        );
        expect(res.statusCode, res.body).toBe(201);
        subs.push(res.json() as { id: string });
      }
    } finally {
      await strict.close();
    }
    await newLearner();
    const asked: string[] = [];
    const refused: TargetRefusedError[] = [];
    const rebinding = newWorker({
      targets: targetPolicy([]),
      backoffMs: [60_000],
      timeoutMs: 1000,
      resolver: resolverOf(names, asked),
      onRefused: (e) => refused.push(e),
    });
    for (const sub of subs) await tickUntil(async () => (await rowsOf(sub.id))[0]?.attempts === 1, rebinding);
    // Each name was resolved at the connection, and no connection was made.
    expect(new Set(asked)).toEqual(new Set(Object.keys(names)));
    expect(listener.connections()).toBe(0);
    expect(refused.map((e) => e.address).sort()).toEqual(['127.0.0.1', '127.0.0.1', '::ffff:127.0.0.1']);
    for (const sub of subs)
      expect((await rowsOf(sub.id))[0]).toMatchObject({ lastError: CONNECTION_FAILED, lastStatusCode: null });

    // Control: were loopback allowed, the worker would have connected (and failed TLS on a plain listener).
    await api.db.sql(`UPDATE webhook_delivery SET next_attempt_at = now()`, []);
    const allowed = newWorker({
      backoffMs: [60_000],
      timeoutMs: 1000,
      resolver: resolverOf({ 'hooks.rebind.test': ['127.0.0.1'] }),
    });
    await tickUntil(async () => (await rowsOf(subs[0]!.id))[0]?.attempts === 2, allowed);
    expect(listener.connections()).toBeGreaterThan(0);
    await listener.close();
  });

  it('logs every failure to get an answer alike, so the log cannot tell an open port from a closed one', async () => {
    const closed = await tcpListener();
    await closed.close();
    const silent = await tcpListener(); // accepts, never answers: a timeout
    const notHttp = await tcpListener((socket) => socket.end('-ERR unknown command\r\n')); // a Redis, say
    const reset = await tcpListener((socket) => socket.resetAndDestroy());
    const tls = await tcpListener(); // https to a plain TCP port: the handshake never completes
    const targets = {
      closed: `http://127.0.0.1:${closed.port}/`,
      timeout: `http://127.0.0.1:${silent.port}/`,
      notHttp: `http://127.0.0.1:${notHttp.port}/`,
      reset: `http://127.0.0.1:${reset.port}/`,
      tls: `https://localhost:${tls.port}/`,
      unresolvable: 'https://no-such-host.rebind.test/',
    };
    const subs: Record<string, string> = {};
    for (const [name, url] of Object.entries(targets))
      subs[name] = (
        await subscribe('northbridge', { url, changes: ['created'], recordKinds: ['learner'] })
      ).id;
    await newLearner();
    const w = newWorker({
      backoffMs: [60_000],
      timeoutMs: 400,
      resolver: resolverOf({ localhost: ['127.0.0.1'] }),
    });
    for (const id of Object.values(subs))
      await tickUntil(async () => (await rowsOf(id))[0]?.attempts === 1, w);
    const logged = Object.fromEntries(
      await Promise.all(
        Object.entries(subs).map(async ([name, id]) => [name, (await deliveries(id)).items[0]] as const),
      ),
    );
    for (const [name, delivery] of Object.entries(logged)) {
      expect(delivery, name).toMatchObject({ status: 'pending', attempts: 1, lastError: CONNECTION_FAILED });
      expect(delivery!.lastStatusCode, name).toBeUndefined();
    }
    expect(silent.connections()).toBe(1);
    expect(tls.connections()).toBe(1);
    await Promise.all([silent.close(), notHttp.close(), reset.close(), tls.close()]);
  });
});

describe('webhook secrets', () => {
  const secretRow = async (id: string) =>
    (
      await api.db.sql<{ secret: string; previous: string | null; until: Date | null }>(
        'SELECT secret, previous_secret AS previous, previous_secret_until AS until FROM webhook_subscription WHERE id = $1::uuid',
        [id],
      )
    )[0]!;
  const signatures = (r: Received) => String(r.headers['webhook-signature']).split(' ');
  const verifies = (r: Received, secret: string) =>
    verifyWebhook(r.body, r.headers as Record<string, string>, secret).then(
      () => true,
      () => false,
    );

  it('are stored sealed, never as the plaintext, and a secret stored in clear is sealed at start', async () => {
    const hook = await receiver();
    const sub = await subscribe('northbridge', {
      url: hook.url,
      changes: ['created'],
      recordKinds: ['learner'],
    });
    const stored = await secretRow(sub.id);
    expect(stored.secret).toMatch(/^enc:v1:/);
    expect(stored.secret).not.toContain(sub.secret);
    expect(stored.secret).not.toContain(sub.secret.slice('whsec_'.length));
    expect(stored.secret).not.toContain(Buffer.from(sub.secret.slice(6), 'base64').toString('hex'));
    await newLearner();
    await tickUntil(() => hook.received.length === 1);
    expect(await verifies(hook.received[0]!, sub.secret)).toBe(true);

    // A row from before (plaintext) is still read, and sealStoredSecrets seals it in place.
    await api.db.sql('UPDATE webhook_subscription SET secret = $2 WHERE id = $1::uuid', [sub.id, sub.secret]);
    await newLearner();
    await tickUntil(() => hook.received.length === 2);
    expect(await verifies(hook.received[1]!, sub.secret)).toBe(true);
    expect(await sealStoredSecrets(api.db.prisma, OPERATOR_KEY)).toBe(1);
    expect((await secretRow(sub.id)).secret).toMatch(/^enc:v1:/);
    expect(await sealStoredSecrets(api.db.prisma, OPERATOR_KEY)).toBe(0);
    await newLearner();
    await tickUntil(() => hook.received.length === 3);
    expect(await verifies(hook.received[2]!, sub.secret)).toBe(true);

    // Without the operator's key a sealed secret cannot be used: nothing is sent unsigned.
    const keyless = newWorker({ encryptionKey: undefined, backoffMs: [60_000] });
    await newLearner();
    await tickUntil(async () => (await rowsOf(sub.id)).some((d) => d.lastError !== null), keyless);
    expect(hook.received).toHaveLength(3);
    await hook.close();
  });

  it('rotate: both secrets sign during the overlap, then only the new one', async () => {
    const hook = await receiver();
    const sub = await subscribe('northbridge', {
      url: hook.url,
      changes: ['created'],
      recordKinds: ['learner'],
    });
    const rotate = () =>
      api.as('northbridge', { method: 'POST', url: `/v1/webhook-subscriptions/${sub.id}/rotate-secret` });
    const res = await rotate();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const rotated = res.json() as { secret: string; previousSecretExpiresAt: string; id: string };
    expect(rotated.id).toBe(sub.id);
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.secret).not.toBe(sub.secret);
    // The default overlap: 24 hours.
    const overlap = Date.parse(rotated.previousSecretExpiresAt) - Date.now();
    expect(overlap).toBeGreaterThan(23.9 * 3_600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3_600_000);
    // Both sealed at rest; the subscription shows the overlap but no secret.
    const stored = await secretRow(sub.id);
    expect(stored.secret).toMatch(/^enc:v1:/);
    expect(stored.previous).toMatch(/^enc:v1:/);
    const shown = await api.as('northbridge', { method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}` });
    expect(shown.json()).toMatchObject({ previousSecretExpiresAt: rotated.previousSecretExpiresAt });
    expect(shown.body).not.toContain('whsec_');

    // During the overlap: two signatures; a receiver with either secret accepts the delivery.
    await newLearner();
    await tickUntil(() => hook.received.length === 1);
    const during = hook.received[0]!;
    expect(signatures(during)).toHaveLength(2);
    expect(await verifies(during, rotated.secret)).toBe(true);
    expect(await verifies(during, sub.secret)).toBe(true);

    // After the overlap (its end moved to the past, as the clock would): the new secret only, and
    // the old one is no longer kept.
    await api.db.sql(
      `UPDATE webhook_subscription SET previous_secret_until = now() - interval '1 second' WHERE id = $1::uuid`,
      [sub.id],
    );
    await newLearner();
    await tickUntil(() => hook.received.length === 2);
    const after = hook.received[1]!;
    expect(signatures(after)).toHaveLength(1);
    expect(await verifies(after, rotated.secret)).toBe(true);
    expect(await verifies(after, sub.secret)).toBe(false);
    expect(await secretRow(sub.id)).toMatchObject({ previous: null, until: null });

    // Rotating twice within an overlap drops the oldest secret at once.
    const second = (await rotate()).json().secret as string;
    const third = (await rotate()).json().secret as string;
    await newLearner();
    await tickUntil(() => hook.received.length === 3);
    const twice = hook.received[2]!;
    expect(signatures(twice)).toHaveLength(2);
    expect(await verifies(twice, third)).toBe(true);
    expect(await verifies(twice, second)).toBe(true);
    expect(await verifies(twice, rotated.secret)).toBe(false);

    // Only the owner may rotate; to anyone else the subscription does not exist.
    const other = await api.as('eastmere', {
      method: 'POST',
      url: `/v1/webhook-subscriptions/${sub.id}/rotate-secret`,
    });
    expect(other.statusCode).toBe(404);
    await hook.close();
  });

  it('the overlap is the operator setting', async () => {
    const app = await buildApp({
      db: api.db,
      config: { ...api.config, webhooks: { ...api.config.webhooks, secretOverlapHours: 2 } },
    });
    try {
      const sub = await subscribe('northbridge', { url: 'https://example.org/hooks' });
      const res = await api.as(
        'northbridge',
        { method: 'POST', url: `/v1/webhook-subscriptions/${sub.id}/rotate-secret` },
        app,
      );
      expect(res.statusCode, res.body).toBe(200);
      const overlap = Date.parse(res.json().previousSecretExpiresAt) - Date.now();
      expect(overlap).toBeGreaterThan(1.9 * 3_600_000);
      expect(overlap).toBeLessThanOrEqual(2 * 3_600_000);
    } finally {
      await app.close();
    }
  });
});
