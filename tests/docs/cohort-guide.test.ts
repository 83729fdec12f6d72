/**
 * The guide "The cohort report": its TypeScript samples (apps/docs/examples/cohort-report.ts) run
 * against the API on a real socket, and what the page states about the vocabularies checked against
 * @celr/schema, so the page cannot name a band or a grouping the API does not have.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ATTENDANCE_BANDS, COHORT_GROUPINGS } from '@celr/schema';
import { type CelrClient, createCelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  cohortByYearGroup,
  outOfAuthorityCsv,
  persistentlyAbsent,
} from '../../apps/docs/examples/cohort-report.js';
import { type RunningApi, startApi } from '../sdk/support/api.js';
import { learner, plan } from '../sdk/support/records.js';
import { DOCS_DIR } from './support/site.js';

const AS_OF = '2026-04-30';
const page = readFileSync(join(DOCS_DIR, 'site/guides/cohort-report.md'), 'utf8');
let api: RunningApi;
let client: CelrClient;
const ids = { absent: '', away: '' };

beforeAll(async () => {
  api = await startApi();
  client = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
  });
  const summary = (possible: number, attended: number, absent: number) => [
    {
      period: { start: '2025-09-03', end: '2025-12-19' },
      possibleSessions: possible,
      attendedSessions: attended,
      authorisedAbsenceSessions: absent,
      unauthorisedAbsenceSessions: 0,
    },
  ];
  // Year 7 (born 31 August 2014), at home, 14 of 140 sessions missed: 90 %, persistently absent.
  const absent = await client.create(
    'learner',
    learner(21, {
      dateOfBirth: '2014-08-31',
      hostAuthority: undefined,
      attendance: summary(140, 126, 14),
    } as never),
  );
  await client.create(
    'plan',
    plan(absent.id, { period: { start: '2025-09-03', end: '2026-07-22' } } as never),
  );
  // Year 7 too, placed in Eastmere (the example learner's host authority), 7 of 140 missed: 95 %.
  const away = await client.create(
    'learner',
    learner(22, { dateOfBirth: '2013-09-01', attendance: summary(140, 133, 7) } as never),
  );
  ids.absent = absent.id;
  ids.away = away.id;
}, 60_000);
afterAll(async () => api?.close());

describe('the cohort report guide', () => {
  it('groups by year group, and prints a line per group', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const report = await cohortByYearGroup(client, AS_OF);
    const printed = log.mock.calls.map((call) => call.join(' '));
    log.mockRestore();
    expect(report.groups).toEqual([
      {
        key: '7',
        label: '7',
        children: 2,
        persistentAbsence: 1,
        overdue: 0,
        outOfAuthority: 1,
        // The example plan's £600 of PP+ tuition, 15 September to 19 December: spent by 30 April.
        allocatedPence: 60000,
        spentPence: 60000,
      },
    ]);
    expect(printed).toEqual([
      '7     2 children, 1 persistently absent, 0 with a PEP overdue, PP+ £600.00 spent of £600.00',
    ]);
  });

  it('lists the persistently absent, and the children out of authority as CSV', async () => {
    expect(await persistentlyAbsent(client, AS_OF)).toEqual([
      { learnerId: ids.absent, name: 'Test21 Learner', yearGroup: '7', attendancePercent: 90 },
    ]);
    const csv = (await outOfAuthorityCsv(client, AS_OF)).split('\r\n');
    expect(csv[0]).toMatch(/^learner_id,given_name,family_name,/);
    expect(csv.slice(1, -1).map((line) => line.split(',')[0])).toEqual([ids.away]);
  });

  it('names every attendance band and grouping the schema has, with its label', () => {
    for (const band of ATTENDANCE_BANDS) expect(page).toContain(`| \`${band.code}\` | ${band.label} |`);
    expect(page).toContain('| `no-data` |');
    for (const grouping of COHORT_GROUPINGS) expect(page).toContain(`\`${grouping}\``);
  });
});
