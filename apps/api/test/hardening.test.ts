import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api.js';

/** Redis for the shared-limit test; like TEST_DATABASE_URL, CI sets it and a bare machine skips it. */
const redisUrl = process.env.TEST_REDIS_URL;

describe('rate limits, security headers and CORS', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({
      rateLimit: { max: 5, windowMs: 60_000 },
      corsOrigins: ['https://epep.example'],
    });
  });
  afterAll(async () => api?.close());

  it('limits each client separately, answering 429 with Retry-After as a problem', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestApi['as']>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await api.as('northbridge', { method: 'GET', url: '/v1/learners' });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.json().type).toBe('urn:celr:problem:rate-limited');
    // Another client is not held back by the first one's traffic.
    expect((await api.as('eastmere', { method: 'GET', url: '/v1/learners' })).statusCode).toBe(200);
  });

  it('sends security headers', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-frame-options']).toBeDefined();
  });

  it('answers CORS preflights for listed origins only', async () => {
    const preflight = (origin: string) =>
      api.app.inject({
        method: 'OPTIONS',
        url: '/v1/learners',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight('https://epep.example');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://epep.example');
    expect(String(allowed.headers['access-control-allow-headers'])).toMatch(/authorization/);
    const other = await preflight('https://elsewhere.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe.skipIf(!redisUrl)('rate limits across processes (Redis)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ rateLimit: { max: 4, windowMs: 60_000 }, redisUrl });
  });
  afterAll(async () => api?.close());

  it("counts one client's requests on every process against one limit", async () => {
    const other = await api.secondProcess();
    try {
      // A fresh client, so counts left in Redis by earlier runs cannot interfere.
      const scopes = ['learners:read' as const];
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const target = i % 2 === 0 ? api.app : other;
        statuses.push(
          (await api.as('glenmoray', { method: 'GET', url: '/v1/learners', scopes }, target)).statusCode,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await other.close();
    }
  });
});

describe('when the database is away', () => {
  it('answers 503 with Retry-After, not 500', async () => {
    const { buildApp } = await import('../src/app.js');
    const { configFromEnv } = await import('../src/config.js');
    const { openDatabase } = await import('../src/db/database.js');
    const { generateKeyPair, SignJWT } = await import('jose');
    // Nothing listens on port 9: every connection is refused.
    const db = await openDatabase({ url: 'postgresql://postgres@127.0.0.1:9/none', poolSize: 1 });
    const config = configFromEnv({});
    const app = await buildApp({ db, config });
    try {
      const token = await new SignJWT({ org: '01a20d20-9b05-70cd-bb35-f93a1a9359b0', scope: 'learners:read' })
        // A well-formed ES256 token: checking its key needs the database, which is down.
        .setProtectedHeader({ alg: 'ES256', kid: 'some-key', typ: 'at+jwt' })
        .setSubject('some-client')
        .setIssuer(config.tokens.issuer)
        .setAudience(config.tokens.audience)
        .setExpirationTime('1m')
        .sign((await generateKeyPair('ES256')).privateKey);
      const res = await app.inject({
        method: 'GET',
        url: '/v1/learners',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().type).toBe('urn:celr:problem:unavailable');
      expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
    } finally {
      await app.close();
      await db.close();
    }
  });
});

describe('retention', () => {
  it('forgets replayable responses after their time, and keeps the ones still inside it', async () => {
    const { purgeExpired } = await import('../src/maintenance.js');
    const api = await startTestApi();
    try {
      const { englandLearner } = await import('@celr/schema');
      await api.as('northbridge', {
        method: 'POST',
        url: '/v1/learners',
        payload: { ...englandLearner, identifiers: [] },
        headers: { 'idempotency-key': 'kept-for-a-day' },
      });
      expect(await api.db.prisma.idempotencyKey.count()).toBe(1);
      await purgeExpired(api.db, { idempotencyHours: 24, changeFeedDays: 90, bulkImportDays: 7 });
      expect(await api.db.prisma.idempotencyKey.count()).toBe(1);
      await purgeExpired(
        api.db,
        { idempotencyHours: 24, changeFeedDays: 90, bulkImportDays: 7 },
        new Date(Date.now() + 25 * 3600_000),
      );
      expect(await api.db.prisma.idempotencyKey.count()).toBe(0);
    } finally {
      await api.close();
    }
  });
});
