import { englandLearner, englandPlan, PepComplianceResult } from '@celr/schema';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../src/audit/audit-trail.js';
import type { Caller } from '../src/auth/caller.js';
import { PepComplianceReports } from '../src/reports/pep-compliance.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * The PEP compliance report over four Northbridge children whose England deadlines (DfE 2018
 * default: PEP in place within 10 working days of entering care, ready for the first review at 20)
 * are counted by hand below, on a fixed `asOf` of Thursday 30 April 2026.
 */
const AS_OF = '2026-04-30';
const URL = `/v1/reports/pep-compliance?asOf=${AS_OF}`;

let api: TestApi;
const ids: Record<'onTime' | 'late' | 'overdue' | 'due', string> = {} as never;

async function learner(name: { given: string; family: string }, since: string, atSchool: boolean) {
  const { enrolment, hostAuthority: _host, ...rest } = englandLearner;
  const res = await api.as('northbridge', {
    method: 'POST',
    url: '/v1/learners',
    payload: {
      ...rest,
      name,
      identifiers: [],
      careStatus: { ...englandLearner.careStatus, since },
      ...(atSchool ? { enrolment } : {}),
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function pep(learnerId: string, start: string) {
  const res = await api.as('northbridge', {
    method: 'POST',
    url: '/v1/plans',
    payload: {
      ...englandPlan,
      learnerId,
      period: { start },
      reviewDue: '2026-07-01',
      qualityAssurance: { ...englandPlan.qualityAssurance, reviewedOn: start },
      signOff: { ...englandPlan.signOff, signedOffOn: start },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  api = await startTestApi();
  // In care from Monday 2 March 2026: 10 working days later is Monday 16 March, 20 is Monday 30 March.
  ids.onTime = await learner({ given: '=Ada', family: 'Ontime' }, '2026-03-02', false);
  await pep(ids.onTime, '2026-03-10');
  ids.late = await learner({ given: 'Bea', family: 'O\'Late, "Jr"' }, '2026-03-02', false);
  await pep(ids.late, '2026-03-18'); // 2 working days after 16 March
  ids.overdue = await learner({ given: 'Cal', family: 'Overdue' }, '2026-03-02', true);
  // In care from Monday 27 April: with the early May bank holiday (4 May) 10 working days end on
  // 12 May; with the spring bank holiday (25 May) 20 end on 27 May.
  ids.due = await learner({ given: 'Dev', family: 'Due' }, '2026-04-27', false);
}, 60_000);
afterAll(async () => api?.close());

interface Item {
  learnerId: string;
  name: { given: string; family: string };
  school?: { id: string; name: string };
  result: PepComplianceResult;
}

const statuses = (item: Item) =>
  item.result.deadlines.map((d) => [d.deadline, d.dueOn, d.status, d.metOn ?? null, d.daysLate ?? null]);

describe('GET /v1/reports/pep-compliance', () => {
  it('gives each deadline of each child its status, days late and the policy applied', async () => {
    const res = await api.as('northbridge', { method: 'GET', url: URL });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.asOf).toBe(AS_OF);
    // Northbridge stores no policy or term dates: England's default, with no authority named.
    expect(body.policies).toEqual([
      {
        id: 'england-dfe-2018',
        version: 1,
        name: expect.any(String),
        jurisdiction: 'england',
        stored: false,
      },
    ]);
    const items = new Map((body.items as Item[]).map((i) => [i.learnerId, i]));
    expect(items.size).toBe(4);
    for (const item of items.values()) expect(Value.Check(PepComplianceResult, item.result)).toBe(true);
    expect(statuses(items.get(ids.onTime)!)).toEqual([
      ['plan-in-place', '2026-03-16', 'met', '2026-03-10', null],
      ['plan-ready-for-first-review', '2026-03-30', 'met', '2026-03-10', null],
    ]);
    expect(statuses(items.get(ids.late)!)).toEqual([
      ['plan-in-place', '2026-03-16', 'late', '2026-03-18', 2],
      ['plan-ready-for-first-review', '2026-03-30', 'met', '2026-03-18', null],
    ]);
    // Overdue on 30 April: 31 working days after 16 March and 21 after 30 March (Good Friday 3 April
    // and Easter Monday 6 April are bank holidays).
    expect(statuses(items.get(ids.overdue)!)).toEqual([
      ['plan-in-place', '2026-03-16', 'overdue', null, 31],
      ['plan-ready-for-first-review', '2026-03-30', 'overdue', null, 21],
    ]);
    expect(statuses(items.get(ids.due)!)).toEqual([
      ['plan-in-place', '2026-05-12', 'due', null, null],
      ['plan-ready-for-first-review', '2026-05-27', 'due', null, null],
    ]);
    // No term dates are stored yet: the termly review is not assessed, and says why.
    expect(items.get(ids.onTime)!.result.notAssessed.map((n) => n.reason)).toContain('no-term-dates');
    expect(items.get(ids.overdue)!.school).toEqual({ id: api.orgs.school.id, name: 'Eastmere Park Academy' });
    expect(items.get(ids.onTime)!.school).toBeUndefined();
    expect(body.summary.children).toBe(4);
    expect(body.summary.deadlines).toEqual({ met: 3, late: 1, due: 2, overdue: 2 });
    expect(body.summary.outcomes.assessed + body.summary.outcomes['no-plan']).toBe(4);
  });

  it('filters by status, learner and school', async () => {
    const overdue = (await api.as('northbridge', { method: 'GET', url: `${URL}&status=overdue` })).json();
    expect(overdue.items.map((i: Item) => i.learnerId)).toEqual([ids.overdue]);
    expect(overdue.summary.deadlines).toEqual({ met: 0, late: 0, due: 0, overdue: 2 });
    const one = (await api.as('northbridge', { method: 'GET', url: `${URL}&learner=${ids.late}` })).json();
    expect(one.items.map((i: Item) => i.learnerId)).toEqual([ids.late]);
    const school = await api.as('northbridge', {
      method: 'GET',
      url: `${URL}&school=${api.orgs.school.id}`,
    });
    expect(school.json().items.map((i: Item) => i.learnerId)).toEqual([ids.overdue]);
  });

  it('shows a school its own pupils only, another authority nothing, a vendor what it acts for', async () => {
    const learnersOf = async (org: Parameters<TestApi['as']>[0], headers?: Record<string, string>) => {
      const res = await api.as(org, { method: 'GET', url: URL, headers });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as Item[]).map((i) => i.learnerId).sort();
    };
    expect(await learnersOf('school')).toEqual([ids.overdue]);
    expect(await learnersOf('eastmere')).toEqual([]);
    expect(await learnersOf('glenmoray')).toEqual([]);
    expect(await learnersOf('otherSchool')).toEqual([]);
    expect(await learnersOf('vendor', { 'celr-on-behalf-of': api.orgs.northbridge.id })).toEqual(
      Object.values(ids).sort(),
    );
    expect(await learnersOf('vendor')).toEqual([]);
    // The school cannot widen its view with a learner or school filter.
    const probe = await api.as('school', { method: 'GET', url: `${URL}&learner=${ids.late}` });
    expect(probe.json().items).toEqual([]);
    const empty = await api.as('eastmere', { method: 'GET', url: URL });
    expect(empty.json().summary.children).toBe(0);
    expect(empty.json().policies).toEqual([]);
  });

  it('needs plans:read as well as learners:read', async () => {
    const res = await api.as('northbridge', { method: 'GET', url: URL, scopes: ['learners:read'] });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const ok = await api.as('northbridge', {
      method: 'GET',
      url: URL,
      scopes: ['learners:read', 'plans:read'],
    });
    expect(ok.statusCode).toBe(200);
  });

  it('answers CSV with Accept: text/csv, one quoted row per child and deadline', async () => {
    const res = await api.as('northbridge', {
      method: 'GET',
      url: URL,
      headers: { accept: 'text/csv' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.body.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(
      'learner_id,given_name,family_name,school,policy,outcome,deadline,occurrence,clock_start,due_on,status,met_on,days_late,days_late_unit,decided_by_kind,decided_by_id,plan_rating,plan_adequate',
    );
    expect(lines.length).toBe(1 + 8 + 1);
    const late = lines.filter((l) => l.startsWith(ids.late));
    // A name with a comma and quotes is quoted, its quotes doubled; one that looks like a formula is defused.
    expect(late[0]).toContain(',Bea,"O\'Late, ""Jr""",,england-dfe-2018@1,');
    expect(late[0]).toContain(',plan-in-place,1,2026-03-02,2026-03-16,late,2026-03-18,2,working-days,plan,');
    expect(lines.find((l) => l.startsWith(ids.onTime))).toContain(`${ids.onTime},'=Ada,Ontime,`);
    const overdue = lines.filter((l) => l.startsWith(ids.overdue));
    expect(overdue[0]).toContain(',Eastmere Park Academy,');
    expect(overdue[1]).toContain(
      ',plan-ready-for-first-review,1,2026-03-02,2026-03-30,overdue,,21,working-days,',
    );
    const onlyOverdue = await api.as('northbridge', {
      method: 'GET',
      url: `${URL}&status=overdue`,
      headers: { accept: 'text/csv, application/json;q=0.5' },
    });
    expect(onlyOverdue.body.split('\r\n').length).toBe(1 + 2 + 1);
  });

  it('names every learner it showed in the audit trail, in one event each', async () => {
    const res = await api.as('school', { method: 'GET', url: URL });
    const requestId = res.headers['x-request-id'];
    const rows = await api.db.sql<{
      learner_id: string;
      action: string;
      record_kind: string;
      outcome: string;
    }>('SELECT learner_id::text, action, record_kind, outcome FROM audit_event WHERE request_id = $1', [
      requestId,
    ]);
    expect(rows).toEqual([
      { learner_id: ids.overdue, action: 'report', record_kind: 'learner', outcome: 'success' },
    ]);
    const all = await api.as('northbridge', { method: 'GET', url: URL });
    const events = await api.db.sql<{ learner_id: string }>(
      'SELECT learner_id::text FROM audit_event WHERE request_id = $1 ORDER BY learner_id',
      [all.headers['x-request-id']],
    );
    expect(events.map((e) => e.learner_id)).toEqual(Object.values(ids).sort());
  });

  it('refuses a bad asOf with a 400 problem', async () => {
    for (const asOf of ['2026-02-30', 'yesterday', '2026-4-1', '2031-01-01']) {
      const res = await api.as('northbridge', {
        method: 'GET',
        url: `/v1/reports/pep-compliance?asOf=${asOf}`,
      });
      expect(res.statusCode, asOf).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    const bad = await api.as('northbridge', { method: 'GET', url: `${URL}&status=late-ish` });
    expect(bad.statusCode).toBe(400);
  });

  it('reads the children in batches, by family and given name, each batch audited, and streams the same report', async () => {
    const caller: Caller = {
      clientId: 'test',
      organisationId: api.orgs.northbridge.id,
      organisationKind: 'local-authority',
      actingForId: api.orgs.northbridge.id,
      actingForKind: 'local-authority',
      scopes: new Set(['learners:read', 'plans:read']),
      requestId: 'pep-batches-test',
    };
    const reports = new PepComplianceReports(api.db, new AuditTrail(api.db.sql));
    const batches: string[][] = [];
    for await (const batch of reports.batches(caller, { asOf: AS_OF }, 2))
      batches.push(batch.items.map((i) => i.learnerId));
    // Due, O'Late, Ontime, Overdue: by family name, two at a time.
    expect(batches).toEqual([
      [ids.due, ids.late],
      [ids.onTime, ids.overdue],
    ]);
    const audited = await api.db.sql<{ learner_id: string }>(
      'SELECT learner_id::text FROM audit_event WHERE request_id = $1 ORDER BY learner_id',
      [caller.requestId],
    );
    expect(audited.map((e) => e.learner_id)).toEqual(Object.values(ids).sort());

    // Over HTTP the same children in the same order, and the counts over all of them.
    const res = await api.as('northbridge', { method: 'GET', url: URL });
    const body = res.json();
    expect(body.items.map((i: Item) => i.learnerId)).toEqual(batches.flat());
    expect(body.summary).toEqual(
      (await reports.report({ ...caller, requestId: 'again' }, { asOf: AS_OF })).summary,
    );
    // A status that leaves some batches empty still gives one JSON document.
    const overdue = await api.as('northbridge', { method: 'GET', url: `${URL}&status=overdue` });
    expect(overdue.json().items.map((i: Item) => i.learnerId)).toEqual([ids.overdue]);
  });
});
