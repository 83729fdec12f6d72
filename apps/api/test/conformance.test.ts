/**
 * The conformance kit (@celr/conformance) against this reference API, on a real socket, on PGlite
 * and on PostgreSQL: every mandatory test of every role's suite passes. The kit's own failures (a
 * faulty server) are tested in tests/conformance.
 */
import type { AddressInfo } from 'node:net';
import { type RunReport, runConformance } from '@celr/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES } from '../src/admin/organisations.js';
import type { Scope } from '../src/auth/caller.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
let baseUrl: string;

beforeAll(async () => {
  // As the server runs (main.ts): the bulk import and webhook workers started. Deliveries go to
  // the kit's receiver on a loopback port, which every test app allows.
  api = await startTestApi();
  api.app.bulkImports?.start();
  api.app.webhooks?.start();
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await api?.close();
});

const credentials = async (org: Parameters<TestApi['client']>[0], scopes?: Scope[]) => {
  const { clientId, secret } = await api.client(org, scopes);
  return { clientId, clientSecret: secret };
};

/**
 * A vendor's client with the transfer scopes besides its defaults: it then sends and receives
 * transfers for the authority it acts for, as that authority (the vendor suite's transfer tests).
 */
const VENDOR_WITH_TRANSFERS: Scope[] = [
  ...DEFAULT_SCOPES.vendor,
  'transfers:read',
  'transfers:send',
  'transfers:receive',
];

/** Every mandatory test that did not pass, with why, so a failure says which and where. */
const notPassed = (report: RunReport) =>
  report.results
    .filter((r) => r.level === 'mandatory' && r.status !== 'pass')
    .map((r) => `${r.id}: ${r.status}: ${r.message}`);

describe('the conformance kit against the reference API', () => {
  it('passes every mandatory test of the authority suite', async () => {
    const report = await runConformance({
      baseUrl,
      role: 'authority',
      credentials: await credentials('northbridge'),
      other: await credentials('eastmere'),
    });
    expect(notPassed(report)).toEqual([]);
    expect(report.conformant).toBe(true);
    expect(report.results.length).toBeGreaterThan(25);
    expect(report.counts.error).toBe(0);
    // Every JSON response of the run was held to the schema the OpenAPI document declares for it.
    const run = report.results.find((r) => r.id === 'schema-responses-run');
    expect(
      Number(/^(\d+) responses of (\d+) operation\/status pairs/.exec(run?.message ?? '')?.[1]),
    ).toBeGreaterThan(100);
  });

  it('passes every mandatory test of the vendor suite, acting for the authority that delegated to it', async () => {
    const report = await runConformance({
      baseUrl,
      role: 'vendor',
      credentials: {
        ...(await credentials('vendor', VENDOR_WITH_TRANSFERS)),
        onBehalfOf: api.orgs.northbridge.id,
      },
      other: await credentials('eastmere'),
    });
    expect(notPassed(report)).toEqual([]);
    expect(report.conformant).toBe(true);
    // A vendor sends, accepts and rejects transfers as the authority it acts for, within its own
    // client's scopes.
    expect(report.results.filter((r) => r.group === 'transfers').map((r) => `${r.id} ${r.status}`)).toEqual([
      'transfers-send-accept pass',
      'transfers-reject pass',
      'bundles-tampered-refused pass',
      'transfers-vendor-sends-as-authority pass',
      'transfers-vendor-accepts-for-authority pass',
      'transfers-vendor-scope-bounded pass',
    ]);
  });

  it("skips the vendor's transfer tests, saying why, when its client does not hold the transfer scopes", async () => {
    const report = await runConformance({
      baseUrl,
      role: 'vendor',
      credentials: { ...(await credentials('vendor')), onBehalfOf: api.orgs.northbridge.id },
      other: await credentials('eastmere'),
      only: ['transfers'],
    });
    expect(report.results.map((r) => `${r.id} ${r.status}`)).toEqual([
      'transfers-send-accept skip',
      'transfers-reject skip',
      'bundles-tampered-refused skip',
      'transfers-vendor-sends-as-authority skip',
      'transfers-vendor-accepts-for-authority skip',
      'transfers-vendor-scope-bounded pass',
    ]);
    expect(report.results[0]?.message).toMatch(/does not hold transfers:read, transfers:send/);
    expect(report.conformant).toBe(false);
  });

  it('passes every mandatory test of the transfer-peer suite, the second authority at the other end, and a second deployment', async () => {
    // A second deployment: another app, its own database, its own signing keys. Each operator makes
    // its authority's bundle key and trusts the other deployment's sender with the keys its JWKS
    // publishes, as two real deployments would (registerBundleSender).
    const peer = await startTestApi();
    let report: RunReport;
    try {
      await peer.app.listen({ host: '127.0.0.1', port: 0 });
      const peerUrl = `http://127.0.0.1:${(peer.app.server.address() as AddressInfo).port}`;
      const sides = [
        { deployment: api, sender: api.orgs.northbridge, trustedBy: peer },
        { deployment: peer, sender: peer.orgs.eastmere, trustedBy: api },
      ];
      for (const { deployment, sender, trustedBy } of sides) {
        const rotated = await deployment.as('operator', {
          method: 'POST',
          url: '/v1/admin/keys/rotate',
          payload: { use: 'bundle', organisationId: sender.id },
        });
        expect(rotated.statusCode, rotated.body).toBe(201);
        const jwks = (await deployment.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
        const trusted = await trustedBy.as('operator', {
          method: 'POST',
          url: '/v1/admin/bundle-senders',
          payload: { sender: { scheme: 'la-code', code: sender.laCode }, jwks },
        });
        expect(trusted.statusCode, trusted.body).toBe(201);
      }
      const { clientId, secret } = await peer.client('eastmere');
      report = await runConformance({
        baseUrl,
        role: 'transfer-peer',
        credentials: await credentials('northbridge'),
        other: await credentials('eastmere'),
        peer: { baseUrl: peerUrl, credentials: { clientId, clientSecret: secret } },
      });
      expect(notPassed(report)).toEqual([]);
      expect(report.results.filter((r) => r.group === 'transfers').map((r) => `${r.id} ${r.status}`)).toEqual(
        [
          'transfers-send-accept pass',
          'transfers-reject pass',
          'bundles-tampered-refused pass',
          'bundles-between-deployments-send pass',
          'bundles-between-deployments-receive pass',
        ],
      );
      // Each imported learner is removed on the deployment that imported it; the sender's copy goes
      // with its cancelled transfer.
      for (const id of ['bundles-between-deployments-send', 'bundles-between-deployments-receive'])
        expect(report.results.find((r) => r.id === id)?.message).not.toContain('left behind');
    } finally {
      await peer.close();
    }
    // The kit removes the recipient's learner; the sender's copy stays, read-only, as the record of
    // what was sent (only the responsible authority deletes, and that is now the recipient), and the
    // kit says so rather than leaving it unnoticed.
    const accepted = report.results.find((r) => r.id === 'transfers-send-accept');
    expect(accepted?.message).toMatch(/\(left behind: DELETE \/v1\/learners\/[0-9a-f-]{36} answered 403\)$/);
    expect(report.results.find((r) => r.id === 'transfers-reject')?.message).not.toContain('left behind');
  });

  it('passes every mandatory test of the school suite', async () => {
    const report = await runConformance({
      baseUrl,
      role: 'school',
      credentials: await credentials('school'),
    });
    expect(notPassed(report)).toEqual([]);
  });

  it('is not conformant without the second organisation: the access tests are skipped, and say why', async () => {
    const report = await runConformance({
      baseUrl,
      role: 'authority',
      credentials: await credentials('northbridge'),
      only: ['access'],
    });
    expect(report.results.map((r) => r.status)).toEqual(report.results.map(() => 'skip'));
    expect(report.results[0]?.message).toMatch(/second organisation/);
    expect(report.conformant).toBe(false);
  });
});
