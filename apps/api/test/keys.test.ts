import { decodeProtectedHeader, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPrivate, sealPrivate } from '../src/auth/keys.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

const requestToken = async (clientId: string, secret: string) =>
  api.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
  });

const newToken = async () => {
  const { clientId, secret } = await api.client('northbridge', ['learners:read']);
  const res = await requestToken(clientId, secret);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token as string;
};

const read = (token: string, app = api.app) =>
  app.inject({ method: 'GET', url: '/v1/learners?limit=1', headers: { authorization: `Bearer ${token}` } });

const jwks = async () => {
  const res = await api.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  expect(res.statusCode).toBe(200);
  return res.json().keys as (JWK & Record<string, unknown>)[];
};

const rotate = (body: object) =>
  api.as('operator', { method: 'POST', url: '/v1/admin/keys/rotate', payload: body });

describe('access tokens', () => {
  it('is rotated only by the operator, and a bundle key only for a named organisation', async () => {
    const asLa = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/admin/keys/rotate',
      payload: { use: 'token' },
    });
    expect(asLa.statusCode).toBe(403);
    const noOrg = await rotate({ use: 'bundle' });
    expect(noOrg.statusCode).toBe(422);
    expect(noOrg.json().errors[0]).toMatchObject({ pointer: '/organisationId', rule: 'required' });
    const tokenForOrg = await rotate({ use: 'token', organisationId: api.orgs.northbridge.id });
    expect(tokenForOrg.statusCode).toBe(422);
    const unknownOrg = await rotate({ use: 'bundle', organisationId: crypto.randomUUID() });
    expect(unknownOrg.statusCode).toBe(404);
    const bad = await rotate({ use: 'everything' });
    expect(bad.statusCode).toBe(422);
  });

  it('are ES256 JWTs naming their key, which the JWKS publishes without any private member', async () => {
    const token = await newToken();
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const res = await api.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    const keys = res.json().keys as Record<string, unknown>[];
    expect(keys.find((k) => k.kid === header.kid)).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      'x-celr-use': 'token',
    });
    for (const key of keys)
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(member);
    expect(res.body).not.toMatch(/"d"/);
    // Nor does the operator's list of keys, nor the key store's rows as served.
    const listed = await api.as('operator', { method: 'GET', url: '/v1/admin/keys' });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toMatch(/"d"|private/);
  });

  it('rotate with overlap: new tokens use the new key, old ones are honoured until their key is withdrawn', async () => {
    const before = await newToken();
    const oldKid = decodeProtectedHeader(before).kid!;
    const rotated = await rotate({ use: 'token' });
    expect(rotated.statusCode, rotated.body).toBe(201);
    const newKid = rotated.json().kid as string;
    expect(newKid).not.toBe(oldKid);

    const after = await newToken();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect((await read(before)).statusCode).toBe(200);
    expect((await read(after)).statusCode).toBe(200);

    // Both keys are published; the old one is retired, with a date until which it is honoured.
    const published = await jwks();
    expect(published.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    const listed = (await api.as('operator', { method: 'GET', url: '/v1/admin/keys' })).json().items;
    const old = listed.find((k: { kid: string }) => k.kid === oldKid);
    expect(old.retiredAt).not.toBeNull();
    const until = Date.parse(old.publishUntil) - Date.parse(old.retiredAt);
    expect(until).toBeGreaterThanOrEqual(api.config.tokens.ttlSeconds * 1000);
    expect(listed.find((k: { kid: string }) => k.kid === newKid).retiredAt).toBeNull();

    // A second API process on the same database accepts the new token (it reloads on an unknown kid)
    // and signs with the new key.
    const other = await api.secondProcess();
    try {
      expect((await read(after, other)).statusCode).toBe(200);
      expect((await read(before, other)).statusCode).toBe(200);
      const { clientId, secret } = await api.client('northbridge', ['learners:read']);
      const fromOther = await other.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
      });
      expect(decodeProtectedHeader(fromOther.json().access_token).kid).toBe(newKid);
    } finally {
      await other.close();
    }

    // Once the overlap is over the old key leaves the JWKS and its tokens are refused, though unexpired.
    await api.db.prisma.keyPair.update({
      where: { kid: oldKid },
      data: { publishUntil: new Date(Date.now() - 1000) },
    });
    api.app.signingKeys.invalidate();
    expect((await jwks()).map((k) => k.kid)).not.toContain(oldKid);
    const refused = await read(before);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().detail).toMatch(/key/);
    expect((await read(after)).statusCode).toBe(200);
  });

  it('refuses a token naming an unknown key, a forged one, and HS256 or unsigned tokens (alg confusion)', async () => {
    const { clientId } = await api.client('northbridge', ['learners:read']);
    const claims = () =>
      new SignJWT({ org: api.orgs.northbridge.id, scope: 'learners:read' })
        .setSubject(clientId)
        .setIssuer(api.config.tokens.issuer)
        .setAudience(api.config.tokens.audience)
        .setIssuedAt()
        .setExpirationTime('5m');
    const current = await api.app.signingKeys.signer('token');
    // The control: the same claims signed with the real key pass.
    const good = await claims()
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'at+jwt' })
      .sign(current.key);
    expect((await read(good)).statusCode).toBe(200);

    const stranger = (await generateKeyPair('ES256')).privateKey;
    const unknownKid = await claims()
      .setProtectedHeader({ alg: 'ES256', kid: 'no-such-key', typ: 'at+jwt' })
      .sign(stranger);
    const forged = await claims()
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'at+jwt' })
      .sign(stranger);
    const noKid = await claims().setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(current.key);
    // The old scheme: HS256 with a shared secret, and HS256 keyed with the public key's bytes.
    const hs256 = await claims()
      .setProtectedHeader({ alg: 'HS256', kid: 'primary', typ: 'at+jwt' })
      .sign(new TextEncoder().encode('test-secret-of-at-least-32-bytes-long!'));
    const publicJwk = (await jwks()).find((k) => k.kid === current.kid)!;
    const confused = await claims()
      .setProtectedHeader({ alg: 'HS256', kid: current.kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const [, body] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: current.kid, typ: 'at+jwt' })).toString('base64url')}.${body}.`;
    for (const token of [unknownKid, forged, noKid, hs256, confused, none]) {
      const res = await read(token);
      expect(res.statusCode, token).toBe(401);
      expect(res.json().type).toBe('urn:celr:problem:unauthorised');
    }
  });
});

describe('private keys at rest', () => {
  it('are sealed with AES-256-GCM when an encryption key is configured, and opened only with it', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'the-private-part' } as JWK;
    const sealed = sealPrivate(jwk, 'operator-key');
    expect(sealed).toMatch(/^enc:v1:/);
    expect(sealed).not.toContain('the-private-part');
    expect(openPrivate(sealed, 'operator-key')).toEqual(jwk);
    expect(() => openPrivate(sealed, 'another-key')).toThrow();
    expect(() => openPrivate(sealed, undefined)).toThrow(/CELR_KEY_ENCRYPTION_KEY/);
    expect(openPrivate(sealPrivate(jwk, undefined), undefined)).toEqual(jwk);
  });
});

describe('the token endpoint', () => {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };
  it('takes as long for an unknown client id as for a wrong secret (ids cannot be found by timing)', async () => {
    const { clientId } = await api.client('eastmere');
    const unknownId = `${clientId.slice(0, -4)}zzzz`;
    // Warm both paths, then interleave the tries so load on the machine falls on both alike.
    await requestToken(unknownId, 'wrong');
    await requestToken(clientId, 'wrong');
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 15; i++) {
      for (const [id, into] of [
        [unknownId, unknown],
        [clientId, wrong],
      ] as const) {
        const started = performance.now();
        const res = await requestToken(id, 'a-wrong-secret');
        into.push(performance.now() - started);
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe('invalid_client');
      }
    }
    const ratio = median(unknown) / median(wrong);
    console.log(
      `token timing: unknown id median ${median(unknown).toFixed(1)} ms, wrong secret median ${median(wrong).toFixed(1)} ms, ratio ${ratio.toFixed(2)}`,
    );
    // Before the fix an unknown id skipped scrypt: a ratio near 0.1. Now both run the same scrypt work.
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
