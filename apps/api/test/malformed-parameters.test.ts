import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * Malformed parameters, headers and credentials are the client's fault: each gets the RFC 9457
 * problem of its kind, never a 500 and never Fastify's own JSON. Each case below once gave a 500
 * (or the wrong status) against the running server (issue 12).
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ rateLimit: { max: 1_000_000, windowMs: 60_000 } });
}, 300_000);
afterAll(async () => api?.close());

const b64 = (text: string) => Buffer.from(text).toString('base64url');

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
  type: string,
) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body);
  expect(body.type).toBe(`urn:celr:problem:${type}`);
  expect(body.status).toBe(status);
  return body;
}

describe('celr-on-behalf-of', () => {
  const cases: [string, string | string[]][] = [
    ['not a UUID', 'not-a-uuid'],
    ['empty', ''],
    ['a UUID with junk', '00000000-0000-0000-0000-000000000000x'],
    [
      'sent twice (comma-joined)',
      '5c1d9e7a-3b2f-4a6e-8d0c-1f9e2b7a4c33, 5c1d9e7a-3b2f-4a6e-8d0c-1f9e2b7a4c33',
    ],
    [
      'sent twice (two headers)',
      ['5c1d9e7a-3b2f-4a6e-8d0c-1f9e2b7a4c33', '5c1d9e7a-3b2f-4a6e-8d0c-1f9e2b7a4c33'],
    ],
  ];
  it.each(cases)('%s: 400', async (_, value) => {
    const res = await api.as('vendor', {
      method: 'GET',
      url: '/v1/learners',
      headers: { 'celr-on-behalf-of': value as string },
    });
    const body = expectProblem(res, 400, 'invalid-query');
    expect(body.errors[0]).toMatchObject({ pointer: '/celr-on-behalf-of', in: 'header' });
  });

  it('a well-formed id of an organisation that has not delegated: 403', async () => {
    const res = await api.as('vendor', {
      method: 'GET',
      url: '/v1/learners',
      headers: { 'celr-on-behalf-of': api.orgs.eastmere.id },
    });
    expectProblem(res, 403, 'forbidden');
  });

  it('the delegating organisation, in upper case: 200', async () => {
    const res = await api.as('vendor', {
      method: 'GET',
      url: '/v1/learners',
      headers: { 'celr-on-behalf-of': api.orgs.northbridge.id.toUpperCase() },
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('numbers and cursors', () => {
  it.each(['1e309', '-1e309', '1e20', '9'.repeat(400), 'NaN', '1.5'])('?limit=%s: 400', async (limit) => {
    const res = await api.as('northbridge', { method: 'GET', url: `/v1/learners?limit=${limit}` });
    expectProblem(res, 400, 'invalid-query');
  });

  it.each([
    ['beyond bigint', 'c9999999999999999999.1'],
    ['id beyond bigint', 'c1.9999999999999999999'],
    ['just beyond bigint', 'c9223372036854775808.1'],
  ])('/v1/changes with a cursor %s: 400', async (_, raw) => {
    const res = await api.as('northbridge', { method: 'GET', url: `/v1/changes?after=${b64(raw)}` });
    expectProblem(res, 400, 'invalid-query');
  });

  it('/v1/changes with the largest bigint: not a 500', async () => {
    const res = await api.as('northbridge', {
      method: 'GET',
      url: `/v1/changes?after=${b64('c9223372036854775807.9223372036854775807')}`,
    });
    expect(res.statusCode, res.body).toBeLessThan(500);
  });

  it.each(['a9999999999999999999', 'a9223372036854775808'])(
    '/v1/audit-events with cursor %s: 400',
    async (raw) => {
      const res = await api.as('northbridge', {
        method: 'GET',
        url: `/v1/audit-events?learner=${api.orgs.northbridge.id}&cursor=${b64(raw)}`,
      });
      expectProblem(res, 400, 'invalid-query');
    },
  );
});

describe('HTTP Basic credentials on /oauth/token', () => {
  const form = 'grant_type=client_credentials';
  it.each([
    ['a bad escape', '%zz:secret'],
    ['a bad escape in the secret', 'client:%E0%A4%A'],
    ['no colon', 'client-and-secret'],
    ['an escaped NUL', 'client%00:secret'],
    ['an over-long id', `${'a'.repeat(500)}:secret`],
  ])('%s: 400 invalid_request', async (_, credentials) => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: form,
    });
    const body = expectProblem(res, 400, 'bad-request');
    expect(body.error).toBe('invalid_request');
  });

  it('a NUL in a form field: 400 invalid_request naming the field, as RFC 6749 answers a bad token request', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `${form}&client_id=a%00b&client_secret=x`,
    });
    const body = expectProblem(res, 400, 'bad-request');
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toMatch(/^client_id: /);
  });

  it('another grant type: 400 unsupported_grant_type; parameters it does not know are ignored (RFC 6749 3.2, 5.2)', async () => {
    const { clientId, secret } = await api.client('northbridge');
    const other = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=password&username=a&password=b&client_id=${clientId}&client_secret=${secret}`,
    });
    expect(expectProblem(other, 400, 'bad-request').error).toBe('unsupported_grant_type');
    const extra = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}&resource=https%3A%2F%2Fexample.org`,
    });
    expect(extra.statusCode, extra.body).toBe(200);
  });

  it('good credentials still work', async () => {
    const { clientId, secret } = await api.client('northbridge');
    const res = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: form,
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('references', () => {
  it('POST /v1/admin/organisations with an unknown authorityId: 422 at /authorityId', async () => {
    const res = await api.as('operator', {
      method: 'POST',
      url: '/v1/admin/organisations',
      payload: {
        kind: 'school',
        name: 'Nowhere Academy',
        jurisdiction: 'england',
        urn: '990999',
        authorityId: '00000000-0000-4000-8000-000000000000',
      },
    });
    const body = expectProblem(res, 422, 'validation');
    expect(body.errors).toContainEqual(
      expect.objectContaining({ pointer: '/authorityId', rule: 'authority-exists' }),
    );
  });
});

describe('the request line, media types and methods', () => {
  it('a path parameter over 100 characters: 414 problem', async () => {
    const res = await api.as('northbridge', { method: 'GET', url: `/v1/learners/${'a'.repeat(101)}` });
    expectProblem(res, 414, 'uri-too-long');
  });

  it('a text/plain body on a JSON operation: 415', async () => {
    const res = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      headers: { 'content-type': 'text/plain' },
      payload: '{"jurisdiction":"england"}',
    });
    expectProblem(res, 415, 'unsupported-media-type');
  });

  it.each([
    ['DELETE', '/v1/learners', 'GET, HEAD, POST'],
    ['PUT', '/oauth/token', 'POST'],
    ['POST', `/v1/learners/00000000-0000-4000-8000-000000000000/versions`, 'GET, HEAD'],
  ])('%s %s: 405 with Allow', async (method, url, allow) => {
    const res = await api.as('northbridge', { method: method as 'GET', url });
    expectProblem(res, 405, 'method-not-allowed');
    expect(res.headers.allow).toBe(allow);
  });

  it('a path no route has: still 404', async () => {
    const res = await api.as('northbridge', { method: 'GET', url: '/v1/nothing-here' });
    expectProblem(res, 404, 'not-found');
  });
});

describe('over a real socket', () => {
  let port: number;
  beforeAll(async () => {
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    port = (api.app.server.address() as AddressInfo).port;
  });

  const send = (headers: Record<string, string>) =>
    new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/learners', headers }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('headers over the limit: 431 problem', async () => {
    const res = await send({ 'x-padding': 'a'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ type: 'urn:celr:problem:headers-too-large', status: 431 });
  });

  it('a path parameter over 100 characters: 414 problem', async () => {
    const res = await new Promise<{ status: number; type?: string | undefined }>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path: `/v1/learners/${'a'.repeat(150)}` }, (r) => {
        r.resume();
        resolve({ status: r.statusCode!, type: r.headers['content-type'] });
      })
        .on('error', reject)
        .end();
    });
    expect(res.status).toBe(414);
    expect(res.type).toMatch(/^application\/problem\+json/);
  });
});
