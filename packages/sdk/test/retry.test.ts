import { describe, expect, it } from 'vitest';
import { CelrProblemError } from '../src/errors.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  parseRetryAfter,
  type RetryEvent,
  retryingFetch,
} from '../src/retry.js';

const problem = (status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: 'urn:celr:problem:x', title: 'x', status }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

/** A fetch that answers from a script and records what it was sent. */
function scripted(...answers: (Response | Error)[]) {
  const seen: { method: string; body: string; key: string | null }[] = [];
  const fetch = async (request: Request) => {
    seen.push({
      method: request.method,
      body: await request.text(),
      key: request.headers.get('idempotency-key'),
    });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, seen };
}

function harness(options = {}) {
  const waits: number[] = [];
  const events: RetryEvent[] = [];
  return {
    waits,
    events,
    hooks: {
      sleep: async (ms: number) => void waits.push(ms),
      random: () => 0.5,
      onRetry: (e: RetryEvent) => void events.push(e),
    },
    options: { ...DEFAULT_RETRY, ...options },
  };
}

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter(' 7 ')).toBe(7000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(5000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:29:00 GMT')),
    ).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles the ceiling each attempt, with full jitter, capped', () => {
    const options = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(200);
  });
});

describe('retryingFetch', () => {
  it('retries 429 and 503, after Retry-After when given and a backoff otherwise, replaying the same body', async () => {
    const { fetch, seen } = scripted(
      problem(429, { 'retry-after': '2' }),
      problem(503),
      new Response('{}', { status: 201 }),
    );
    const h = harness();
    const response = await retryingFetch(
      fetch,
      h.options,
      h.hooks,
    )(
      new Request('http://api/v1/plans', {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'idempotency-key': 'k1' },
      }),
    );
    expect(response.status).toBe(201);
    expect(h.waits).toEqual([2000, 250]); // Retry-After: 2; then half (random 0.5) of 250 * 2^1
    expect(seen).toEqual([
      { method: 'POST', body: '{"a":1}', key: 'k1' },
      { method: 'POST', body: '{"a":1}', key: 'k1' },
      { method: 'POST', body: '{"a":1}', key: 'k1' },
    ]);
    expect(h.events.map((e) => [e.attempt, e.status, e.delayMs])).toEqual([
      [1, 429, 2000],
      [2, 503, 250],
    ]);
  });

  it('hands back the last 429 when the retries run out, or when Retry-After is longer than maxDelayMs', async () => {
    const out = scripted(problem(429), problem(429), problem(429));
    const h = harness({ retries: 2 });
    expect(
      (await retryingFetch(out.fetch, h.options, h.hooks)(new Request('http://api/v1/learners'))).status,
    ).toBe(429);
    expect(out.seen).toHaveLength(3);

    const long = scripted(problem(503, { 'retry-after': '3600' }));
    const h2 = harness();
    expect(
      (await retryingFetch(long.fetch, h2.options, h2.hooks)(new Request('http://api/v1/learners'))).status,
    ).toBe(503);
    expect(h2.waits).toEqual([]);
  });

  it('does not retry other statuses, or anything when retries are off', async () => {
    for (const status of [400, 409, 412, 422, 500]) {
      const { fetch, seen } = scripted(problem(status));
      const h = harness();
      expect((await retryingFetch(fetch, h.options, h.hooks)(new Request('http://api/x'))).status).toBe(
        status,
      );
      expect(seen).toHaveLength(1);
    }
    const off = scripted(problem(429));
    expect((await retryingFetch(off.fetch, false, harness().hooks)(new Request('http://api/x'))).status).toBe(
      429,
    );
    expect(off.seen).toHaveLength(1);
  });

  it('keeps the default of an option given as undefined, as exactOptionalPropertyTypes lets a caller write', async () => {
    const { fetch, seen } = scripted(problem(503), problem(503), problem(503), problem(503), problem(503));
    const h = harness();
    const options = { retries: undefined, baseDelayMs: undefined, statuses: undefined };
    expect((await retryingFetch(fetch, options, h.hooks)(new Request('http://api/x'))).status).toBe(503);
    expect(seen).toHaveLength(1 + DEFAULT_RETRY.retries);
    expect(h.waits).toEqual([125, 250, 500, 1000]);
  });

  it('retries a request without a response only when replaying it is harmless', async () => {
    const refused = () => new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    const get = scripted(refused(), new Response('{}'));
    const h = harness();
    expect(
      (await retryingFetch(get.fetch, h.options, h.hooks)(new Request('http://api/v1/learners'))).status,
    ).toBe(200);

    const keyed = scripted(refused(), new Response('{}', { status: 201 }));
    const post = new Request('http://api/v1/plans', {
      method: 'POST',
      body: '{}',
      headers: { 'idempotency-key': 'k' },
    });
    expect((await retryingFetch(keyed.fetch, h.options, h.hooks)(post)).status).toBe(201);

    // A PUT that reached the API before the connection broke would be refused (412) if sent again.
    const put = scripted(refused(), new Response('{}'));
    const error = await retryingFetch(
      put.fetch,
      h.options,
      h.hooks,
    )(new Request('http://api/v1/plans/1', { method: 'PUT', body: '{}' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CelrProblemError);
    expect(error).toMatchObject({ status: 0, type: 'urn:celr:problem:client-network' });
    expect(put.seen).toHaveLength(1);
  });

  it('lets an abort by the caller through as it is, without retrying', async () => {
    const controller = new AbortController();
    controller.abort();
    const aborted = scripted(new DOMException('This operation was aborted', 'AbortError'));
    const h = harness();
    const request = new Request('http://api/v1/learners', { signal: controller.signal });
    const error = await retryingFetch(aborted.fetch, h.options, h.hooks)(request).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(error).not.toBeInstanceOf(CelrProblemError);
    expect(aborted.seen).toHaveLength(1);
  });
});
