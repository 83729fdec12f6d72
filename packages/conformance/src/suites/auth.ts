import type { TestContext } from '../context.js';
import { CELR, type ConformanceTest, EVERYONE, WRITERS } from '../define.js';

const form = (t: TestContext, fields: Record<string, string>) =>
  t.http.send('POST', '/oauth/token', {
    raw: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

export const authTests: ConformanceTest[] = [
  {
    id: 'auth-token-client-credentials',
    group: 'auth',
    title: 'The token endpoint grants a bearer token for client credentials',
    clause: 'RFC 6749 §4.4, §5.1',
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const { clientId, clientSecret } = t.session.credentials('primary');
      const res = await form(t, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      });
      t.status(res, 200, 'POST /oauth/token');
      const body = res.json as Record<string, unknown> | undefined;
      t.check(typeof body?.access_token === 'string' && body.access_token, 'The answer has no access_token.');
      t.check(
        typeof body.token_type === 'string' && body.token_type.toLowerCase() === 'bearer',
        `token_type is ${JSON.stringify(body.token_type)}, not Bearer.`,
      );
      t.check(
        typeof body.expires_in === 'number' && body.expires_in > 0,
        'expires_in, the lifetime in seconds, is missing.',
      );
      return `access_token, token_type Bearer, expires_in ${body.expires_in}`;
    },
  },
  {
    id: 'auth-token-no-store',
    group: 'auth',
    title: 'A token answer is not cached',
    clause: 'RFC 6749 §5.1 (Cache-Control: no-store)',
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const { clientId, clientSecret } = t.session.credentials('primary');
      const res = await form(t, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      });
      t.status(res, 200, 'POST /oauth/token');
      const cache = res.headers.get('cache-control') ?? '';
      t.check(/\bno-store\b/i.test(cache), `Cache-Control is '${cache}', without no-store.`);
      return `Cache-Control: ${cache}`;
    },
  },
  {
    id: 'auth-token-wrong-secret',
    group: 'auth',
    title: 'A wrong client secret gets invalid_client',
    clause: 'RFC 6749 §5.2',
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const { clientId } = t.session.credentials('primary');
      const res = await form(t, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: 'not-the-secret-of-this-client',
      });
      t.status(res, [400, 401], 'POST /oauth/token with a wrong secret');
      const error = (res.json as { error?: unknown } | undefined)?.error;
      t.check(error === 'invalid_client', `error is ${JSON.stringify(error)}, not invalid_client.`);
      return `${res.status} invalid_client`;
    },
  },
  {
    id: 'auth-token-unsupported-grant',
    group: 'auth',
    title: 'A grant type other than client_credentials is refused',
    clause: 'RFC 6749 §5.2 (unsupported_grant_type)',
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const { clientId, clientSecret } = t.session.credentials('primary');
      const res = await form(t, {
        grant_type: 'password',
        client_id: clientId,
        client_secret: clientSecret,
        username: 'someone',
        password: 'something',
      });
      t.status(res, 400, 'POST /oauth/token with grant_type=password');
      const error = (res.json as { error?: unknown } | undefined)?.error;
      t.check(
        error === 'unsupported_grant_type' || error === 'invalid_request',
        `error is ${JSON.stringify(error)}, not unsupported_grant_type.`,
      );
      return `400 ${String(error)}`;
    },
  },
  {
    id: 'auth-no-token',
    group: 'auth',
    title: 'A request without a token gets 401 with a Bearer challenge',
    clause: 'RFC 6750 §3',
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const res = await t.send('GET', '/v1/me', { as: 'none' });
      t.status(res, 401, 'GET /v1/me without a token');
      const challenge = res.headers.get('www-authenticate') ?? '';
      t.check(/^Bearer\b/i.test(challenge), `WWW-Authenticate is '${challenge}', not a Bearer challenge.`);
      return `401, WWW-Authenticate: ${challenge}`;
    },
  },
  {
    id: 'auth-bad-token',
    group: 'auth',
    title: 'A token the server did not issue gets 401 invalid_token',
    clause: 'RFC 6750 §3.1',
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const res = await t.send('GET', '/v1/me', {
        as: 'none',
        headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
      });
      t.status(res, 401, 'GET /v1/me with a forged token');
      const challenge = res.headers.get('www-authenticate') ?? '';
      t.check(
        /error="invalid_token"/.test(challenge),
        `WWW-Authenticate is '${challenge}', without error="invalid_token".`,
      );
      return `401, ${challenge}`;
    },
  },
  {
    id: 'auth-me',
    group: 'auth',
    title: 'GET /v1/me names the client, its organisation and its scopes',
    clause: CELR('concepts/security', 'tokens'),
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const res = await t.send('GET', '/v1/me');
      t.status(res, 200, 'GET /v1/me');
      const me = res.json as {
        client?: { id?: unknown };
        organisation?: { id?: unknown; kind?: unknown };
        scopes?: unknown;
      };
      t.check(
        me.client?.id === t.session.credentials('primary').clientId,
        'client.id is not the client that asked.',
      );
      t.check(typeof me.organisation?.id === 'string', 'organisation.id is missing.');
      t.check(Array.isArray(me.scopes), 'scopes is not a list.');
      return `organisation ${String(me.organisation.id)} (${String(me.organisation.kind)})`;
    },
  },
  {
    id: 'auth-scope-enforced',
    group: 'auth',
    title: 'A token asked for with a read scope only cannot write',
    clause: `RFC 6749 §3.3; ${CELR('concepts/security', 'scopes')}`,
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const body = await t.learnerBody();
      const res = await t.send('POST', '/v1/learners', { body, scope: 'learners:read' });
      if (res.status === 201) {
        const id = String((res.json as { id?: unknown }).id);
        t.onCleanup(() => t.send('DELETE', `/v1/learners/${id}`, { headers: { 'if-match': '*' } }));
      }
      t.status(res, 403, 'POST /v1/learners with a learners:read token');
      return '403 for a write with a read-only token';
    },
  },
];
