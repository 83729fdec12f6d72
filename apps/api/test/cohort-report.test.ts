import { CohortRow, englandLearner, englandPlan, englandTransition } from '@celr/schema';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../src/audit/audit-trail.js';
import type { Caller } from '../src/auth/caller.js';
import { CohortReports } from '../src/reports/cohort.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * The cohort report over three Northbridge children on Thursday 30 April 2026 (school year
 * 2025-26; the conventional summer term from Easter Monday, 6 April; moves after 30 April 2025
 * count), with every expected figure worked out by hand in the comments:
 * - Ada: Year 8 at Eastmere Park Academy (a school of Eastmere, so out of authority); 126 of 140
 *   sessions attended and 14 missed, exactly 10 % absence, so persistent; suspended on 20 April;
 *   a green PEP with PP+ provision of £600 (ended 19 December: spent) and £400 (running); a UPN.
 * - Bea: no school; born 31 August 2014, so Year 7 by date of birth; in care since 2 March 2026 and
 *   no PEP, so both PEP deadlines overdue; a placement move 11 months ago, a school move 13 months ago.
 * - Cal: Year 5 at Northbridge Primary (Northbridge's own); 127 of 141 attended, 14 missed (9.9 %);
 *   a red PEP.
 */
const AS_OF = '2026-04-30';
const URL = `/v1/reports/cohort?asOf=${AS_OF}`;

let api: TestApi;
const ids = {} as Record<'ada' | 'bea' | 'cal', string>;

async function post(url: string, payload: object) {
  const res = await api.as('northbridge', { method: 'POST', url, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

const attendance = (possible: number, attended: number, authorised: number, unauthorised: number) => [
  {
    period: { start: '2025-09-03', end: '2025-12-19' },
    possibleSessions: possible,
    attendedSessions: attended,
    authorisedAbsenceSessions: authorised,
    unauthorisedAbsenceSessions: unauthorised,
  },
];

async function pep(learnerId: string, rating: 'green' | 'red', provision: object[]) {
  await post('/v1/plans', {
    ...englandPlan,
    learnerId,
    period: { start: '2025-09-03', end: '2026-07-22' },
    reviewDue: '2026-07-01',
    provision,
    qualityAssurance: { ...englandPlan.qualityAssurance, rating, reviewedOn: '2025-09-30' },
  });
}

async function move(learnerId: string, type: string, actualDate: string) {
  const { supportActions: _s, continuity: _c, from: _f, to: _t, ...rest } = englandTransition;
  await post('/v1/transitions', { ...rest, learnerId, type, plannedDate: actualDate, actualDate });
}

beforeAll(async () => {
  api = await startTestApi();
  const { enrolment, hostAuthority: _host, exclusions: _e, attendance: _a, ...rest } = englandLearner;
  ids.ada = await post('/v1/learners', {
    ...rest,
    name: { given: 'Ada', family: 'Okafor, "Jr"' },
    identifiers: [{ system: 'upn', value: 'C990123424001' }],
    enrolment,
    attendance: attendance(140, 126, 10, 4),
    exclusions: [{ type: 'SUSP', startDate: '2026-04-20', sessions: 2 }],
  });
  await pep(ids.ada, 'green', [
    { ...englandPlan.provision[0], amountPence: 60000, period: { start: '2025-09-15', end: '2025-12-19' } },
    { ...englandPlan.provision[0], amountPence: 40000, period: { start: '2026-04-20', end: '2026-07-17' } },
    { ...englandPlan.provision[0], fundingSource: 'other', amountPence: 99900 },
  ]);
  ids.bea = await post('/v1/learners', {
    ...rest,
    name: { given: 'Bea', family: 'Drift' },
    dateOfBirth: '2014-08-31',
    identifiers: [],
    careStatus: { ...englandLearner.careStatus, since: '2026-03-02' },
  });
  await move(ids.bea, 'placement-move', '2025-05-30');
  await move(ids.bea, 'in-year-school-move', '2025-03-30');
  ids.cal = await post('/v1/learners', {
    ...rest,
    name: { given: 'Cal', family: 'Primary' },
    dateOfBirth: '2016-01-10',
    identifiers: [],
    careStatus: { ...englandLearner.careStatus, since: '2025-09-01' },
    enrolment: {
      school: { scheme: 'urn', code: '990002', name: 'Northbridge Primary' },
      startDate: '2025-09-03',
      yearGroup: '5',
      setting: 'full-time',
    },
    attendance: attendance(141, 127, 14, 0),
  });
  await pep(ids.cal, 'red', []);
}, 60_000);
afterAll(async () => api?.close());

interface Item {
  learnerId: string;
  name: { given: string; family: string };
  school?: { id: string; name: string };
  row: CohortRow;
}

const get = async (query = '', org: Parameters<TestApi['as']>[0] = 'northbridge') => {
  const res = await api.as(org, { method: 'GET', url: `${URL}${query}` });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  return res.json();
};
const learners = (body: { items: Item[] }) => body.items.map((i) => i.learnerId).sort();
const sorted = (...names: (keyof typeof ids)[]) => names.map((n) => ids[n]).sort();

describe('GET /v1/reports/cohort', () => {
  it('gives each child their row and the summary of the cohort', async () => {
    const body = await get();
    expect(body.asOf).toBe(AS_OF);
    expect(body.policies).toEqual({
      england: { id: 'england-dfe-2018', version: 1, name: expect.any(String) },
    });
    const items = new Map((body.items as Item[]).map((i) => [i.learnerId, i]));
    expect(items.size).toBe(3);
    for (const item of items.values()) expect(Value.Errors(CohortRow, item.row)).toEqual([]);
    const ada = items.get(ids.ada)!.row;
    expect(ada).toMatchObject({
      yearGroup: '8',
      yearGroupFrom: 'enrolment',
      phase: 'secondary',
      school: { scheme: 'urn', code: '990001', name: 'Eastmere Park Academy' },
      setting: 'full-time',
      // The school's organisation sits in Eastmere (991); Ada has no host authority.
      schoolLocation: 'out-of-authority',
      placementLocation: 'in-authority',
      outOfAuthority: true,
      rating: 'green',
      plan: { type: 'pep', start: '2025-09-03', rating: 'green', adequate: true },
      attendance: {
        possibleSessions: 140,
        attendedSessions: 126,
        absenceSessions: 14,
        attendancePercent: 90,
        absencePercent: 10,
        band: 'persistent-absence',
        persistentAbsence: true,
      },
      exclusions: {
        term: { name: 'Summer 2026', start: '2026-04-06', end: '2026-08-31', from: 'conventional' },
        suspensionsThisTerm: 1,
        suspensionsThisYear: 1,
        exclusionsThisYear: 0,
      },
      moves: { since: '2025-04-30', school: 0, placement: 0 },
      identifiers: { upn: true, uln: false, scn: false },
      funding: { fundingSource: 'pupil-premium-plus', allocatedPence: 100000, spentPence: 60000 },
    });
    expect(items.get(ids.ada)!.school).toEqual({ id: api.orgs.school.id, name: 'Eastmere Park Academy' });
    const bea = items.get(ids.bea)!.row;
    expect(bea).toMatchObject({
      yearGroup: '7',
      yearGroupFrom: 'date-of-birth',
      school: null,
      schoolLocation: 'unknown',
      outOfAuthority: false,
      plan: null,
      rating: 'no-plan',
      // In care from Monday 2 March 2026: due 16 and 30 March, both overdue on 30 April.
      compliance: { outcome: 'no-plan', overdue: 2 },
      attendance: { band: 'no-data', persistentAbsence: false, attendancePercent: null },
      moves: { school: 0, placement: 1 },
    });
    expect(items.get(ids.cal)!.row).toMatchObject({
      yearGroup: '5',
      phase: 'primary',
      schoolLocation: 'in-authority',
      outOfAuthority: false,
      rating: 'red',
      plan: { adequate: false },
      compliance: { overdue: 0 },
      attendance: {
        attendancePercent: 90.1,
        absencePercent: 9.9,
        band: 'absence-5-to-10',
        persistentAbsence: false,
      },
      funding: { allocatedPence: 0, spentPence: 0 },
    });
    expect(body.summary).toEqual({
      children: 3,
      phases: { 'early-years': 0, primary: 1, secondary: 2, 'post-16': 0 },
      attendanceBands: {
        'absence-under-5': 0,
        'absence-5-to-10': 1,
        'persistent-absence': 1,
        'severe-absence': 0,
        'no-data': 1,
      },
      persistentAbsence: 1,
      ratings: { green: 1, 'no-plan': 1, red: 1 },
      overdue: 1,
      outOfAuthority: 1,
      suspensionsThisTerm: 1,
      exclusionsThisTerm: 0,
      suspensionsThisYear: 1,
      exclusionsThisYear: 0,
      movedSchool: 0,
      movedPlacement: 1,
      identifiers: { upn: 1, uln: 0, scn: 0 },
      funding: {
        'pupil-premium-plus': { allocatedPence: 100000, spentPence: 60000 },
        'care-experienced-children-and-young-people-fund': { allocatedPence: 0, spentPence: 0 },
      },
    });
    expect(body.groups).toBeUndefined();
  });

  it('filters by year group, rating, overdue, out of authority and school', async () => {
    expect(learners(await get('&yearGroup=7'))).toEqual(sorted('bea'));
    expect(learners(await get('&yearGroup=8'))).toEqual(sorted('ada'));
    expect(learners(await get('&rating=red'))).toEqual(sorted('cal'));
    expect(learners(await get('&rating=no-plan'))).toEqual(sorted('bea'));
    expect(learners(await get('&overdue=true'))).toEqual(sorted('bea'));
    expect(learners(await get('&overdue=false'))).toEqual(sorted('ada', 'cal'));
    expect(learners(await get('&outOfAuthority=true'))).toEqual(sorted('ada'));
    expect(learners(await get('&outOfAuthority=false&rating=red'))).toEqual(sorted('cal'));
    expect(learners(await get(`&school=${api.orgs.otherSchool.id}`))).toEqual(sorted('cal'));
    // The summary is of the children shown.
    const red = await get('&rating=red');
    expect([red.summary.children, red.summary.ratings, red.summary.persistentAbsence]).toEqual([
      1,
      { red: 1 },
      0,
    ]);
    expect((await get('&yearGroup=12')).items).toEqual([]);
  });

  it('groups by phase, school, rating and the other groupings', async () => {
    const phase = await get('&groupBy=phase');
    expect(phase.groupBy).toBe('phase');
    expect(phase.groups).toEqual([
      {
        key: 'primary',
        label: 'primary',
        children: 1,
        persistentAbsence: 0,
        overdue: 0,
        outOfAuthority: 0,
        allocatedPence: 0,
        spentPence: 0,
      },
      {
        key: 'secondary',
        label: 'secondary',
        children: 2,
        persistentAbsence: 1,
        overdue: 1,
        outOfAuthority: 1,
        allocatedPence: 100000,
        spentPence: 60000,
      },
    ]);
    const school = await get('&groupBy=school');
    expect(
      school.groups.map((g: { key: string; label: string; children: number }) => [
        g.key,
        g.label,
        g.children,
      ]),
    ).toEqual([
      ['none', 'none', 1],
      ['urn:990001', 'Eastmere Park Academy', 1],
      ['urn:990002', 'Northbridge Primary', 1],
    ]);
    const keys = async (groupBy: string) =>
      (await get(`&groupBy=${groupBy}`)).groups.map((g: { key: string; children: number }) => [
        g.key,
        g.children,
      ]);
    expect(await keys('rating')).toEqual([
      ['green', 1],
      ['no-plan', 1],
      ['red', 1],
    ]);
    expect(await keys('yearGroup')).toEqual([
      ['5', 1],
      ['7', 1],
      ['8', 1],
    ]);
    expect(await keys('attendanceBand')).toEqual([
      ['absence-5-to-10', 1],
      ['persistent-absence', 1],
      ['no-data', 1],
    ]);
    expect(await keys('outOfAuthority')).toEqual([
      ['false', 2],
      ['true', 1],
    ]);
  });

  it('answers CSV with Accept: text/csv, one quoted row per child', async () => {
    const res = await api.as('northbridge', { method: 'GET', url: URL, headers: { accept: 'text/csv' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="cohort-${AS_OF}.csv"`);
    const lines = res.body.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.length).toBe(1 + 3 + 1);
    const header = lines[0]!.split(',');
    expect(header.slice(0, 8)).toEqual([
      'learner_id',
      'given_name',
      'family_name',
      'jurisdiction',
      'care_status',
      'year_group',
      'year_group_from',
      'phase',
    ]);
    const ada = lines.find((l) => l.startsWith(ids.ada))!;
    // The family name with a comma and quotes is quoted, its quotes doubled.
    expect(ada).toContain(
      `${ids.ada},Ada,"Okafor, ""Jr""",england,looked-after,8,enrolment,secondary,urn,990001,`,
    );
    const cells = ada.replace('"Okafor, ""Jr"""', 'Okafor').split(',');
    const cell = (column: string) => cells[header.indexOf(column)];
    expect(
      [
        'out_of_authority',
        'rating',
        'attendance_percent',
        'persistent_absence',
        'term',
        'suspensions_this_term',
        'has_upn',
        'allocated_pence',
        'spent_pence',
      ].map(cell),
    ).toEqual(['true', 'green', '90', 'true', 'Summer 2026', '1', 'true', '100000', '60000']);
    const filtered = await api.as('northbridge', {
      method: 'GET',
      url: `${URL}&rating=red`,
      headers: { accept: 'text/csv, application/json;q=0.5' },
    });
    expect(filtered.body.split('\r\n').length).toBe(1 + 1 + 1);
  });

  it('shows a school its own pupils only, another authority nothing, a vendor what it acts for', async () => {
    const seen = async (org: Parameters<TestApi['as']>[0], headers?: Record<string, string>) => {
      const res = await api.as(org, { method: 'GET', url: URL, headers });
      expect(res.statusCode, res.body).toBe(200);
      return learners(res.json());
    };
    expect(await seen('school')).toEqual(sorted('ada'));
    expect(await seen('otherSchool')).toEqual(sorted('cal'));
    expect(await seen('eastmere')).toEqual([]);
    expect(await seen('glenmoray')).toEqual([]);
    expect(await seen('vendor', { 'celr-on-behalf-of': api.orgs.northbridge.id })).toEqual(
      sorted('ada', 'bea', 'cal'),
    );
    expect(await seen('vendor')).toEqual([]);
    // A school cannot widen its view with another school's filter.
    expect(learners(await get(`&school=${api.orgs.otherSchool.id}`, 'school'))).toEqual([]);
    const empty = await get('', 'eastmere');
    expect([empty.summary.children, empty.policies, empty.items]).toEqual([0, {}, []]);
    const denied = await api.as('northbridge', { method: 'GET', url: URL, scopes: ['learners:read'] });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['content-type']).toMatch(/problem\+json/);
  });

  it('names every learner it showed in the audit trail, in one event each', async () => {
    const events = async (query: string, org: Parameters<TestApi['as']>[0]) => {
      const res = await api.as(org, { method: 'GET', url: `${URL}${query}` });
      expect(res.statusCode).toBe(200);
      return api.db.sql<{ learner_id: string; action: string; record_kind: string }>(
        'SELECT learner_id::text, action, record_kind FROM audit_event WHERE request_id = $1 ORDER BY learner_id',
        [res.headers['x-request-id']],
      );
    };
    expect(await events('', 'school')).toEqual([
      { learner_id: ids.ada, action: 'report', record_kind: 'learner' },
    ]);
    expect((await events('', 'northbridge')).map((e) => e.learner_id)).toEqual(sorted('ada', 'bea', 'cal'));
    // Children filtered out were not shown, so not named.
    expect((await events('&rating=red', 'northbridge')).map((e) => e.learner_id)).toEqual(sorted('cal'));
    expect(await events('', 'eastmere')).toEqual([]);
  });

  it('reads a large cohort in batches by learner id, each audited', async () => {
    const caller: Caller = {
      clientId: 'test',
      organisationId: api.orgs.northbridge.id,
      organisationKind: 'local-authority',
      actingForId: api.orgs.northbridge.id,
      actingForKind: 'local-authority',
      scopes: new Set(['learners:read', 'plans:read']),
      requestId: 'cohort-batches-test',
    };
    const reports = new CohortReports(api.db, new AuditTrail(api.db.sql), 2);
    const batches: string[][] = [];
    for await (const batch of reports.batches(caller, { asOf: AS_OF }))
      batches.push(batch.map((i) => i.learnerId));
    const all = sorted('ada', 'bea', 'cal');
    expect(batches).toEqual([all.slice(0, 2), all.slice(2)]);
    const audited = await api.db.sql<{ learner_id: string }>(
      'SELECT learner_id::text FROM audit_event WHERE request_id = $1 ORDER BY learner_id',
      [caller.requestId],
    );
    expect(audited.map((e) => e.learner_id)).toEqual(all);
    // A filter that leaves a batch empty skips it and goes on to the next.
    const red: string[][] = [];
    for await (const batch of reports.batches(caller, { asOf: AS_OF, rating: 'red' }))
      red.push(batch.map((i) => i.learnerId));
    expect(red).toEqual([[ids.cal]]);
  });

  it("takes this term from the authority's term dates once they are stored", async () => {
    // A second suspension on 8 April, in Northbridge's Easter holidays (its summer term starts on
    // 13 April) but in the conventional summer term (from Easter Monday, 6 April).
    const patched = await api.as('northbridge', {
      method: 'PATCH',
      url: `/v1/learners/${ids.ada}`,
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"v1"' },
      payload: {
        exclusions: [
          { type: 'SUSP', startDate: '2026-04-20', sessions: 2 },
          { type: 'SUSP', startDate: '2026-04-08', sessions: 1 },
        ],
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const exclusions = async () =>
      ((await get()).items as Item[]).find((i) => i.learnerId === ids.ada)!.row.exclusions;
    expect(await exclusions()).toMatchObject({
      term: { name: 'Summer 2026', start: '2026-04-06', from: 'conventional' },
      suspensionsThisTerm: 2,
      suspensionsThisYear: 2,
    });
    const stored = await api.as('northbridge', {
      method: 'PUT',
      url: `/v1/authorities/${api.orgs.northbridge.id}/term-dates`,
      payload: {
        name: 'Northbridge community schools 2025 to 2026',
        terms: [
          { name: 'Autumn 2025', start: '2025-09-03', end: '2025-12-19' },
          { name: 'Spring 2026', start: '2026-01-05', end: '2026-03-27' },
          { name: 'Summer 2026', start: '2026-04-13', end: '2026-07-22' },
        ],
      },
    });
    expect(stored.statusCode, stored.body).toBe(200);
    expect(await exclusions()).toMatchObject({
      term: { name: 'Summer 2026', start: '2026-04-13', end: '2026-07-22', from: 'term-dates' },
      suspensionsThisTerm: 1,
      suspensionsThisYear: 2,
    });
  });

  it('refuses a bad query with a 400 problem', async () => {
    for (const query of [
      'asOf=2026-02-30',
      'asOf=yesterday',
      'asOf=2031-01-01',
      `asOf=${AS_OF}&groupBy=colour`,
      `asOf=${AS_OF}&overdue=maybe`,
      `asOf=${AS_OF}&yearGroup=year7`,
      `asOf=${AS_OF}&rating=Red!`,
      `asOf=${AS_OF}&school=eastmere`,
      `asOf=${AS_OF}&page=2`,
    ]) {
      const res = await api.as('northbridge', { method: 'GET', url: `/v1/reports/cohort?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.headers['content-type'], query).toMatch(/problem\+json/);
    }
  });
});
