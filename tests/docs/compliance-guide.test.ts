/**
 * The guide "Your PEP policy and term dates": its TypeScript samples
 * (apps/docs/examples/compliance-settings.ts) run against the API on a real socket, and the CSV
 * columns the page lists are the schema's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { englandPlan, TERM_DATES_CSV_COLUMNS } from '@celr/schema';
import { type CelrClient, type components, createCelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  allowTwentyWorkingDays,
  loadTermDates,
  termlyReviews,
} from '../../apps/docs/examples/compliance-settings.js';
import { type RunningApi, startApi } from '../sdk/support/api.js';
import { learner, plan } from '../sdk/support/records.js';
import { DOCS_DIR } from './support/site.js';

const page = readFileSync(join(DOCS_DIR, 'site/guides/compliance-settings.md'), 'utf8');
let api: RunningApi;
let client: CelrClient;

const CSV = [
  'term,start,end,half_term_start,half_term_end',
  'Spring 2026,2026-01-05,2026-03-27,2026-02-16,2026-02-20',
  'Summer 2026,2026-04-13,2026-07-22,2026-05-25,2026-05-29',
  'Autumn 2026,2026-09-02,2026-12-18,2026-10-26,2026-10-30',
].join('\n');

beforeAll(async () => {
  api = await startApi();
  client = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
  });
  // In care from Monday 2 March 2026, a PEP from Wednesday 18 March: 12 working days later.
  const careStatus = { status: 'looked-after', legalStatus: 'C2', placementType: 'U4', since: '2026-03-02' };
  const child = await client.create(
    'learner',
    learner(31, { name: { given: 'Bea', family: 'Late' }, careStatus } as never),
  );
  await client.create(
    'plan',
    plan(child.id, {
      period: { start: '2026-03-18' },
      reviewDue: '2026-07-01',
      qualityAssurance: { ...englandPlan.qualityAssurance, reviewedOn: '2026-03-18' },
      signOff: { ...englandPlan.signOff, signedOffOn: '2026-03-18' },
    } as never),
  );
}, 60_000);
afterAll(async () => api?.close());

describe('the PEP policy and term dates guide', () => {
  it('lists the CSV columns the reader takes', () => {
    expect(page).toContain(`\`${TERM_DATES_CSV_COLUMNS.join(',')}\``);
  });

  it('names the line, column and rule of a fault in the spreadsheet, and stores nothing', async () => {
    const bad = CSV.replace('2026-03-27', '2026-02-30');
    await expect(loadTermDates(client, api.orgs.northbridge.id, 'terms.csv', bad)).rejects.toThrow(
      "terms.csv:2: end: '2026-02-30' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01. (format)",
    );
  });

  it('loads term dates, after which the termly review is assessed, due at the end of the next term', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await termlyReviews(client, '2026-04-30')).toEqual([]);
    const stored = await loadTermDates(client, api.orgs.northbridge.id, 'terms.csv', CSV);
    expect(stored.version).toBe(1);
    // The PEP was in place on 18 March, in the spring term: reviewed by the end of the summer term.
    expect(await termlyReviews(client, '2026-04-30')).toEqual([
      { child: 'Bea Late', dueOn: '2026-07-22', status: 'due' },
    ]);
    const printed = log.mock.calls.map((call) => call.join(' '));
    log.mockRestore();
    expect(printed).toEqual(['england-dfe-2018 v1', 'england-dfe-2018 v1, term dates v1']);
  });

  it('adopts a policy of its own, then changes it again from the version it read', async () => {
    const first = await allowTwentyWorkingDays(client, api.orgs.northbridge.id);
    expect(first).toMatchObject({ stored: true, version: 1, policy: { id: 'northbridge-pep', version: 1 } });
    const report = (await client.GET('/v1/reports/pep-compliance', {
      params: { query: { asOf: '2026-04-30' } },
    })) as components['schemas']['PepComplianceReport'];
    const inPlace = report.items[0]!.result.deadlines.find((d) => d.deadline === 'plan-in-place');
    // 20 working days from 2 March is 30 March: the PEP of 18 March is on time under this policy.
    expect(inPlace).toMatchObject({ dueOn: '2026-03-30', status: 'met' });
    const second = await allowTwentyWorkingDays(client, api.orgs.northbridge.id);
    expect(second).toMatchObject({ version: 2, policy: { id: 'northbridge-pep', version: 2 } });
  });
});
