/**
 * The conformance kit proves itself: against the reference API behind a proxy that injects one fault
 * at a time (support/faulty-proxy.ts, never part of the API's build), the authority suite fails
 * exactly the tests aimed at that fault, and no others; with no fault, it passes. The matrix below is
 * the one the closing note and the docs quote.
 */
import { type RunReport, runConformance } from '@celr/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../sdk/support/api.js';
import { type FaultName, startFaultyProxy } from './support/faulty-proxy.js';

let api: RunningApi;
let proxy: Awaited<ReturnType<typeof startFaultyProxy>>;

beforeAll(async () => {
  api = await startApi();
  // As the server runs: the bulk import and webhook workers started.
  api.app.bulkImports?.start();
  api.app.webhooks?.start();
  proxy = await startFaultyProxy(api.baseUrl);
});
afterAll(async () => {
  await proxy?.close();
  await api?.close();
});

const run = (): Promise<RunReport> =>
  runConformance({
    baseUrl: proxy.baseUrl,
    role: 'authority',
    credentials: { clientId: api.clients.northbridge.clientId, clientSecret: api.clients.northbridge.secret },
    other: { clientId: api.clients.eastmere.clientId, clientSecret: api.clients.eastmere.secret },
    waitMs: 10_000,
  });

/**
 * A whole authority suite per case: about 20 s, several times that on a loaded machine (the first
 * run also compiles the response schemas it checks).
 */
const RUN_TIMEOUT = 240_000;

/** The tests each fault must fail, and only those. */
const MATRIX: Record<FaultName, string[]> = {
  'if-match-ignored': ['versions-if-match-stale'],
  'if-match-not-required': ['versions-if-match-required'],
  'bad-input-500': [
    'problems-validation-errors',
    'records-unknown-member',
    'idempotency-key-reuse',
    'bundles-tampered-refused',
  ],
  'foreign-record-visible': ['access-read-foreign'],
  'wrong-problem-type': ['problems-members', 'problems-unknown-route', 'access-read-foreign'],
  'problem-as-plain-json': [
    'problems-malformed-json',
    'lists-bad-cursor',
    'lists-limit-bounds',
    'feed-bad-cursor',
    'bulk-import-bad-mode',
  ],
  'feed-drops-updates': ['feed-created-updated-deleted'],
  'unsigned-webhook': ['webhooks-signed-delivery'],
  'idempotency-ignored': ['idempotency-replay', 'idempotency-key-reuse'],
  'list-next-missing': ['lists-cursor'],
  'scope-ignored': ['auth-scope-enforced'],
  'no-location': ['records-create'],
  'no-bearer-challenge': ['auth-no-token', 'auth-bad-token'],
  'record-off-schema': ['records-read', 'records-plan', 'schema-record-responses', 'schema-responses-run'],
  'deleted-is-404': ['records-delete'],
  'bundle-digest-unchecked': ['bundles-tampered-refused'],
  'reject-ignored': ['transfers-reject'],
  'token-cached': ['auth-token-no-store'],
  'transfer-missing-member': ['schema-responses-transfers', 'schema-responses-run'],
  'feed-entry-wrong-type': ['schema-responses-service', 'schema-responses-run'],
};

const failed = (report: RunReport) =>
  report.results.filter((r) => r.status !== 'pass' && r.status !== 'skip');

describe('the conformance kit against a faulty server', () => {
  it(
    'passes everything through the proxy when it injects no fault',
    async () => {
      proxy.use(undefined);
      const report = await run();
      expect(failed(report).map((r) => `${r.id}: ${r.message}`)).toEqual([]);
      expect(report.counts.skip).toBe(0);
    },
    RUN_TIMEOUT,
  );

  it.each(Object.entries(MATRIX) as [FaultName, string[]][])(
    '%s: fails exactly %j',
    async (fault, expected) => {
      proxy.use(fault);
      const report = await run();
      const failures = failed(report);
      expect(
        failures.map((r) => r.id).sort(),
        failures.map((r) => `${r.id}: ${r.message}`).join('\n'),
      ).toEqual([...expected].sort());
      // A failure is a failure, not an error: the kit read the answer and found the fault.
      expect(failures.map((r) => r.status)).toEqual(failures.map(() => 'fail'));
      expect(report.conformant).toBe(false);
    },
    RUN_TIMEOUT,
  );
});
