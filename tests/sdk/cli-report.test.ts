/**
 * `celr report pep-compliance` run as a process against the API: two Northbridge children, one whose
 * PEP was late and one with none, on a fixed day (England's default policy, deadlines counted by hand).
 */
import { englandPlan } from '@celr/schema';
import { type CelrClient, createCelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';
import { learner, plan } from './support/records.js';

let api: RunningApi;
let northbridge: CelrClient;
const scratch = scratchFolder();
const ids: { late: string; overdue: string } = { late: '', overdue: '' };

beforeAll(async () => {
  api = await startApi();
  northbridge = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
  });
  // In care from Monday 2 March 2026: the PEP is due in place 10 working days later, on 16 March,
  // and ready for the first review at 20, on 30 March.
  const careStatus = { status: 'looked-after', legalStatus: 'C2', placementType: 'U4', since: '2026-03-02' };
  const late = await northbridge.create(
    'learner',
    learner(1, { name: { given: 'Bea', family: 'Late' }, careStatus } as never),
  );
  await northbridge.create(
    'plan',
    plan(late.id, {
      period: { start: '2026-03-18' },
      reviewDue: '2026-07-01',
      qualityAssurance: { ...englandPlan.qualityAssurance, reviewedOn: '2026-03-18' },
      signOff: { ...englandPlan.signOff, signedOffOn: '2026-03-18' },
    } as never),
  );
  const overdue = await northbridge.create(
    'learner',
    learner(2, { name: { given: 'Cal', family: 'Overdue' }, careStatus } as never),
  );
  ids.late = late.id;
  ids.overdue = overdue.id;
}, 60_000);
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

const report = (args: string[], org: 'northbridge' | 'eastmere' = 'northbridge') =>
  celr(['report', 'pep-compliance', ...args], { cwd: scratch.dir, env: api.env(org) });

describe('celr report pep-compliance', () => {
  it('prints a table of each child, deadline, due date, status and days late', async () => {
    const { code, stdout, stderr } = await report(['--as-of', '2026-04-30']);
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^Child +Deadline +Due +Status +Days late$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^Bea Late +plan-in-place +2026-03-16 +late +2 working days$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^Bea Late +plan-ready-for-first-review +2026-03-30 +met$/),
    );
    // 31 working days after 16 March on 30 April, Good Friday and Easter Monday not counted.
    expect(lines).toContainEqual(
      expect.stringMatching(/^Cal Overdue +plan-in-place +2026-03-16 +overdue +31 working days$/),
    );
    expect(stdout).toContain('As of 2026-04-30: 2 children; deadlines 1 met, 1 late, 0 due, 2 overdue.');
    expect(stdout).toContain('Policies: england-dfe-2018 v1.');
  });

  it('passes the JSON and the CSV through, and filters by status', async () => {
    const json = await report(['--as-of', '2026-04-30', '--json', '--status', 'overdue']);
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body.items.map((i: { learnerId: string }) => i.learnerId)).toEqual([ids.overdue]);
    const csv = await report(['--as-of', '2026-04-30', '--csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = csv.stdout.split('\r\n');
    expect(rows[0]).toMatch(/^learner_id,given_name,family_name,/);
    expect(rows.filter((r) => r.startsWith(ids.late))).toHaveLength(2);
    expect(rows.find((r) => r.startsWith(ids.late))).toContain(',late,2026-03-18,2,working-days,');
  });

  it('gives another authority an empty report', async () => {
    const { code, stdout } = await report(['--as-of', '2026-04-30'], 'eastmere');
    expect(code).toBe(0);
    expect(stdout).toContain('As of 2026-04-30: 0 children;');
    expect(stdout).not.toContain('Bea');
  });

  it('exits 2 on a usage error, before asking the API', async () => {
    for (const args of [
      ['--as-of', '30/04/2026'],
      ['--status', 'late-ish'],
      ['--csv', '--json'],
      ['extra'],
    ]) {
      const { code, stderr } = await report(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/^celr report pep-compliance: /);
    }
    const help = await celr(['report', 'pep-compliance', '--help'], { cwd: scratch.dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--as-of <date>');
  });
});
