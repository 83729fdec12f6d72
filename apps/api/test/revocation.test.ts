import { englandLearner } from '@celr/schema';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, createOrganisation } from '../src/admin/organisations.js';
import { LISTENER_APPLICATION_NAME } from '../src/db/notifications.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * Revoking a client takes effect on every API process as soon as the database's announcement reaches
 * it, although each process caches who a token's client is (src/auth/caller-cache.ts): the database
 * announces the change and every cache empties. On PostgreSQL the two app instances are two API
 * processes with their own pools and listeners, and the announcement travels on each one's listening
 * connection: it arrives within milliseconds of the commit, but a request sent in those milliseconds
 * may still be answered from the cache, so the tests wait for the announcement (a second at most)
 * rather than race it. On PGlite they share the one in-process database, which delivers the
 * announcement before the revoking statement returns.
 *
 * A single-record read does not wait for the announcement: it reads the caller epoch (which the same
 * triggers count) with the record, so the very next read after a revocation commits is refused, even
 * when the announcement is held back indefinitely (the last describe block).
 */
let api: TestApi;
let second: FastifyInstance;
const onPostgres = Boolean(process.env.DATABASE_URL);

beforeAll(async () => {
  api = await startTestApi();
  second = await api.secondProcess();
});
afterAll(async () => {
  await second?.close();
  await api?.close();
});

async function until(condition: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A new client of Northbridge with a token, and a request as it on either process. */
async function newClient() {
  const client = await createClient(api.db.prisma, {
    organisationId: api.orgs.northbridge.id,
    name: `revocation test ${Math.random()}`,
    scopes: ['learners:read'],
  });
  const res = await api.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret },
  });
  const token = res.json().access_token as string;
  const list = (target: FastifyInstance, query = '') =>
    target.inject({
      method: 'GET',
      url: `/v1/learners${query}`,
      headers: { authorization: `Bearer ${token}` },
    });
  const read = (target: FastifyInstance, learnerId: string, onBehalfOf?: string) =>
    target.inject({
      method: 'GET',
      url: `/v1/learners/${learnerId}`,
      headers: {
        authorization: `Bearer ${token}`,
        ...(onBehalfOf ? { 'celr-on-behalf-of': onBehalfOf } : {}),
      },
    });
  return { ...client, list, read };
}

const bothLive = () => until(() => api.app.callers.live && second.callers.live, 'both caches to be live');

/** The announcement of a change has emptied these processes' caches: within a second, or the test fails. */
const announced = (...targets: FastifyInstance[]) =>
  until(() => targets.every((t) => t.callers.size === 0), 'the announcement to empty the caches', 1_000);

describe('revoking a client with every process caching its callers', () => {
  it('is refused by the other process once the announcement arrives, within a second', async () => {
    await bothLive();
    const client = await newClient();
    for (const target of [api.app, second]) expect((await client.list(target)).statusCode).toBe(200);
    // Both processes now answer this client from their cache.
    expect(api.app.callers.size).toBeGreaterThan(0);
    expect(second.callers.size).toBeGreaterThan(0);

    const revoke = await api.as('operator', {
      method: 'POST',
      url: `/v1/admin/clients/${client.clientId}/revoke`,
    });
    expect(revoke.statusCode, revoke.body).toBe(204);
    await announced(api.app, second);
    const refused = await client.list(second);
    expect(refused.statusCode, refused.body).toBe(401);
    expect((await client.list(api.app)).statusCode).toBe(401);
  });

  it('is refused once announced when the client is revoked outside the API (celr-admin, psql)', async () => {
    await bothLive();
    const client = await newClient();
    for (const target of [api.app, second]) expect((await client.list(target)).statusCode).toBe(200);
    await api.db.sql('UPDATE api_client SET revoked_at = now() WHERE client_id = $1', [client.clientId]);
    await announced(api.app, second);
    expect((await client.list(second)).statusCode).toBe(401);
    expect((await client.list(api.app)).statusCode).toBe(401);
  });

  it('keeps other clients answered, from the cache again once it is refilled', async () => {
    await bothLive();
    const kept = await newClient();
    const revoked = await newClient();
    for (const c of [kept, revoked]) expect((await c.list(second)).statusCode).toBe(200);
    await api.db.sql('UPDATE api_client SET revoked_at = now() WHERE client_id = $1', [revoked.clientId]);
    await announced(second);
    expect((await revoked.list(second)).statusCode).toBe(401);
    expect((await kept.list(second)).statusCode).toBe(200);
    expect(second.callers.size).toBe(1);
  });

  it.runIf(onPostgres)(
    'stops trusting the cache while its notification connection is down, and starts afresh once it is back',
    async () => {
      await bothLive();
      const client = await newClient();
      expect((await client.list(second)).statusCode).toBe(200);
      expect(second.callers.size).toBeGreaterThan(0);

      // The listening connections die and, in the same transaction, the client is revoked: the
      // announcement goes nowhere, as when a connection drops just before a change.
      await api.db.sql(
        `WITH gone AS (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                       WHERE application_name = $2 AND datname = current_database())
         UPDATE api_client SET revoked_at = now() WHERE client_id = $1 AND (SELECT count(*) FROM gone) >= 0`,
        [client.clientId, LISTENER_APPLICATION_NAME],
      );
      await until(() => !second.callers.live, 'the cache to stop being trusted');
      expect(second.callers.size).toBe(0);
      expect((await client.list(second)).statusCode).toBe(401);

      // Subscribed again: trusted again, and announcements arrive again.
      await bothLive();
      const after = await newClient();
      expect((await after.list(second)).statusCode).toBe(200);
      expect(second.callers.size).toBeGreaterThan(0);
      await api.db.sql('UPDATE api_client SET revoked_at = now() WHERE client_id = $1', [after.clientId]);
      await announced(second);
      expect((await after.list(second)).statusCode).toBe(401);
    },
  );
});

describe('a single-record read with every process caching its callers and no announcement arriving', () => {
  let learnerId: string;
  beforeAll(async () => {
    const created = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, identifiers: [] },
    });
    expect(created.statusCode, created.body).toBe(201);
    learnerId = created.json().id;
  });

  /**
   * The caches ignore announcements from now until restored: what a process sees while an
   * announcement is still on its way (milliseconds on PostgreSQL), made to last.
   */
  const holdAnnouncements = () =>
    [api.app, second].map((app) =>
      vi.spyOn(app.callers as unknown as { forget(): void }, 'forget').mockImplementation(() => {}),
    );
  const release = (held: { mockRestore(): void }[]) => {
    for (const spy of held) spy.mockRestore();
  };

  it('refuses a revoked client with 401 on the very next read, on every process', async () => {
    await bothLive();
    const client = await newClient();
    for (const target of [api.app, second])
      expect((await client.read(target, learnerId)).statusCode).toBe(200);
    const held = holdAnnouncements();
    try {
      await api.db.sql('UPDATE api_client SET revoked_at = now() WHERE client_id = $1', [client.clientId]);
      // Still cached on both: nothing has told them.
      expect(api.app.callers.size).toBeGreaterThan(0);
      expect(second.callers.size).toBeGreaterThan(0);
      for (const target of [second, api.app]) {
        const refused = await client.read(target, learnerId);
        expect(refused.statusCode, refused.body).toBe(401);
      }
      // The epoch the read saw retired the cached caller for every other operation of the process too.
      expect((await client.list(second)).statusCode).toBe(401);
    } finally {
      release(held);
    }
  });

  it('refuses a revoked client with 401 on the very next list, on every process, an empty page too', async () => {
    await bothLive();
    const client = await newClient();
    for (const target of [api.app, second]) expect((await client.list(target)).statusCode).toBe(200);
    const held = holdAnnouncements();
    try {
      await api.db.sql('UPDATE api_client SET revoked_at = now() WHERE client_id = $1', [client.clientId]);
      expect(api.app.callers.size).toBeGreaterThan(0);
      expect(second.callers.size).toBeGreaterThan(0);
      const refused = await client.list(second);
      expect(refused.statusCode, refused.body).toBe(401);
      // A page with no records carries the epoch too.
      const empty = await client.list(api.app, '?updatedSince=2999-01-01T00:00:00Z');
      expect(empty.statusCode, empty.body).toBe(401);
    } finally {
      release(held);
    }
  });

  it('answers an empty page for a cached caller without checking the caller again', async () => {
    // A client polling with updatedSince gets empty pages most of the time: each is one statement,
    // the caller checked by the epoch the page returns, not by a round trip of its own.
    await bothLive();
    const client = await newClient();
    expect((await client.list(api.app)).statusCode).toBe(200);
    const recheck = vi.spyOn(api.app.callers as unknown as { recheck(): Promise<void> }, 'recheck');
    try {
      const empty = await client.list(api.app, '?updatedSince=2999-01-01T00:00:00Z');
      expect([empty.statusCode, empty.json().items]).toEqual([200, []]);
      expect(recheck).not.toHaveBeenCalled();
    } finally {
      recheck.mockRestore();
    }
  });

  it('refuses a vendor whose delegation was withdrawn with 403 on the very next read', async () => {
    await bothLive();
    const vendor = await createOrganisation(api.db.prisma, { kind: 'vendor', name: 'Epoch Records Ltd' });
    const northbridge = api.orgs.northbridge.id;
    await api.db.prisma.delegation.create({ data: { vendorId: vendor.id, organisationId: northbridge } });
    const client = await createClient(api.db.prisma, { organisationId: vendor.id, name: 'epoch vendor' });
    const token = (
      await api.app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: {
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.secret,
        },
      })
    ).json().access_token as string;
    const read = (target: FastifyInstance) =>
      target.inject({
        method: 'GET',
        url: `/v1/learners/${learnerId}`,
        headers: { authorization: `Bearer ${token}`, 'celr-on-behalf-of': northbridge },
      });
    for (const target of [api.app, second]) expect((await read(target)).statusCode).toBe(200);
    const held = holdAnnouncements();
    try {
      await api.db.sql('UPDATE delegation SET revoked_at = now() WHERE vendor_id = $1', [vendor.id]);
      for (const target of [second, api.app]) {
        const refused = await read(target);
        expect(refused.statusCode, refused.body).toBe(403);
        expect(refused.json().type).toBe('urn:celr:problem:forbidden');
      }
    } finally {
      release(held);
    }
  });

  it('still answers a client the change did not concern', async () => {
    await bothLive();
    const kept = await newClient();
    const other = await newClient();
    expect((await kept.read(second, learnerId)).statusCode).toBe(200);
    const held = holdAnnouncements();
    try {
      await api.db.sql('UPDATE api_client SET revoked_at = now() WHERE client_id = $1', [other.clientId]);
      const res = await kept.read(second, learnerId);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().id).toBe(learnerId);
      expect((await other.read(second, learnerId)).statusCode).toBe(401);
      expect((await kept.read(second, learnerId)).statusCode).toBe(200);
    } finally {
      release(held);
    }
  });
});
