/**
 * Prism (Stoplight's validating proxy; 5.14.2, the last release whose engines allow Node 20) in
 * front of the reference API, with `--errors`: every request the conformance kit's authority suite
 * sends, and every answer, is checked against the committed OpenAPI document, and a violation is
 * answered by Prism itself instead of being passed on. The suite's requests that are bad on purpose
 * (no token, an unknown path, a body or parameter the document forbids) are refused by Prism, as
 * they should be; every other request and every response must pass.
 *
 * Schemathesis, the third tool the issue names, is Python from PyPI, which this project's CI cannot
 * reach; it is not run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type RunReport, runConformance } from '@celr/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../packaging/support/workspace.js';
import { type RunningApi, startApi } from '../sdk/support/api.js';

const DOCUMENT = join(REPO_ROOT, 'apps/api/openapi.json');
const PRISM = join(REPO_ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js');

/** What Prism refused, and in which test of the suite. */
interface Refusal {
  test: string;
  request: string;
  status: number;
  type: string;
  violations: string[];
}

/**
 * The requests the suite sends bad on purpose, by test: Prism refuses them before the API sees
 * them, so these tests (and the run-wide schema test that sums them up) cannot pass through it.
 */
const BAD_ON_PURPOSE: Record<string, RegExp> = {
  'auth-no-token': /^GET \/v1\/me 401 UNAUTHORIZED$/,
  'problems-unknown-route': /^GET \/v1\/no-such-resource 404 NO_PATH_MATCHED_ERROR$/,
  // Prism's HTTP layer answers a body that is not JSON itself, as plain JSON without a problem type.
  'problems-malformed-json': /^$/,
  'problems-validation-errors': /^POST \/v1\/learners 422 UNPROCESSABLE_ENTITY$/,
  'records-unknown-member': /^POST \/v1\/learners 422 UNPROCESSABLE_ENTITY$/,
  'versions-if-match-required': /^PUT \/v1\/learners\/\{id\} 422 UNPROCESSABLE_ENTITY$/,
  'lists-limit-bounds': /^GET \/v1\/learners\?limit=1000000 422 UNPROCESSABLE_ENTITY$/,
  'bulk-import-bad-mode': /^POST \/v1\/bulk\/import\?mode=some 422 UNPROCESSABLE_ENTITY$/,
  'schema-responses-service': /^GET \/v1\/learners\?limit=0 422 UNPROCESSABLE_ENTITY$/,
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let api: RunningApi;
let prism: ChildProcess;
let log = '';
let prismUrl: string;

beforeAll(async () => {
  api = await startApi();
  // As the server runs: the bulk import and webhook workers started.
  api.app.bulkImports?.start();
  api.app.webhooks?.start();
  const port = await freePort();
  prismUrl = `http://127.0.0.1:${port}`;
  const args = ['proxy', DOCUMENT, api.baseUrl, '--errors', '--host', '127.0.0.1', '--port', String(port)];
  prism = spawn(process.execPath, [PRISM, ...args, '--cors', 'false'], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  prism.stdout!.on('data', (d) => (log += d));
  prism.stderr!.on('data', (d) => (log += d));
  const started = Date.now();
  while (!log.includes('Prism is listening')) {
    if (prism.exitCode !== null || Date.now() - started > 150_000) throw new Error(`Prism: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 240_000);

afterAll(async () => {
  prism?.kill();
  await api?.close();
});

describe('Prism, validating every request and response against the document', () => {
  it('refuses nothing of the authority suite but the requests it sends bad on purpose, and no response', async () => {
    const refusals: Refusal[] = [];
    let test = '(setup)';
    const original = globalThis.fetch;
    // The kit calls the global fetch: Prism's own answers are recognised by their problem types.
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await original(input, init);
      const text = await response.clone().text();
      const type = /"type":"https:\/\/stoplight\.io\/prism\/errors#([A-Z_]+)"/.exec(text)?.[1];
      if (type) {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const path = `${url.pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}${url.search}`;
        const body = JSON.parse(text) as { validation?: { location?: string[]; message: string }[] };
        refusals.push({
          test,
          request: `${init?.method ?? 'GET'} ${path}`,
          status: response.status,
          type,
          violations: (body.validation ?? []).map((v) => `${(v.location ?? []).join('.')}: ${v.message}`),
        });
      }
      return response;
    }) as typeof fetch;
    let report: RunReport;
    try {
      report = await runConformance({
        baseUrl: prismUrl,
        role: 'authority',
        credentials: {
          clientId: api.clients.northbridge.clientId,
          clientSecret: api.clients.northbridge.secret,
        },
        other: { clientId: api.clients.eastmere.clientId, clientSecret: api.clients.eastmere.secret },
        waitMs: 10_000,
        onTest: (event) => {
          test = event.result ? '(between tests)' : event.id;
        },
      });
    } finally {
      globalThis.fetch = original;
    }

    // The kit asks for the document at /openapi.json, which the document does not describe.
    const unexpected = refusals.filter(
      (r) =>
        !(r.request === 'GET /openapi.json' && r.type === 'NO_PATH_MATCHED_ERROR') &&
        !BAD_ON_PURPOSE[r.test]?.test(`${r.request} ${r.status} ${r.type}`),
    );
    expect(unexpected).toEqual([]);
    // A response that departs from the document is answered 500 by Prism: none is.
    expect(refusals.filter((r) => r.status >= 500)).toEqual([]);
    const failed = report.results.filter((r) => r.status !== 'pass' && r.status !== 'skip').map((r) => r.id);
    expect(failed.sort()).toEqual([...Object.keys(BAD_ON_PURPOSE), 'schema-responses-run'].sort());
    // Every test aimed at something bad on purpose did send it (and Prism refused it).
    for (const id of Object.keys(BAD_ON_PURPOSE).filter((id) => id !== 'problems-malformed-json'))
      expect(
        refusals.some((r) => r.test === id),
        id,
      ).toBe(true);
  }, 600_000);
});
