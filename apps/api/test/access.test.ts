import { readFileSync } from 'node:fs';
import {
  englandDefaultPolicy,
  englandLearner,
  englandMeeting,
  englandPlan,
  englandTransition,
  recordLine,
} from '@celr/schema';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATIONS } from '../src/auth/policy.js';
import { OPENAPI_PATH } from '../src/openapi.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
const ids = { learner: '', plan: '', meeting: '', transition: '' };
/** A transfer of the learner from Northbridge to the school they are moving to. */
let transferId = '';
/** A webhook subscription of Northbridge's client. */
let subscriptionId = '';
const UPN = englandLearner.identifiers[0]!.value;

beforeAll(async () => {
  api = await startTestApi();
  const post = async (url: string, payload: object) => {
    const res = await api.as('northbridge', { method: 'POST', url, payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  ids.learner = await post('/v1/learners', englandLearner);
  ids.plan = await post('/v1/plans', { ...englandPlan, learnerId: ids.learner });
  ids.meeting = await post('/v1/meetings', { ...englandMeeting, learnerId: ids.learner });
  ids.transition = await post('/v1/transitions', { ...englandTransition, learnerId: ids.learner });
  transferId = await post('/v1/transfers', {
    learnerId: ids.learner,
    recipient: { scheme: 'urn', code: '990001' },
    reason: 'school-move',
  });
  subscriptionId = await post('/v1/webhook-subscriptions', { url: 'https://hooks.northbridge.example/celr' });
});
afterAll(async () => api?.close());

type Role = {
  name: string;
  org: 'eastmere' | 'glenmoray' | 'otherSchool' | 'vendor' | 'school';
  onBehalfOf?: 'eastmere' | 'northbridge';
};
/** Organisations with no relationship to Northbridge's learner. */
const outsiders: Role[] = [
  { name: 'another English authority', org: 'eastmere' },
  { name: 'a Scottish authority', org: 'glenmoray' },
  { name: 'a school the learner is not on roll at', org: 'otherSchool' },
  { name: 'a vendor acting for no one', org: 'vendor' },
];

interface Operation {
  method: string;
  path: string;
  operationId: string;
}
const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
const operations: Operation[] = Object.entries<Record<string, { operationId: string }>>(
  document.paths,
).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    operationId: op.operationId,
  })),
);

/** The problem types the document says an operation can answer with. */
const problemTypesOf = (op: Operation): string[] =>
  document.paths[op.path][op.method.toLowerCase()]['x-celr-problem-types'];

/** The request each operation gets in the matrix: aimed at Northbridge's records. A new operation must be added here. */
function requestFor(
  op: Operation,
): { url: string; payload?: object; headers?: Record<string, string> } | 'public' {
  const kind = /\/v1\/(learners|plans|meetings|transitions)/.exec(op.path)?.[1];
  const idOf =
    { learners: ids.learner, plans: ids.plan, meetings: ids.meeting, transitions: ids.transition }[
      kind ?? 'learners'
    ] ?? ids.learner;
  const url = op.path
    .replace(
      '{id}',
      op.path.startsWith('/v1/admin/organisations')
        ? api.orgs.northbridge.id
        : op.path.startsWith('/v1/transfers')
          ? transferId
          : op.path.startsWith('/v1/webhook-subscriptions')
            ? subscriptionId
            : idOf,
    )
    .replace('{deliveryId}', '00000000-0000-4000-8000-000000000001')
    .replace('{version}', '1')
    .replace('{system}', 'upn')
    .replace('{value}', UPN)
    .replace('{clientId}', 'demo-northbridge')
    .replace('{vendorId}', api.orgs.vendor.id)
    .replace('{organisationId}', api.orgs.northbridge.id);
  const bodies: Record<string, object> = {
    learners: englandLearner,
    plans: { ...englandPlan, learnerId: ids.learner },
    meetings: { ...englandMeeting, learnerId: ids.learner },
    transitions: { ...englandTransition, learnerId: ids.learner },
  };
  const patch = { 'content-type': 'application/merge-patch+json', 'if-match': '"v1"' };
  // An authority's compliance settings: a valid body, so that only access can refuse it.
  const settings: Record<string, object> = {
    replaceCompliancePolicy: { ...englandDefaultPolicy, id: 'outsider-policy' },
    replaceTermDates: {
      name: 'Outsider term dates',
      terms: [{ name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' }],
    },
  };
  switch (true) {
    case OPERATIONS[op.operationId]?.public:
      return 'public';
    case op.operationId in settings:
      return { url, payload: settings[op.operationId]! };
    case op.operationId === 'listAuditEvents':
    case op.operationId === 'getPepComplianceReport':
      return { url: `${url}?learner=${ids.learner}` };
    case op.operationId.startsWith('list'):
      return { url: kind && !op.path.includes('{') ? `${url}?limit=200` : url };
    case op.method === 'GET':
      return { url };
    case op.method === 'PATCH':
      return { url, payload: { status: 'completed' }, headers: patch };
    case op.method === 'PUT':
      return { url, payload: bodies[kind ?? 'learners']!, headers: { 'if-match': '"v1"' } };
    case op.method === 'DELETE':
      return { url, headers: { 'if-match': '"v1"' } };
    case op.operationId === 'createTransfer':
      return {
        url,
        payload: {
          learnerId: ids.learner,
          recipient: { scheme: 'la-code', code: '991' },
          reason: 'responsibility-moves',
        },
      };
    case op.operationId === 'createBulkImport':
      // Lines aimed at Northbridge's records: replacing its learner by id, and a plan for that learner.
      return {
        url: `${url}?mode=per-record`,
        payload: [
          recordLine('learner', { id: ids.learner, ...englandLearner }),
          recordLine('plan', { ...englandPlan, learnerId: ids.learner }),
        ].join('\n') as never,
        headers: { 'content-type': 'application/x-ndjson' },
      };
    case op.operationId === 'rejectTransfer':
      return { url, payload: { reason: 'Not ours.' } };
    case op.operationId === 'importBundle':
      return { url, payload: {} };
    case op.operationId === 'createWebhookSubscription':
      return { url, payload: { url: 'https://hooks.outsider.example/celr' } };
    case op.method === 'POST' && op.path.includes('{id}'):
      return { url };
    case op.path.startsWith('/v1/admin'):
      return {
        url,
        payload: {
          name: 'x',
          kind: 'vendor',
          vendorId: api.orgs.vendor.id,
          organisationId: api.orgs.northbridge.id,
        },
      };
    case op.method === 'POST' && kind !== undefined:
      return { url, payload: bodies[kind]! };
    default:
      throw new Error(
        `${op.operationId} (${op.method} ${op.path}) has no entry in the access matrix: add one to requestFor().`,
      );
  }
}

describe("access matrix: every operation, as every outsider, against Northbridge's records", () => {
  it('knows every operation in the OpenAPI document, and the policy table covers each', () => {
    for (const op of operations) {
      expect(
        OPERATIONS[op.operationId],
        `${op.operationId} has no access rule in src/auth/policy.ts`,
      ).toBeDefined();
      expect(() => requestFor(op)).not.toThrow();
    }
    expect(operations.length).toBeGreaterThan(40);
  });

  const cases = outsiders.flatMap((role) =>
    operations.map((op) => [role.name, op.operationId, role, op] as const),
  );
  it.each(cases)('%s: %s leaks nothing', async (_, __, role, op) => {
    const request = requestFor(op);
    if (request === 'public') return;
    const res = await api.as(role.org, {
      method: op.method as 'GET',
      url: request.url,
      payload: request.payload,
      headers: request.headers,
    });
    // A problem it answers with is one of the types its document says it can (x-celr-problem-types).
    if (String(res.headers['content-type']).startsWith('application/problem+json'))
      expect(problemTypesOf(op), res.body).toContain(res.json().type);
    // The record, the child's name and the identifier never appear in any answer, beyond the
    // caller's own request path that a problem echoes as its `instance`.
    const answer = res.body.split(request.url.split('?')[0]!).join('');
    for (const secret of [
      ...Object.values(ids),
      transferId,
      subscriptionId,
      englandLearner.name.family,
      UPN,
    ]) {
      expect(answer, `${res.statusCode} ${res.body}`).not.toContain(secret);
    }
    const scopeRefusal =
      res.statusCode === 403 && /insufficient_scope/.test(String(res.headers['www-authenticate']));
    if (op.path.startsWith('/v1/admin')) {
      expect(scopeRefusal, res.body).toBe(true);
    } else if (scopeRefusal) {
      // The organisation may not do this to anyone's records: nothing about this record is involved.
    } else if (op.path.startsWith('/v1/authorities/')) {
      // Another authority's compliance settings are not the caller's to read or change.
      expect(res.statusCode, res.body).toBe(404);
    } else if (
      (op.operationId.startsWith('list') &&
        !op.path.includes('{id}') &&
        op.operationId !== 'listAuditEvents') ||
      op.operationId === 'exportRecords'
    ) {
      expect(res.statusCode).toBe(200);
    } else if (op.operationId === 'getPepComplianceReport' || op.operationId === 'getCohortReport') {
      // An empty report, even when asked for Northbridge's learner by id.
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().items).toEqual([]);
    } else if (op.operationId === 'createBulkImport') {
      // Accepted as a job; every line fails, and neither the job nor its report tells anything of the records.
      expect(res.statusCode, res.body).toBe(202);
      await api.app.bulkImports!.tick();
      const job = await api.as(role.org, { method: 'GET', url: res.headers.location as string });
      const errors = await api.as(role.org, { method: 'GET', url: job.json().links.errors });
      expect(job.json()).toMatchObject({ counts: { created: 0, updated: 0, failed: 2 } });
      for (const secret of [...Object.values(ids), englandLearner.name.family, UPN]) {
        expect(job.body + errors.body).not.toContain(secret);
      }
    } else if (op.operationId === 'createLearner') {
      // Creating a learner for another authority is refused whoever asks.
      expect(res.statusCode, res.body).toBe(403);
    } else if (op.operationId === 'upsertLearnerByIdentifier') {
      // No learner the caller can see has the UPN, so If-Match cannot hold; without it, creating is refused.
      expect([403, 412], res.body).toContain(res.statusCode);
    } else if (op.operationId === 'getMe') {
      // Every client may ask who it is; the answer is about itself only.
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().organisation.id).toBe(api.orgs[role.org].id);
    } else if (op.operationId === 'createWebhookSubscription') {
      // Anyone may subscribe, for what they may see themselves.
      expect(res.statusCode, res.body).toBe(201);
    } else if (op.operationId === 'importBundle') {
      expect(res.statusCode, res.body).toBe(422);
    } else if (op.method === 'POST' && op.path.includes('{id}')) {
      expect(res.statusCode, res.body).toBe(404);
    } else if (op.method === 'POST') {
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().errors[0]).toMatchObject({ pointer: '/learnerId', rule: 'learner-exists' });
    } else {
      expect(res.statusCode, res.body).toBe(404);
    }
  });

  it('left every record as it was', async () => {
    for (const [kind, id] of Object.entries(ids)) {
      const res = await api.as('northbridge', { method: 'GET', url: `/v1/${kind}s/${id}` });
      expect(res.statusCode, `${kind} ${res.body}`).toBe(200);
      expect(res.json().meta.version).toBe(1);
    }
    // No outsider stored a compliance policy or term dates for Northbridge.
    expect(
      await api.db.prisma.authoritySetting.count({ where: { organisationId: api.orgs.northbridge.id } }),
    ).toBe(0);
  });
});

describe('organisations with a relationship', () => {
  it('the school on roll reads the learner and their records, and writes only what a school owns', async () => {
    const read = await api.as('school', { method: 'GET', url: `/v1/learners/${ids.learner}` });
    expect(read.statusCode).toBe(200);
    const list = await api.as('school', { method: 'GET', url: '/v1/plans' });
    expect(list.json().items.map((p: { id: string }) => p.id)).toContain(ids.plan);
    const attendance = await api.as('school', {
      method: 'PATCH',
      url: `/v1/learners/${ids.learner}`,
      payload: {
        attendance: [
          {
            period: { start: '2026-01-05', end: '2026-02-13' },
            possibleSessions: 60,
            attendedSessions: 58,
            authorisedAbsenceSessions: 2,
            unauthorisedAbsenceSessions: 0,
          },
        ],
      },
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"v1"' },
    });
    expect(attendance.statusCode, attendance.body).toBe(200);
    const name = await api.as('school', {
      method: 'PATCH',
      url: `/v1/learners/${ids.learner}`,
      payload: { name: { given: 'Changed', family: 'ByTheSchool' } },
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"v2"' },
    });
    expect(name.statusCode).toBe(403);
    expect(name.json().errors[0]).toMatchObject({ pointer: '/name', rule: 'not-school-owned' });
    const transition = await api.as('school', {
      method: 'POST',
      url: '/v1/transitions',
      payload: { ...englandTransition, learnerId: ids.learner },
    });
    expect(transition.statusCode).toBe(403);
    const del = await api.as('school', { method: 'DELETE', url: `/v1/meetings/${ids.meeting}` });
    expect(del.statusCode).toBe(403);
  });

  it('a school loses access when the learner leaves it', async () => {
    const created = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, identifiers: [] },
    });
    const id = created.json().id;
    expect((await api.as('school', { method: 'GET', url: `/v1/learners/${id}` })).statusCode).toBe(200);
    const moved = {
      ...englandLearner,
      identifiers: [],
      enrolment: { ...englandLearner.enrolment, school: { scheme: 'urn', code: '990002' } },
    };
    const put = await api.as('northbridge', {
      method: 'PUT',
      url: `/v1/learners/${id}`,
      payload: moved,
      headers: { 'if-match': '"v1"' },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await api.as('school', { method: 'GET', url: `/v1/learners/${id}` })).statusCode).toBe(404);
    expect((await api.as('otherSchool', { method: 'GET', url: `/v1/learners/${id}` })).statusCode).toBe(200);
  });

  it('a vendor acts for an organisation that delegated to it, and for no other', async () => {
    const asNorthbridge = await api.as('vendor', {
      method: 'GET',
      url: `/v1/learners/${ids.learner}`,
      headers: { 'celr-on-behalf-of': api.orgs.northbridge.id },
    });
    expect(asNorthbridge.statusCode).toBe(200);
    const asEastmere = await api.as('vendor', {
      method: 'GET',
      url: `/v1/learners/${ids.learner}`,
      headers: { 'celr-on-behalf-of': api.orgs.eastmere.id },
    });
    expect(asEastmere.statusCode).toBe(403);
    const laPretending = await api.as('eastmere', {
      method: 'GET',
      url: `/v1/learners/${ids.learner}`,
      headers: { 'celr-on-behalf-of': api.orgs.northbridge.id },
    });
    expect(laPretending.statusCode).toBe(403);
  });
});

describe('tokens', () => {
  const learnerUrl = () => `/v1/learners/${ids.learner}`;
  const withToken = (token: string) =>
    api.app.inject({ method: 'GET', url: learnerUrl(), headers: { authorization: `Bearer ${token}` } });
  const sign = async (claims: { aud?: string; exp?: number; forged?: boolean; scope?: string }) => {
    const { clientId } = await api.client('northbridge');
    const signer = await api.app.signingKeys.signer('token');
    // A forged token names the real key but is signed with another one.
    const key = claims.forged ? (await generateKeyPair('ES256')).privateKey : signer.key;
    return new SignJWT({ org: api.orgs.northbridge.id, scope: claims.scope ?? 'learners:read' })
      .setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'at+jwt' })
      .setSubject(clientId)
      .setIssuer(api.config.tokens.issuer)
      .setAudience(claims.aud ?? api.config.tokens.audience)
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 60)
      .sign(key);
  };

  it('accepts a well-formed token (the control for the cases below)', async () => {
    expect((await withToken(await sign({}))).statusCode).toBe(200);
  });
  it('refuses no token, an expired, a forged and a wrong-audience token with 401', async () => {
    const none = await api.app.inject({ method: 'GET', url: learnerUrl() });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const expired = await withToken(await sign({ exp: Math.floor(Date.now() / 1000) - 10 }));
    expect(expired.statusCode).toBe(401);
    expect(expired.json().detail).toMatch(/expired/);
    expect((await withToken(await sign({ forged: true }))).statusCode).toBe(401);
    const audience = await withToken(await sign({ aud: 'another-api' }));
    expect(audience.statusCode).toBe(401);
    expect(audience.json().type).toBe('urn:celr:problem:unauthorised');
    expect((await withToken('not.a.jwt')).statusCode).toBe(401);
  });
  it('refuses a token it accepted before, once the token has expired', async () => {
    // Verified tokens are remembered (src/auth/tokens.ts), but only until they expire.
    const exp = Math.floor(Date.now() / 1000) + 30;
    const token = await sign({ exp });
    expect((await withToken(token)).statusCode).toBe(200);
    expect((await withToken(token)).statusCode).toBe(200);
    vi.useFakeTimers({ now: exp * 1000, toFake: ['Date'] });
    try {
      const expired = await withToken(token);
      expect(expired.statusCode, expired.body).toBe(401);
      expect(expired.json().detail).toMatch(/expired/);
    } finally {
      vi.useRealTimers();
    }
  });
  it('refuses an operation the token has no scope for with 403', async () => {
    const res = await api.as('northbridge', {
      method: 'DELETE',
      url: `/v1/plans/${ids.plan}`,
      scopes: ['learners:read', 'plans:read'],
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/insufficient_scope/);
  });
  it('refuses tokens of a revoked client at once, and its secret too', async () => {
    const client = await api.client('northbridge', ['learners:read']);
    const token = await api.token('northbridge', ['learners:read']);
    expect((await withToken(token)).statusCode).toBe(200);
    const admin = await api.as('operator', {
      method: 'POST',
      url: `/v1/admin/clients/${client.clientId}/revoke`,
    });
    expect(admin.statusCode, admin.body).toBe(204);
    expect((await withToken(token)).statusCode).toBe(401);
    const again = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret },
    });
    expect(again.statusCode).toBe(401);
    expect(again.json().error).toBe('invalid_client');
    // Revoked again, it keeps the time it was first revoked.
    const revokedAt = async () =>
      (await api.db.prisma.apiClient.findUnique({ where: { clientId: client.clientId } }))?.revokedAt;
    const first = await revokedAt();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const twice = await api.as('operator', {
      method: 'POST',
      url: `/v1/admin/clients/${client.clientId}/revoke`,
    });
    expect(twice.statusCode, twice.body).toBe(204);
    expect(await revokedAt()).toEqual(first);
  });
  it('issues tokens for a form-encoded request with HTTP Basic credentials, as RFC 6749 describes', async () => {
    const { clientId, secret } = await api.client('eastmere');
    const res = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      payload: 'grant_type=client_credentials&scope=learners%3Aread',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ token_type: 'Bearer', scope: 'learners:read', expires_in: 900 });
    expect(res.headers['cache-control']).toBe('no-store');
    const wrong = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: 'wrong' },
    });
    expect(wrong.statusCode).toBe(401);
    const scope = await api.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
        scope: 'admin',
      },
    });
    expect(scope.statusCode).toBe(400);
    expect(scope.json().error).toBe('invalid_scope');
  });
});
