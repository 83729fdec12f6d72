import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createOrganisation } from '../src/admin/organisations.js';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { BulkImportWorker } from '../src/bulk/import-worker.js';
import { syntheticCohort } from '../src/demo/cohort.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

const ON_BEHALF_OF = 'celr-on-behalf-of';

/** A vendor of its own, with one client and a token, so revoking its delegations touches no other test. */
async function newVendor(name: string) {
  const org = await createOrganisation(api.db.prisma, { kind: 'vendor', name });
  const client = await createClient(api.db.prisma, { organisationId: org.id, name: `${name} sync` });
  const res = await api.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret },
  });
  expect(res.statusCode, res.body).toBe(200);
  const token = res.json().access_token as string;
  return {
    org,
    client,
    as: (options: InjectOptions, onBehalfOf?: string, target = api.app) =>
      target.inject({
        ...options,
        headers: {
          authorization: `Bearer ${token}`,
          ...(onBehalfOf ? { [ON_BEHALF_OF]: onBehalfOf } : {}),
          ...options.headers,
        },
      }),
  };
}

const delegate = (vendorId: string, organisationId: string) =>
  api.as('operator', {
    method: 'POST',
    url: '/v1/admin/delegations',
    payload: { vendorId, organisationId },
  });
const revoke = (vendorId: string, organisationId: string) =>
  api.as('operator', { method: 'DELETE', url: `/v1/admin/delegations/${vendorId}/${organisationId}` });

describe('GET /v1/me', () => {
  it('tells a local authority who it is, with its LA code and scopes, and no delegations', async () => {
    const res = await api.as('northbridge', { method: 'GET', url: '/v1/me' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { clientId } = await api.client('northbridge');
    const me = res.json();
    expect(me).toEqual({
      client: { id: clientId, name: 'northbridge test client' },
      organisation: {
        id: api.orgs.northbridge.id,
        name: 'Northbridge Borough Council',
        kind: 'local-authority',
        scheme: 'la-code',
        code: '990',
      },
      scopes: expect.arrayContaining(['learners:read', 'audit:read', 'transfers:send']),
      actingFor: {
        id: api.orgs.northbridge.id,
        name: 'Northbridge Borough Council',
        kind: 'local-authority',
      },
      delegatedBy: [],
    });
    expect(me.scopes).not.toContain('admin');
  });

  it('names a Scottish council by its council code', async () => {
    const me = (await api.as('glenmoray', { method: 'GET', url: '/v1/me' })).json();
    expect(me.organisation).toMatchObject({
      kind: 'local-authority',
      scheme: 'council-code',
      code: 'S12000099',
    });
  });

  it('tells a school its URN', async () => {
    const res = await api.as('school', { method: 'GET', url: '/v1/me' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      organisation: { id: api.orgs.school.id, kind: 'school', scheme: 'urn', code: '990001' },
      actingFor: { id: api.orgs.school.id },
      delegatedBy: [],
    });
  });

  it('tells a vendor which organisations delegated to it: the ids for CELR-On-Behalf-Of', async () => {
    const res = await api.as('vendor', { method: 'GET', url: '/v1/me' });
    expect(res.statusCode, res.body).toBe(200);
    const me = res.json();
    expect(me.organisation).toMatchObject({ id: api.orgs.vendor.id, kind: 'vendor', scheme: 'celr-vendor' });
    expect(me.actingFor.id).toBe(api.orgs.vendor.id);
    expect(me.delegatedBy).toEqual([
      { id: api.orgs.northbridge.id, name: 'Northbridge Borough Council', scheme: 'la-code', code: '990' },
    ]);
    // The id it lists is the one that works in the header, and the answer then says so.
    const acting = await api.as('vendor', {
      method: 'GET',
      url: '/v1/me',
      headers: { [ON_BEHALF_OF]: me.delegatedBy[0].id },
    });
    expect(acting.statusCode, acting.body).toBe(200);
    expect(acting.json().actingFor).toEqual({
      id: api.orgs.northbridge.id,
      name: 'Northbridge Borough Council',
      kind: 'local-authority',
    });
    // An organisation that never delegated to it is refused, as on every other operation.
    const notDelegated = await api.as('vendor', {
      method: 'GET',
      url: '/v1/me',
      headers: { [ON_BEHALF_OF]: api.orgs.eastmere.id },
    });
    expect(notDelegated.statusCode, notDelegated.body).toBe(403);
  });

  it('tells the platform operator it has the admin scope and no public code', async () => {
    const res = await api.as('operator', { method: 'GET', url: '/v1/me' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      organisation: { id: api.orgs.operator.id, kind: 'operator', scheme: null, code: null },
      scopes: ['admin', 'compliance:manage'],
      delegatedBy: [],
    });
  });

  it('needs no scope, only a valid token', async () => {
    const narrow = await api.as('eastmere', { method: 'GET', url: '/v1/me', scopes: ['plans:read'] });
    expect(narrow.statusCode, narrow.body).toBe(200);
    expect(narrow.json().scopes).toEqual(['plans:read']);
    const anonymous = await api.app.inject({ method: 'GET', url: '/v1/me' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('revoking a delegation', () => {
  it('stops the vendor acting for the organisation at once, on every process, and is audited', async () => {
    const vendor = await newVendor('Revoked Records Ltd');
    const eastmere = api.orgs.eastmere.id;
    expect((await delegate(vendor.org.id, eastmere)).statusCode).toBe(201);
    const list = { method: 'GET', url: '/v1/learners' } as const;
    expect((await vendor.as(list, eastmere)).statusCode).toBe(200);
    expect((await vendor.as({ method: 'GET', url: '/v1/me' })).json().delegatedBy).toEqual([
      { id: eastmere, name: 'Eastmere County Council', scheme: 'la-code', code: '991' },
    ]);
    const second = await api.secondProcess();
    try {
      expect((await vendor.as(list, eastmere, second)).statusCode).toBe(200);

      const res = await revoke(vendor.org.id, eastmere);
      expect(res.statusCode, res.body).toBe(204);

      // The same token, a moment later, on either process: refused, and /v1/me no longer lists it.
      for (const target of [api.app, second]) {
        const refused = await vendor.as(list, eastmere, target);
        expect(refused.statusCode, refused.body).toBe(403);
        expect(refused.json().type).toBe('urn:celr:problem:forbidden');
      }
      expect((await vendor.as({ method: 'GET', url: '/v1/me' })).json().delegatedBy).toEqual([]);
      // The vendor's own client still works for itself: only the delegation went.
      expect((await vendor.as({ method: 'GET', url: '/v1/me' })).statusCode).toBe(200);
    } finally {
      await second.close();
    }

    // Kept, marked revoked; revoking again finds nothing in force.
    const row = await api.db.prisma.delegation.findUnique({
      where: { vendorId_organisationId: { vendorId: vendor.org.id, organisationId: eastmere } },
    });
    expect(row?.revokedAt).toBeInstanceOf(Date);
    expect((await revoke(vendor.org.id, eastmere)).statusCode).toBe(404);

    const { clientId } = await api.client('operator');
    const events = await api.db.prisma.auditEvent.findMany({
      where: { recordKind: 'delegation', recordId: vendor.org.id },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => [e.action, e.organisationId, e.clientId, e.outcome])).toEqual([
      ['delegation-delegate', eastmere, clientId, 'success'],
      ['delegation-revoke', eastmere, clientId, 'success'],
    ]);

    // Delegating again restores it.
    expect((await delegate(vendor.org.id, eastmere)).statusCode).toBe(201);
    expect((await vendor.as(list, eastmere)).statusCode).toBe(200);
  });

  it('answers 404 for a delegation that never was, and 400 for ids that are not UUIDs', async () => {
    const vendor = await newVendor('Never Delegated Ltd');
    const missing = await revoke(vendor.org.id, api.orgs.glenmoray.id);
    expect(missing.statusCode, missing.body).toBe(404);
    expect(missing.json().type).toBe('urn:celr:problem:not-found');
    const malformed = await revoke('not-a-uuid', api.orgs.glenmoray.id);
    expect(malformed.statusCode, malformed.body).toBe(400);
  });

  it('is for the platform operator only', async () => {
    const res = await api.as('northbridge', {
      method: 'DELETE',
      url: `/v1/admin/delegations/${api.orgs.vendor.id}/${api.orgs.northbridge.id}`,
    });
    expect(res.statusCode, res.body).toBe(403);
    expect((await api.as('vendor', { method: 'GET', url: '/v1/me' })).json().delegatedBy).toHaveLength(1);
  });
});

describe('revocation stops a running bulk import before its next block', () => {
  /** How many learners of the synthetic cohort from..from+count exist. */
  async function written(from: number, count: number) {
    const values = Array.from({ length: count }, (_, i) => `NB-${String(from + i).padStart(6, '0')}`);
    const [row] = await api.db.sql<{ n: number }>(
      `SELECT count(DISTINCT learner_id)::int AS n FROM learner_identifier
       WHERE system = 'la-child-id:990' AND value = ANY($1::text[])`,
      [values],
    );
    return row!.n;
  }

  async function jobRow(id: string) {
    const [row] = await api.db.sql<{
      status: string;
      created: number;
      linesDone: number;
      problem: { type: string; detail: string } | null;
    }>('SELECT status, created, lines_done AS "linesDone", problem FROM bulk_import WHERE id = $1::uuid', [
      id,
    ]);
    return row!;
  }

  it.each([
    ['the delegation is revoked', 'delegation', 70_000, 'urn:celr:problem:forbidden', /no longer delegates/],
    ['the vendor client is revoked', 'client', 80_000, 'urn:celr:problem:unauthorised', /revoked/],
  ] as const)(
    'when %s, the blocks written stay and nothing after them is written',
    async (_, what, from, type, detail) => {
      const vendor = await newVendor(`Bulk ${what} Ltd`);
      const northbridge = api.orgs.northbridge.id;
      expect((await delegate(vendor.org.id, northbridge)).statusCode).toBe(201);
      const submitted = await vendor.as(
        {
          method: 'POST',
          url: '/v1/bulk/import?mode=per-record',
          headers: { 'content-type': 'application/x-ndjson' },
          payload: syntheticCohort(3000, from),
        },
        northbridge,
      );
      expect(submitted.statusCode, submitted.body).toBe(202);
      const id = (submitted.headers.location as string).split('/').at(-1)!;

      // Blocks are 1000 lines. The worker reads block 2 once block 1 is committed (on PostgreSQL it
      // reads the next block while writing this one, so the hook waits for the commit), and the
      // operator revokes over HTTP then, while the job is running.
      let reads = 0;
      const worker = new BulkImportWorker(api.db, new AuditTrail(api.db.sql), {}, () => {}, {
        beforeRead: async () => {
          if (++reads !== 2) return;
          for (let i = 0; i < 200 && (await jobRow(id)).created < 1000; i++)
            await new Promise((r) => setTimeout(r, 25));
          const res =
            what === 'delegation'
              ? await revoke(vendor.org.id, northbridge)
              : await api.as('operator', {
                  method: 'POST',
                  url: `/v1/admin/clients/${vendor.client.clientId}/revoke`,
                });
          expect(res.statusCode, res.body).toBe(204);
        },
      });
      expect(await worker.tick()).toBe(1);
      const job = await jobRow(id);
      expect(job).toMatchObject({ status: 'partially-succeeded', created: 1000, linesDone: 1000 });
      expect(job.problem?.type).toBe(type);
      expect(job.problem?.detail).toMatch(detail);
      expect(await written(from, 3000)).toBe(1000);
      expect(reads).toBeGreaterThanOrEqual(2);
    },
  );

  it('an all-or-nothing job whose delegation was revoked before it ran writes nothing', async () => {
    const vendor = await newVendor('Bulk all-or-nothing Ltd');
    const northbridge = api.orgs.northbridge.id;
    expect((await delegate(vendor.org.id, northbridge)).statusCode).toBe(201);
    const submitted = await vendor.as(
      {
        method: 'POST',
        url: '/v1/bulk/import?mode=all-or-nothing',
        headers: { 'content-type': 'application/x-ndjson' },
        payload: syntheticCohort(5, 90_000),
      },
      northbridge,
    );
    expect(submitted.statusCode, submitted.body).toBe(202);
    expect((await revoke(vendor.org.id, northbridge)).statusCode).toBe(204);
    await api.app.bulkImports!.tick();
    const job = await jobRow((submitted.headers.location as string).split('/').at(-1)!);
    expect(job).toMatchObject({ status: 'failed', created: 0 });
    expect(job.problem?.type).toBe('urn:celr:problem:forbidden');
    expect(await written(90_000, 5)).toBe(0);
  });
});
