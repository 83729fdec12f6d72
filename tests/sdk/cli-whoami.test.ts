/**
 * `celr whoami` run as a process against the API: a local authority and a vendor ask who they are,
 * and the vendor finds the id to act for an organisation with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';

let api: RunningApi;
const scratch = scratchFolder();
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

const whoami = (org: 'northbridge' | 'vendor', args: string[] = [], extra: Record<string, string> = {}) =>
  celr(['whoami', ...args], { cwd: scratch.dir, env: api.env(org, extra) });

describe('celr whoami', () => {
  it('tells a local authority its client, organisation, code and scopes', async () => {
    const { code, stdout, stderr } = await whoami('northbridge');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`Client:        ${api.clients.northbridge.clientId} (Northbridge SDK tests)`);
    expect(stdout).toContain(
      `Organisation:  ${api.orgs.northbridge.id}  Northbridge Borough Council (local-authority, la-code 990)`,
    );
    expect(stdout).toMatch(/^Scopes: +.*learners:read/m);
    expect(stdout).not.toContain('Acts for');
  });

  it('lists for a vendor the organisations it acts for, and checks a delegation with --on-behalf-of', async () => {
    const plain = await whoami('vendor');
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('Acts for (send the id as CELR_ON_BEHALF_OF / --on-behalf-of):');
    expect(plain.stdout).toContain(`  ${api.orgs.northbridge.id}  Northbridge Borough Council (la-code 990)`);

    const asJson = await whoami('vendor', ['--json']);
    expect(JSON.parse(asJson.stdout).delegatedBy).toEqual([
      { id: api.orgs.northbridge.id, name: 'Northbridge Borough Council', scheme: 'la-code', code: '990' },
    ]);

    const acting = await whoami('vendor', [], { CELR_ON_BEHALF_OF: api.orgs.northbridge.id });
    expect(acting.code, acting.stderr).toBe(0);
    expect(acting.stdout).toContain(`Acting for:    ${api.orgs.northbridge.id}  Northbridge Borough Council`);

    const refused = await whoami('vendor', [], { CELR_ON_BEHALF_OF: api.orgs.eastmere.id });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^celr whoami: HTTP 403 .*has not delegated to this vendor/m);
  });
});
