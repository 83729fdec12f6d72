/**
 * `celr conformance` as a process (the SDK's CLI handing over to @celr/conformance) against the
 * reference API: the run's progress and summary, its JUnit XML and JSON files, the exit codes, and
 * usage errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv } from '@celr/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../sdk/support/api.js';
import { celr, scratchFolder } from '../sdk/support/cli.js';

let api: RunningApi;
const scratch = scratchFolder();

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

const flags = () => [
  '--base-url',
  api.baseUrl,
  '--client-id',
  api.clients.northbridge.clientId,
  '--client-secret',
  api.clients.northbridge.secret,
];

describe('celr conformance', () => {
  it('runs a group of the authority suite, prints each result and the verdict, and writes JUnit XML and JSON', async () => {
    const result = await celr(
      [
        'conformance',
        'run',
        '--role',
        'authority',
        ...flags(),
        '--only',
        'problems,records-read',
        '--junit',
        'out.xml',
        '--json',
        'out.json',
      ],
      { cwd: scratch.dir, env: {} },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\[1\/6\] PASS problems-media-type: /m);
    expect(result.stdout).toMatch(/^\[6\/6\] PASS records-read: /m);
    expect(result.stdout).toContain('6 tests in ');
    expect(result.stdout).toContain('Conformant: every mandatory test of the authority suite passed.');
    const xml = readFileSync(join(scratch.dir, 'out.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    const json = JSON.parse(readFileSync(join(scratch.dir, 'out.json'), 'utf8'));
    expect(json.kit).toEqual({ name: '@celr/conformance', version: expect.any(String) });
    expect(json.results.map((r: { status: string }) => r.status)).toEqual(Array(6).fill('pass'));
    // The evidence names the request and its answer, never the credentials.
    const read = json.results.find((r: { id: string }) => r.id === 'records-read');
    expect(read.decidedBy.response.status).toBe(200);
    expect(JSON.stringify(json)).not.toContain(api.clients.northbridge.secret);
    expect(read.decidedBy.request.headers.authorization).toBe('Bearer (hidden)');
  });

  it('exits 1 when a mandatory test does not pass: the access tests skip without a second organisation', async () => {
    const result = await celr(['conformance', 'run', '--role', 'authority', ...flags(), '--only', 'access'], {
      cwd: scratch.dir,
      env: {},
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^\[1\/4\] SKIP access-read-foreign: .*\n\s+No second organisation's credentials/m,
    );
    expect(result.stdout).toContain('Not conformant: 4 mandatory tests did not pass.');
  });

  it.each([
    [
      ['conformance', 'run', '--role', 'teacher'],
      /--role must be one of authority, school, vendor, transfer-peer; 'teacher' is not/,
    ],
    [['conformance', 'run', '--role', 'authority'], /--base-url \(or CELR_API_URL\) is required/],
    [
      [
        'conformance',
        'run',
        '--role',
        'authority',
        '--base-url',
        'x',
        '--client-id',
        'a',
        '--client-secret',
        'b',
      ],
      /--base-url 'x' is not a URL/,
    ],
    [
      [
        'conformance',
        'run',
        '--role',
        'transfer-peer',
        '--base-url',
        'http://127.0.0.1:1',
        '--client-id',
        'a',
        '--client-secret',
        'b',
        '--peer-base-url',
        'http://127.0.0.1:2',
      ],
      /--peer-base-url, --peer-client-id and --peer-client-secret go together/,
    ],
    [['conformance', 'walk'], /'walk' is not a command: run or list/],
  ])('refuses wrong usage with exit code 2: %j', async (args, message) => {
    const result = await celr(args, { cwd: scratch.dir, env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('lists a role’s suite, one test a line with its group, level, roles and clause', async () => {
    const result = await celr(['conformance', 'list', '--role', 'school'], { cwd: scratch.dir, env: {} });
    expect(result.code).toBe(0);
    const ids = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t')[0]);
    expect(ids).toContain('school-cannot-create-learner');
    expect(ids).not.toContain('records-create');
  });
});

describe('celr conformance against a server that will not deliver to the kit', () => {
  it('skips the webhook test, saying why and what to do, and the run is not conformant', async () => {
    // As `npm start` serves: deliveries to loopback addresses are refused unless the operator allows them.
    const strict = await startApi({ webhooks: { ...configFromEnv({}).webhooks, allowTargets: [] } });
    try {
      const result = await celr(
        [
          'conformance',
          'run',
          '--role',
          'authority',
          '--base-url',
          strict.baseUrl,
          '--client-id',
          strict.clients.northbridge.clientId,
          '--client-secret',
          strict.clients.northbridge.secret,
          '--only',
          'webhooks',
        ],
        { cwd: scratch.dir, env: {} },
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /^\[1\/1\] SKIP webhooks-signed-delivery: .*\n\s+The server does not deliver to http:\/\/127\.0\.0\.1: .*CELR_WEBHOOK_ALLOW_TARGETS/m,
      );
    } finally {
      await strict.close();
    }
  });
});
