/**
 * The SDK's README examples (packages/sdk/examples/*.ts, included in the README verbatim; a test in
 * packages/sdk checks that) run as programs against the API, so every line of them is known to work.
 */
import { fileURLToPath } from 'node:url';
import { type CelrClient, createCelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { runTypeScript } from './support/cli.js';
import { learner, plan } from './support/records.js';

const example = (name: string) =>
  fileURLToPath(new URL(`../../packages/sdk/examples/${name}`, import.meta.url));
const cwd = fileURLToPath(new URL('.', import.meta.url));

let api: RunningApi;
let client: CelrClient;
beforeAll(async () => {
  api = await startApi();
  client = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
  });
});
afterAll(() => api?.close());

describe('the SDK README examples', () => {
  it('quickstart.ts: token, upsert by UPN, list, update with ETag; idempotent when run again', async () => {
    const first = await runTypeScript(example('quickstart.ts'), [], { cwd, env: api.env('northbridge') });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^synced ([0-9a-f-]{36}), version 1, ETag "v1"$/);
    const id = lines[0]!.split(' ')[1]!.replace(',', '');
    expect(lines.slice(1, -1)).toContain(`${id} Amara Okafor-Lees`);
    expect(lines.at(-1)).toBe('updated to version 2');

    const second = await runTypeScript(example('quickstart.ts'), [], { cwd, env: api.env('northbridge') });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^synced ${id}, version 3, ETag "v3"\\n`));
    expect(second.stdout.trim().split('\n').at(-1)).toBe('updated to version 4');
    const stored = await client.get('learner', id);
    expect(stored.contacts).toEqual([{ role: 'virtual-school-caseworker', name: 'Helen Adeyemi' }]);
  });

  it('vendor.ts: acting for an organisation that delegated, and for another', async () => {
    const owner = await client.create('learner', learner(900));
    await client.create('plan', plan(owner.id));
    const run = await runTypeScript(example('vendor.ts'), [], {
      cwd,
      env: api.env('vendor', {
        CELR_ON_BEHALF_OF: api.orgs.northbridge.id,
        OTHER_ORGANISATION_ID: api.orgs.northbridge.id,
      }),
    });
    expect(run.stderr).toBe('');
    const learners = (await client.GET('/v1/learners', { params: { query: { limit: 200 } } })).items.length;
    expect(run.stdout).toBe(
      `acting for ${api.orgs.northbridge.id}: ${learners} learners\nthe other organisation has plans: true\n`,
    );
  });

  it('errors.ts: a validation problem with pointers before sending, then a 412 conflict', async () => {
    const run = await runTypeScript(example('errors.ts'), [], { cwd, env: api.env('northbridge') });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      '0 urn:celr:problem:client-validation: The learner was not sent: 2 fields are not valid.',
    );
    expect(lines.slice(1, 3).sort()).toEqual([
      "  /dateOfBirth format: '2013-02-30' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01.",
      expect.stringMatching(/^ {2}\/identifiers\/0\/value upn-check-letter: /),
    ]);
    expect(lines[3]).toMatch(/^412 The record has changed since it was read \(request .+\)$/);
    expect(lines).toHaveLength(4);
  });
});
