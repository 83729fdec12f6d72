/**
 * `celr compliance-policy` and `celr term-dates` run as processes against the API: an authority loads
 * its term dates from a spreadsheet's CSV and its own policy from JSON, and sees them; a file with
 * faults names each one and stores nothing; another authority cannot touch them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleCompliancePolicy } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';

let api: RunningApi;
const scratch = scratchFolder();

const CSV = [
  'term,start,end,half_term_start,half_term_end',
  'Autumn 2026,2026-09-02,2026-12-18,2026-10-26,2026-10-30',
  'Spring 2027,2027-01-05,2027-03-26,2027-02-15,2027-02-19',
  'Summer 2027,2027-04-12,2027-07-21,2027-05-31,2027-06-04',
].join('\r\n');

beforeAll(async () => {
  api = await startApi();
  writeFileSync(join(scratch.dir, 'terms-2026-2027.csv'), CSV);
  // The third row's end is not a day; the fourth row starts before the third ends.
  writeFileSync(
    join(scratch.dir, 'bad.csv'),
    CSV.replace('2027-03-26', '2027-02-30').replace('2027-04-12', '2027-03-01'),
  );
  writeFileSync(join(scratch.dir, 'policy.json'), JSON.stringify(exampleCompliancePolicy, null, 2));
  writeFileSync(
    join(scratch.dir, 'bad-policy.json'),
    JSON.stringify({
      ...exampleCompliancePolicy,
      rubric: { ...exampleCompliancePolicy.rubric, adequate: ['platinum'] },
    }),
  );
}, 60_000);
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

const run = (args: string[], org: 'northbridge' | 'eastmere' = 'northbridge') =>
  celr(args, { cwd: scratch.dir, env: api.env(org) });

describe('celr term-dates', () => {
  it('names the file, line, field and rule of each fault in a CSV, and stores nothing', async () => {
    const { code, stderr } = await run(['term-dates', 'load', 'bad.csv']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      "bad.csv:3: end: '2027-02-30' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01. (format)",
    );
    // The lines the SDK README quotes.
    expect(stderr).toContain('celr term-dates load: bad.csv: 1 fault; nothing was stored.\n');
    const show = await run(['term-dates', 'show']);
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/HTTP 404/);
  });

  it("loads an authority's term dates from CSV and shows them", async () => {
    const load = await run([
      'term-dates',
      'load',
      'terms-2026-2027.csv',
      '--name',
      'Northbridge 2026 to 2027',
    ]);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toBe("Stored 3 terms as version 1 of Northbridge Borough Council's term dates.\n");
    const show = await run(['term-dates', 'show']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Term dates: Northbridge 2026 to 2027 v1');
    expect(show.stdout).toMatch(/Spring 2027 +2027-01-05 to 2027-03-26 {2}breaks 2027-02-15 to 2027-02-19/);
    const json = JSON.parse((await run(['term-dates', 'show', '--json'])).stdout);
    expect(json.termDates.terms).toHaveLength(3);
  });
});

describe('celr compliance-policy', () => {
  it("shows the jurisdiction's default until the authority stores its own", async () => {
    const { code, stdout } = await run(['compliance-policy', 'show']);
    expect(code).toBe(0);
    expect(stdout).toContain('england-dfe-2018 v1');
    expect(stdout).toContain('(the england default; the authority has stored none)');
  });

  it('prints the pointer and rule of each fault the API finds, and stores nothing', async () => {
    const { code, stderr } = await run(['compliance-policy', 'load', 'bad-policy.json']);
    expect(code).toBe(1);
    expect(stderr).toContain('HTTP 422');
    expect(stderr).toContain('/rubric/adequate/0 rubric-adequate:');
  });

  it('loads a policy and shows its deadlines and rubric; another authority cannot load one for it', async () => {
    const load = await run(['compliance-policy', 'load', 'policy.json']);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toBe(
      "Stored northbridge-pep-2026 as version 1 of Northbridge Borough Council's policy.\n",
    );
    const show = await run(['compliance-policy', 'show']);
    expect(show.stdout).toMatch(/plan-in-place +20 working-days from entering-care; met by a plan/);
    expect(show.stdout).toContain('Rubric:     gold, green, amber, red (adequate: gold, green, amber)');
    const other = await run(
      ['compliance-policy', 'load', 'policy.json', '--authority', api.orgs.northbridge.id],
      'eastmere',
    );
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('HTTP 404');
  });

  it('exits 2 on a usage error', async () => {
    for (const args of [
      ['compliance-policy', 'load'],
      ['compliance-policy', 'show', '--authority', 'anyshire'],
      ['term-dates', 'load', 'missing.csv'],
      ['term-dates', 'show', 'extra'],
    ]) {
      const { code, stderr } = await run(args);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
    }
  });
});
