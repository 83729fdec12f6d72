/**
 * @celr/sdk against the API running on a real socket: authentication, records, ETags, pagination,
 * retries and problems, all over HTTP as a user's program would see them.
 */

import { readFileSync } from 'node:fs';
import {
  type CelrClient,
  CelrProblemError,
  CLIENT_VALIDATION,
  createCelrClient,
  etagOf,
  isCelrProblem,
  type RetryEvent,
} from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { learner, plan, upn } from './support/records.js';

let api: RunningApi;
let celr: CelrClient;
/** Every request the SDK made, as method and path. */
const sent: { method: string; path: string; headers: Headers }[] = [];

const recordingFetch = (request: Request) => {
  sent.push({
    method: request.method,
    path: new URL(request.url).pathname,
    headers: new Headers(request.headers),
  });
  return fetch(request);
};

beforeAll(async () => {
  api = await startApi();
  celr = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
    fetch: recordingFetch,
  });
});
afterAll(() => api?.close());

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('authentication', () => {
  it('gets one token with client credentials (form-encoded) and reuses it', async () => {
    const before = sent.filter((r) => r.path === '/oauth/token').length;
    const fresh = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.northbridge.clientId,
      clientSecret: api.clients.northbridge.secret,
      fetch: recordingFetch,
    });
    await Promise.all([all(fresh.list('learner')), all(fresh.list('plan')), all(fresh.list('meeting'))]);
    const tokenRequests = sent.filter((r) => r.path === '/oauth/token');
    expect(tokenRequests.length - before).toBe(1);
    expect(tokenRequests.at(-1)?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(sent.at(-1)?.headers.get('authorization')).toMatch(/^Bearer ey/);
  });

  it('reports a wrong secret as a problem', async () => {
    const wrong = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.northbridge.clientId,
      clientSecret: 'not-the-secret',
    });
    const error = await all(wrong.list('learner')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CelrProblemError);
    expect(error).toMatchObject({ status: 401, type: 'urn:celr:problem:unauthorised' });
  });
});

describe('records', () => {
  it('creates, reads, replaces and patches a learner, with ETags', async () => {
    const created = await celr.create('learner', learner(1));
    expect(created.meta.version).toBe(1);
    expect(etagOf(created)).toBe('"v1"');

    const read = await celr.get('learner', created.id);
    expect(read.name.given).toBe('Test1');
    const replaced = await celr.replace('learner', read.id, {
      ...read,
      name: { given: 'Ada', family: 'Learner' },
    });
    expect(replaced.meta.version).toBe(2);
    expect(etagOf(replaced)).toBe('"v2"');

    const patched = await celr.patch(
      'learner',
      read.id,
      { dateOfBirth: '2013-06-01' },
      { ifMatch: etagOf(replaced)! },
    );
    expect(patched).toMatchObject({
      dateOfBirth: '2013-06-01',
      name: { given: 'Ada' },
      meta: { version: 3 },
    });
  });

  it('upserts a learner by UPN: created once, then replaced in place', async () => {
    const id = { system: 'upn', value: upn(2) };
    const first = await celr.upsertLearner(id, learner(2));
    const second = await celr.upsertLearner(id, learner(2, { dateOfBirth: '2012-01-01' }));
    expect(second.id).toBe(first.id);
    expect(second.meta.version).toBe(2);
    const found = await all(celr.list('learner', { identifier: `upn|${upn(2)}` }));
    expect(found.map((l) => l.id)).toEqual([first.id]);
  });

  it('reads and deletes through the typed methods by path', async () => {
    const created = await celr.POST('/v1/learners', { body: learner(3) });
    const read = await celr.GET('/v1/learners/{id}', { params: { path: { id: created.id } } });
    expect(read.id).toBe(created.id);
    await celr.DELETE('/v1/learners/{id}', { params: { path: { id: created.id } } });
    const gone = await celr.get('learner', created.id).catch((e: unknown) => e);
    expect(gone).toMatchObject({ status: 410, type: 'urn:celr:problem:gone' });
  });

  it('answers a record it cannot see with a not-found problem carrying the request id', async () => {
    const error = await celr.get('plan', '00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(isCelrProblem(error, 'not-found')).toBe(true);
    expect((error as CelrProblemError).requestId).toMatch(/.+/);
    expect((error as CelrProblemError).response?.status).toBe(404);
  });
});

describe('safe updates with ETags', () => {
  it('update() re-reads and reapplies the change when someone else wrote in between (412)', async () => {
    const created = await celr.create('learner', learner(10));
    const other = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.northbridge.clientId,
      clientSecret: api.clients.northbridge.secret,
    });
    let calls = 0;
    const updated = await celr.update('learner', created.id, async (current) => {
      calls++;
      if (calls === 1) {
        // Someone else changes the learner after our read: our first write must be refused.
        await other.replace('learner', current.id, { ...current, dateOfBirth: '2013-07-07' });
      }
      return { ...current, name: { ...current.name, preferred: 'Tee' } };
    });
    expect(calls).toBe(2);
    // Both changes stand: theirs (v2) and ours, reapplied on top of it (v3).
    expect(updated).toMatchObject({
      dateOfBirth: '2013-07-07',
      name: { preferred: 'Tee' },
      meta: { version: 3 },
    });
  });

  it('update() gives up after the attempts it was given, with the 412 problem', async () => {
    const created = await celr.create('learner', learner(11));
    let calls = 0;
    const error = await celr
      .update(
        'learner',
        created.id,
        async (current) => {
          calls++;
          await celr.replace('learner', current.id, { ...current, dateOfBirth: `2013-07-1${calls}` });
          return { ...current, name: { ...current.name, preferred: 'Never' } };
        },
        { attempts: 2 },
      )
      .catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(isCelrProblem(error, 'precondition-failed')).toBe(true);
  });

  it('a replace with a stale ETag surfaces as a CelrProblemError (412), nothing overwritten', async () => {
    const created = await celr.create('learner', learner(12));
    await celr.replace('learner', created.id, { ...created, dateOfBirth: '2013-08-08' });
    const error = await celr
      .replace('learner', created.id, { ...created, dateOfBirth: '2013-09-09' }, { ifMatch: etagOf(created) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CelrProblemError);
    expect(error).toMatchObject({
      status: 412,
      type: 'urn:celr:problem:precondition-failed',
      title: 'The record has changed since it was read',
    });
    expect((await celr.get('learner', created.id)).dateOfBirth).toBe('2013-08-08');
  });

  it('etagOf works for records from a list, which carry no ETag header', async () => {
    const created = await celr.create('learner', learner(13));
    const [listed] = await all(celr.list('learner', { identifier: `upn|${upn(13)}` }));
    expect(etagOf(listed)).toBe('"v1"');
    const replaced = await celr.replace('learner', created.id, { ...listed!, dateOfBirth: '2013-10-10' });
    expect(replaced.meta.version).toBe(2);
  });
});

describe('pagination', () => {
  it('follows the next links to the end, with the async iterators', async () => {
    const owner = await celr.create('learner', learner(20));
    const made = [];
    for (let i = 0; i < 7; i++)
      made.push(await celr.create('plan', plan(owner.id, { reviewDue: `2026-01-0${i + 1}` })));

    const listed = await all(celr.list('plan', { learner: owner.id, limit: 2 }));
    expect(listed.map((p) => p.id).sort()).toEqual(made.map((p) => p.id).sort());

    const pages = await all(
      celr.pages('/v1/learners/{id}/plans', { params: { path: { id: owner.id }, query: { limit: 3 } } }),
    );
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.at(-1)?.next).toBeUndefined();

    const items = await all(
      celr.paginate('/v1/plans', { params: { query: { learner: owner.id, limit: 200 } } }),
    );
    expect(items).toHaveLength(7);
  });

  it('asks for the largest page the OpenAPI document allows when the caller sets no limit', async () => {
    const document = JSON.parse(
      readFileSync(new URL('../../apps/api/openapi.json', import.meta.url), 'utf8'),
    );
    const maximumOf = (path: string) =>
      document.paths[path].get.parameters.find((p: { name: string }) => p.name === 'limit').schema.maximum;
    const queries: URLSearchParams[] = [];
    const watching = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.northbridge.clientId,
      clientSecret: api.clients.northbridge.secret,
      fetch: (request) => {
        const url = new URL(request.url);
        if (url.pathname !== '/oauth/token') queries.push(url.searchParams);
        return fetch(request);
      },
    });
    await all(watching.list('learner'));
    await all(watching.paginate('/v1/changes'));
    await all(watching.list('plan', { limit: 7 }));
    expect(queries.map((q) => q.get('limit'))).toEqual([
      String(maximumOf('/v1/learners')),
      String(maximumOf('/v1/changes')),
      '7',
    ]);
    expect(maximumOf('/v1/learners')).toBeGreaterThan(50);
  });

  it('follows the `after` positions of the change feed and of bulk import errors', async () => {
    const owner = await celr.create('learner', learner(21));
    for (let i = 0; i < 3; i++) await celr.create('plan', plan(owner.id, { reviewDue: `2026-02-0${i + 1}` }));
    const changes = await all(celr.pages('/v1/changes', { params: { query: { limit: 2 } } }));
    expect(changes.length).toBeGreaterThan(2);
    const planIds = changes.flatMap((page) => page.items).filter((c) => c.recordKind === 'plan');
    expect(planIds.length).toBeGreaterThanOrEqual(3);

    api.app.bulkImports?.start(); // the worker that runs import jobs
    const lines = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({ kind: 'learner', record: { jurisdiction: 'england', nope: i } }),
    ).join('\n');
    let status = await celr.POST('/v1/bulk/import', {
      params: { query: { mode: 'per-record' } },
      body: lines,
      bodySerializer: (body: string) => body,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    while (!['succeeded', 'partially-succeeded', 'failed'].includes(status.status)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await celr.GET('/v1/bulk/import/{id}', { params: { path: { id: status.id } } });
    }
    const errorPages = await all(
      celr.pages('/v1/bulk/import/{id}/errors', { params: { path: { id: status.id }, query: { limit: 2 } } }),
    );
    expect(errorPages.length).toBeGreaterThanOrEqual(3);
    expect(new Set(errorPages.flatMap((page) => page.items).map((e) => e.line))).toEqual(
      new Set([1, 2, 3, 4, 5]),
    );
  });
});

describe('retries', () => {
  it('retries a POST answered 429 after it was processed, and the Idempotency-Key prevents a duplicate', async () => {
    const owner = await celr.create('learner', learner(30));
    const attempts: { key: string | null; status: number; replayed: string | null }[] = [];
    const retries: RetryEvent[] = [];
    let first = true;
    const flaky = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.northbridge.clientId,
      clientSecret: api.clients.northbridge.secret,
      onRetry: (event) => retries.push(event),
      fetch: async (request) => {
        const key = request.headers.get('idempotency-key');
        const createsPlan = request.method === 'POST' && new URL(request.url).pathname === '/v1/plans';
        const response = await fetch(request);
        if (createsPlan && first) {
          // The API created the plan, but the client only hears "slow down": it must not create it again.
          first = false;
          attempts.push({ key, status: 429, replayed: null });
          return new Response(
            JSON.stringify({
              type: 'urn:celr:problem:rate-limited',
              title: 'Too many requests',
              status: 429,
            }),
            {
              status: 429,
              headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
            },
          );
        }
        if (createsPlan)
          attempts.push({
            key,
            status: response.status,
            replayed: response.headers.get('idempotent-replayed'),
          });
        return response;
      },
    });
    const created = await flaky.create('plan', plan(owner.id));
    expect(retries).toMatchObject([{ method: 'POST', status: 429, attempt: 1, delayMs: 0 }]);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(attempts[1]).toEqual({ key: attempts[0]?.key, status: 201, replayed: 'true' });
    const plans = await all(celr.list('plan', { learner: owner.id }));
    expect(plans.map((p) => p.id)).toEqual([created.id]);
  });

  it('retries a 503 on a read, and gives up with the problem when retries are off', async () => {
    const unavailable = () =>
      new Response(
        JSON.stringify({
          type: 'urn:celr:problem:unavailable',
          title: 'The service is not available',
          status: 503,
        }),
        {
          status: 503,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
        },
      );
    let failures = 1;
    const options = {
      baseUrl: api.baseUrl,
      clientId: api.clients.northbridge.clientId,
      clientSecret: api.clients.northbridge.secret,
      fetch: async (request: Request) =>
        request.method === 'GET' && failures-- > 0 ? unavailable() : fetch(request),
    };
    const page = await createCelrClient(options).GET('/v1/learners', { params: { query: { limit: 1 } } });
    expect(page.items).toHaveLength(1);
    failures = 1;
    const error = await createCelrClient({ ...options, retry: false })
      .GET('/v1/learners', {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, type: 'urn:celr:problem:unavailable' });
  });
});

describe('validation', () => {
  it('turns a 422 into a CelrProblemError listing each field by pointer and rule', async () => {
    const bad = learner(40, {
      dateOfBirth: '2013-02-30',
      identifiers: [{ system: 'upn', value: 'A990123424001' }],
    });
    const error = await celr.create('learner', bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CelrProblemError);
    const problem = error as CelrProblemError;
    expect(problem).toMatchObject({ status: 422, type: 'urn:celr:problem:validation' });
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/dateOfBirth', rule: 'format' }),
        expect.objectContaining({ pointer: '/identifiers/0/value', rule: 'upn-check-letter' }),
      ]),
    );
  });

  it('checks bodies before sending when asked, with the same error type and no request', async () => {
    const strict = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.northbridge.clientId,
      clientSecret: api.clients.northbridge.secret,
      validate: true,
      fetch: recordingFetch,
    });
    const before = sent.length;
    const error = await strict
      .create('learner', learner(41, { dateOfBirth: '2999-01-01' }))
      .catch((e: unknown) => e);
    expect(sent.length).toBe(before);
    expect(error).toBeInstanceOf(CelrProblemError);
    expect(error).toMatchObject({
      status: 0,
      type: CLIENT_VALIDATION,
      errors: expect.arrayContaining([
        expect.objectContaining({ pointer: '/dateOfBirth', rule: 'date-not-in-future' }),
      ]),
    });
    // Valid bodies go through; and per call, validation can be turned off (the API then answers).
    await expect(strict.create('learner', learner(42))).resolves.toMatchObject({ meta: { version: 1 } });
    const server = await strict
      .create('learner', learner(43, { dateOfBirth: '2999-01-01' }), { validate: false })
      .catch((e: unknown) => e);
    expect(server).toMatchObject({
      status: 422,
      errors: expect.arrayContaining([expect.objectContaining({ pointer: '/dateOfBirth' })]),
    });
  });
});

describe('vendors', () => {
  it('act for an organisation that delegated to them with onBehalfOf', async () => {
    const mine = await celr.create('learner', learner(50));
    const vendor = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.vendor.clientId,
      clientSecret: api.clients.vendor.secret,
      onBehalfOf: api.orgs.northbridge.id,
      fetch: recordingFetch,
    });
    const seen = await vendor.get('learner', mine.id);
    expect(seen.id).toBe(mine.id);
    expect(sent.at(-1)?.headers.get('celr-on-behalf-of')).toBe(api.orgs.northbridge.id);

    // Not for one that did not delegate, and not without saying whom they act for.
    const eastmere = await vendor
      .actingFor(api.orgs.eastmere.id)
      .get('learner', mine.id)
      .catch((e: unknown) => e);
    expect(eastmere).toMatchObject({ status: 403, type: 'urn:celr:problem:forbidden' });
    const alone = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.vendor.clientId,
      clientSecret: api.clients.vendor.secret,
    });
    await expect(alone.get('learner', mine.id)).rejects.toMatchObject({ status: 404 });
  });
});
