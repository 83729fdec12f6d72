/**
 * `celr report cohort` run as a process against the API, on Thursday 30 April 2026: two Northbridge
 * children with the example learner's suspension of 10 November 2025, neither enrolled:
 * - Ria, Year 7 by date of birth (born 31 August 2014), placed at home, with a red PEP holding the
 *   example's £600 of PP+ tuition (ended 19 December: spent) and 14 of 140 sessions missed
 *   (exactly 10 %: persistent absence);
 * - Noa, Year 6 (born 1 September 2014), placed in Eastmere (out of authority) with the example's
 *   attendance (128 of 140: 91.4 %), in care since 2 March 2026 with no PEP (both deadlines overdue).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { englandPlan } from '@celr/schema';
import { type CelrClient, createCelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';
import { learner, plan } from './support/records.js';

let api: RunningApi;
let northbridge: CelrClient;
const scratch = scratchFolder();
const ids = { red: '', none: '' };

beforeAll(async () => {
  api = await startApi();
  northbridge = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
  });
  const red = await northbridge.create(
    'learner',
    learner(11, {
      name: { given: 'Ria', family: 'Red' },
      dateOfBirth: '2014-08-31',
      hostAuthority: undefined,
      attendance: [
        {
          period: { start: '2025-09-03', end: '2025-12-19' },
          possibleSessions: 140,
          attendedSessions: 126,
          authorisedAbsenceSessions: 10,
          unauthorisedAbsenceSessions: 4,
        },
      ],
    } as never),
  );
  await northbridge.create(
    'plan',
    plan(red.id, {
      period: { start: '2025-09-03', end: '2026-07-22' },
      reviewDue: '2026-07-01',
      qualityAssurance: { ...englandPlan.qualityAssurance, rating: 'red' },
    } as never),
  );
  const none = await northbridge.create(
    'learner',
    learner(12, {
      name: { given: 'Noa', family: 'None' },
      dateOfBirth: '2014-09-01',
      careStatus: { status: 'looked-after', legalStatus: 'C2', placementType: 'U4', since: '2026-03-02' },
    } as never),
  );
  ids.red = red.id;
  ids.none = none.id;
}, 60_000);
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

/**
 * The lines the SDK README and the docs guide quote `celr <command>` printing (up to the next
 * command; `...` stands for lines left out), so that both show what the CLI prints.
 */
function quoted(command: string): string[][] {
  const root = join(import.meta.dirname, '../..');
  return ['packages/sdk/README.md', 'apps/docs/site/guides/cohort-report.md'].map((file) => {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    const start = lines.indexOf(`$ celr ${command}`);
    expect(start, `${file} quotes celr ${command}`).toBeGreaterThan(-1);
    const end = lines.findIndex((l, i) => i > start && (l.startsWith('$ ') || l.startsWith('```')));
    return lines.slice(start + 1, end).filter((l) => l !== '...');
  });
}

const report = (args: string[], org: 'northbridge' | 'eastmere' = 'northbridge') =>
  celr(['report', 'cohort', ...args], { cwd: scratch.dir, env: api.env(org) });

describe('celr report cohort', () => {
  it('prints a line per child, then the counts of the cohort', async () => {
    const { code, stdout, stderr } = await report(['--as-of', '2026-04-30']);
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Child +Year +School +Out +Rating +Overdue +Attendance +Susp\/excl \(year\) +Moves +PP\+/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^Ria Red +7 +red +90 % PA +1\/0 +£600\.00\/£600\.00$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^Noa None +6 +yes +no-plan +2 +91\.4 % +1\/0$/));
    expect(stdout).toContain(
      'As of 2026-04-30: 2 children (0 early-years, 1 primary, 1 secondary, 0 post-16).',
    );
    expect(stdout).toContain('Attendance: 1 persistently absent;');
    expect(stdout).toContain('Out of authority: 1. Suspensions 0 this term, 2 this year;');
    expect(stdout).toContain('Plans: 1 no-plan, 1 red; 1 with a PEP deadline overdue.');
    expect(stdout).toContain('pupil-premium-plus: £600.00 allocated, £600.00 spent.');
    for (const quote of quoted('report cohort --as-of 2026-04-30')) {
      expect(quote.length).toBeGreaterThan(3);
      for (const line of quote) expect(lines).toContain(line);
    }
  });

  it('groups, filters, and passes the JSON and the CSV through', async () => {
    const grouped = await report(['--as-of', '2026-04-30', '--group-by', 'yearGroup']);
    expect(grouped.code, grouped.stderr).toBe(0);
    const lines = grouped.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Group +Children +Persistent absence +PEP overdue +Out of authority +PP\+ allocated +PP\+ spent$/,
    );
    expect(lines[1]).toMatch(/^6 +1 +0 +1 +1 +£0\.00 +£0\.00$/);
    expect(lines[2]).toMatch(/^7 +1 +1 +0 +0 +£600\.00 +£600\.00$/);
    for (const quote of quoted('report cohort --as-of 2026-04-30 --group-by yearGroup')) {
      expect(quote).toEqual(lines.slice(0, 3));
    }
    const json = await report(['--as-of', '2026-04-30', '--json', '--overdue']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).items.map((i: { learnerId: string }) => i.learnerId)).toEqual([ids.none]);
    const csv = await report(['--as-of', '2026-04-30', '--csv', '--rating', 'red']);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = csv.stdout.split('\r\n');
    expect(rows[0]).toMatch(/^learner_id,given_name,family_name,jurisdiction,/);
    expect(rows.slice(1, -1).map((r) => r.split(',')[0])).toEqual([ids.red]);
    const away = await report(['--as-of', '2026-04-30', '--json', '--out-of-authority']);
    expect(JSON.parse(away.stdout).items.map((i: { learnerId: string }) => i.learnerId)).toEqual([ids.none]);
  });

  it('gives another authority an empty report', async () => {
    const { code, stdout } = await report(['--as-of', '2026-04-30'], 'eastmere');
    expect(code).toBe(0);
    expect(stdout).toContain('As of 2026-04-30: 0 children');
    expect(stdout).not.toContain('Ria');
  });

  it('exits 2 on a usage error, before asking the API', async () => {
    for (const args of [
      ['--as-of', '30/04/2026'],
      ['--group-by', 'colour'],
      ['--year-group', 'year 7'],
      ['--rating', 'Red!'],
      ['--school', 'eastmere'],
      ['--csv', '--json'],
      ['extra'],
    ]) {
      const { code, stderr } = await report(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/^celr report cohort: /);
    }
    const help = await celr(['report', 'cohort', '--help'], { cwd: scratch.dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--group-by <grouping>');
  });
});
