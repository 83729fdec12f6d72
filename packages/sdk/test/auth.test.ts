import { describe, expect, it } from 'vitest';
import { ClientCredentialsTokenSource } from '../src/auth.js';
import { CelrClient } from '../src/client.js';

/** A token endpoint that hands out numbered tokens valid for `ttl` seconds, and an API that checks them. */
function fakeApi(ttl = 900) {
  let issued = 0;
  const tokenRequests: URLSearchParams[] = [];
  const revoked = new Set<string>();
  const fetch = async (request: Request) => {
    const url = new URL(request.url);
    if (url.pathname === '/oauth/token') {
      expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
      tokenRequests.push(new URLSearchParams(await request.text()));
      issued++;
      return Response.json({
        access_token: `token-${issued}`,
        token_type: 'Bearer',
        expires_in: ttl,
        scope: 'learners:read',
      });
    }
    const token = request.headers.get('authorization')?.slice('Bearer '.length) ?? '';
    if (revoked.has(token)) {
      return Response.json(
        { type: 'urn:celr:problem:unauthorised', title: 'Authentication is required', status: 401 },
        { status: 401 },
      );
    }
    return Response.json({ items: [{ token }] });
  };
  return { fetch, tokenRequests, revoked };
}

describe('client credentials', () => {
  it('asks once for concurrent callers, caches the token, and renews it before it expires', async () => {
    const api = fakeApi(900);
    let now = 1_000_000;
    const source = new ClientCredentialsTokenSource(
      'http://api',
      { clientId: 'id', clientSecret: 's e/cret', scope: 'learners:read' },
      api.fetch,
      () => now,
    );
    expect(await Promise.all([source.token(), source.token(), source.token()])).toEqual([
      'token-1',
      'token-1',
      'token-1',
    ]);
    expect(api.tokenRequests).toHaveLength(1);
    expect(Object.fromEntries(api.tokenRequests[0]!)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'id',
      client_secret: 's e/cret',
      scope: 'learners:read',
    });
    now += 839_000; // 14 minutes later: still the same token
    expect(await source.token()).toBe('token-1');
    now += 2_000; // within a minute of expiry: a new one
    expect(await source.token()).toBe('token-2');
  });

  it('renews a short-lived token a tenth of its life early', async () => {
    const api = fakeApi(60);
    let now = 0;
    const source = new ClientCredentialsTokenSource(
      'http://api',
      { clientId: 'id', clientSecret: 's' },
      api.fetch,
      () => now,
    );
    await source.token();
    now = 53_000;
    expect(await source.token()).toBe('token-1');
    now = 54_000;
    expect(await source.token()).toBe('token-2');
  });

  it('gets a new token once when the API refuses the cached one (revoked, or a clock out of step)', async () => {
    const api = fakeApi();
    const celr = new CelrClient({
      baseUrl: 'http://api',
      clientId: 'id',
      clientSecret: 's',
      fetch: api.fetch,
    });
    expect((await celr.GET('/v1/learners', {})).items).toEqual([{ token: 'token-1' }]);
    api.revoked.add('token-1');
    expect((await celr.GET('/v1/learners', {})).items).toEqual([{ token: 'token-2' }]);
    api.revoked.add('token-2');
    api.revoked.add('token-3');
    await expect(celr.GET('/v1/learners', {})).rejects.toMatchObject({ status: 401 });
    expect(api.tokenRequests).toHaveLength(3);
  });

  it('needs credentials or a token', () => {
    expect(() => new CelrClient({ baseUrl: 'http://api' })).toThrow(
      /clientId and clientSecret, or accessToken/,
    );
  });
});
