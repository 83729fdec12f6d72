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
