import {
  type CompliancePolicy,
  englandDefaultPolicy,
  englandLearner,
  englandPlan,
  type TermDates,
} from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComplianceSettings } from '../src/compliance-settings/service.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * An authority's stored PEP compliance policy and term dates: validation, access, versions, audit,
 * and the PEP compliance report applying them to the authority's children.
 */
let api: TestApi;
const ids = { onTime: '', late: '', atSchool: '' };

/** Northbridge's term dates, 2025 to 2026 and the autumn after, half terms as breaks. */
const termDates: TermDates = {
  name: 'Northbridge community schools 2025 to 2027',
  source: 'https://www.northbridge.example/term-dates',
  terms: [
    {
      name: 'Autumn 2025',
      start: '2025-09-03',
      end: '2025-12-19',
      breaks: [{ start: '2025-10-27', end: '2025-10-31' }],
    },
    {
      name: 'Spring 2026',
      start: '2026-01-05',
      end: '2026-03-27',
      breaks: [{ start: '2026-02-16', end: '2026-02-20' }],
    },
    {
      name: 'Summer 2026',
      start: '2026-04-13',
      end: '2026-07-22',
      breaks: [{ start: '2026-05-25', end: '2026-05-29' }],
    },
    {
      name: 'Autumn 2026',
      start: '2026-09-02',
      end: '2026-12-18',
      breaks: [{ start: '2026-10-26', end: '2026-10-30' }],
    },
  ],
};

/** Northbridge allows 20 working days for the PEP to be in place, where the DfE default allows 10. */
const { version: _, ...defaultRest } = englandDefaultPolicy;
const northbridgePolicy = {
  ...defaultRest,
  id: 'northbridge-pep-2026',
  version: 1,
  name: 'Northbridge PEP standard 2026',
  deadlines: englandDefaultPolicy.deadlines.map((d) =>
    d.id === 'plan-in-place' ? { ...d, allowance: 20, description: 'A PEP within 20 working days.' } : d,
  ),
} satisfies CompliancePolicy;

const policyUrl = (org: string) => `/v1/authorities/${org}/compliance-policy`;
const termsUrl = (org: string) => `/v1/authorities/${org}/term-dates`;
const REPORT = (asOf: string) => `/v1/reports/pep-compliance?asOf=${asOf}`;

async function learner(name: string, since: string, atSchool = false) {
  const { enrolment, hostAuthority: _h, ...rest } = englandLearner;
  const res = await api.as('northbridge', {
    method: 'POST',
    url: '/v1/learners',
    payload: {
      ...rest,
      name: { given: name, family: 'Test' },
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
  ids.onTime = await learner('Ada', '2026-03-02');
  await pep(ids.onTime, '2026-03-10');
  ids.late = await learner('Bea', '2026-03-02');
  await pep(ids.late, '2026-03-18');
  // On roll at Eastmere Park Academy, a school in another authority, with no PEP.
  ids.atSchool = await learner('Cal', '2026-03-02', true);
}, 60_000);
afterAll(async () => api?.close());

interface Item {
  learnerId: string;
  result: {
    policy: { id: string; version: number };
    deadlines: { deadline: string; dueOn: string; status: string; daysLate?: number; daysLateUnit: string }[];
    notAssessed: { deadline: string; reason: string }[];
  };
}
async function report(asOf: string) {
  const res = await api.as('northbridge', { method: 'GET', url: REPORT(asOf) });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  return { body, item: (id: string) => (body.items as Item[]).find((i) => i.learnerId === id)! };
}
const deadline = (item: Item, id: string) => item.result.deadlines.find((d) => d.deadline === id);

const put = (
  org: Parameters<TestApi['as']>[0],
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
) => api.as(org, { method: 'PUT', url, payload: payload as object, headers });

describe('the PEP compliance report applies the authority’s stored policy and term dates', () => {
  it('assesses the termly review only once term dates are stored, counting in terms and school days', async () => {
    const before = await report('2026-04-30');
    expect(before.item(ids.onTime).result.notAssessed).toContainEqual(
      expect.objectContaining({ deadline: 'termly-review', reason: 'no-term-dates' }),
    );
    expect(deadline(before.item(ids.onTime), 'termly-review')).toBeUndefined();

    const res = await put('northbridge', termsUrl(api.orgs.northbridge.id), termDates);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"v1"');

    // The PEP was in place on 10 March, in the spring term: one term later is the last day of the
    // summer term, 22 July.
    const after = await report('2026-04-30');
    const onTime = after.item(ids.onTime);
    expect(onTime.result.notAssessed).toEqual([]);
    expect(deadline(onTime, 'termly-review')).toMatchObject({ dueOn: '2026-07-22', status: 'due' });
    expect(after.body.policies).toEqual([
      {
        id: 'england-dfe-2018',
        version: 1,
        name: englandDefaultPolicy.name,
        jurisdiction: 'england',
        stored: false,
        authority: { id: api.orgs.northbridge.id, name: 'Northbridge Borough Council' },
        termDates: { version: 1, name: termDates.name },
      },
    ]);
    // On Thursday 10 September no review has been held: overdue by the school days since 22 July,
    // which are those of the autumn term so far: 2, 3, 4, 7, 8, 9 and 10 September.
    const autumn = await report('2026-09-10');
    expect(deadline(autumn.item(ids.onTime), 'termly-review')).toMatchObject({
      dueOn: '2026-07-22',
      status: 'overdue',
      daysLate: 7,
      daysLateUnit: 'school-days',
    });
  });

  it('applies a stored policy: 20 working days make a late PEP on time, and the report names the version', async () => {
    const before = await report('2026-04-30');
    expect(deadline(before.item(ids.late), 'plan-in-place')).toMatchObject({
      status: 'late',
      dueOn: '2026-03-16',
    });

    const res = await put('northbridge', policyUrl(api.orgs.northbridge.id), northbridgePolicy);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      stored: true,
      version: 1,
      policy: { id: 'northbridge-pep-2026', version: 1 },
    });

    const after = await report('2026-04-30');
    const late = after.item(ids.late);
    expect(late.result.policy).toEqual({ id: 'northbridge-pep-2026', version: 1 });
    expect(deadline(late, 'plan-in-place')).toMatchObject({ status: 'met', dueOn: '2026-03-30' });
    expect(after.body.policies).toEqual([
      {
        id: 'northbridge-pep-2026',
        version: 1,
        name: 'Northbridge PEP standard 2026',
        jurisdiction: 'england',
        stored: true,
        authority: { id: api.orgs.northbridge.id, name: 'Northbridge Borough Council' },
        termDates: { version: 1, name: termDates.name },
      },
    ]);
    expect(after.body.summary.deadlines.late).toBe(0);
    // The cohort report rates and counts under the same stored policy, so the two reports agree.
    const cohort = await api.as('northbridge', { method: 'GET', url: '/v1/reports/cohort?asOf=2026-04-30' });
    expect(cohort.statusCode, cohort.body).toBe(200);
    expect(cohort.json().policies).toEqual({
      england: { id: 'northbridge-pep-2026', version: 1, name: 'Northbridge PEP standard 2026' },
    });

    // A second version (back to 10 days) is what the next report applies, and the first is kept.
    const back = await put(
      'northbridge',
      policyUrl(api.orgs.northbridge.id),
      { ...northbridgePolicy, deadlines: englandDefaultPolicy.deadlines },
      { 'if-match': '"v1"' },
    );
    expect(back.statusCode, back.body).toBe(200);
    expect(back.headers.etag).toBe('"v2"');
    const again = await report('2026-04-30');
    expect(again.item(ids.late).result.policy).toEqual({ id: 'northbridge-pep-2026', version: 2 });
    expect(deadline(again.item(ids.late), 'plan-in-place')).toMatchObject({ status: 'late', daysLate: 2 });
    // The CSV names the stored policy's id and version too.
    const csv = await api.as('northbridge', {
      method: 'GET',
      url: REPORT('2026-04-30'),
      headers: { accept: 'text/csv' },
    });
    expect(csv.body).toContain(',northbridge-pep-2026@2,');
  });

  it('a school sees its pupil assessed under the pupil’s authority’s policy, not its own authority’s', async () => {
    const res = await api.as('school', { method: 'GET', url: REPORT('2026-04-30') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.map((i: Item) => i.learnerId)).toEqual([ids.atSchool]);
    expect(body.items[0].result.policy).toEqual({ id: 'northbridge-pep-2026', version: 2 });
    expect(body.policies).toEqual([
      expect.objectContaining({
        id: 'northbridge-pep-2026',
        stored: true,
        authority: expect.objectContaining({ id: api.orgs.northbridge.id }),
      }),
    ]);
  });
});

describe('versions and preconditions', () => {
  it('keeps every version, newest first, each as it was stored', async () => {
    const res = await api.as('northbridge', {
      method: 'GET',
      url: `${policyUrl(api.orgs.northbridge.id)}/versions`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items;
    expect(items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(items[1].policy.deadlines[0].allowance).toBe(20);
    expect(items[0].policy.deadlines[0].allowance).toBe(10);
    expect(items[0].policy.version).toBe(2);
    const current = await api.as('northbridge', { method: 'GET', url: policyUrl(api.orgs.northbridge.id) });
    expect(current.headers.etag).toBe('"v2"');
    expect(current.json()).toMatchObject({ stored: true, version: 2, changedAt: expect.any(String) });
  });

  it('refuses a change made from an old version (412), and If-Match: * when nothing is stored', async () => {
    const stale = await put('northbridge', policyUrl(api.orgs.northbridge.id), northbridgePolicy, {
      'if-match': '"v1"',
    });
    expect(stale.statusCode, stale.body).toBe(412);
    expect(stale.json().type).toBe('urn:celr:problem:precondition-failed');
    const none = await put('eastmere', termsUrl(api.orgs.eastmere.id), termDates, { 'if-match': '*' });
    expect(none.statusCode, none.body).toBe(412);
    const versions = await api.db.prisma.authoritySetting.count({
      where: { organisationId: api.orgs.northbridge.id },
    });
    expect(versions).toBe(3); // two policies and one term dates: the refused changes stored nothing
  });

  it('keeps concurrent changes apart: each stored under its own version, or refused (409), never lost', async () => {
    const url = termsUrl(api.orgs.glenmoray.id);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => put('glenmoray', url, { ...termDates, name: `Glenmoray ${i}` })),
    );
    const ok = answers.filter((r) => r.statusCode === 200);
    expect(
      answers.every((r) => r.statusCode === 200 || r.statusCode === 409),
      answers.map((r) => r.body).join(),
    ).toBe(true);
    const stored = await api.db.prisma.authoritySetting.findMany({
      where: { organisationId: api.orgs.glenmoray.id, kind: 'term-dates' },
      orderBy: { version: 'asc' },
    });
    // As many versions as changes that were answered 200, numbered 1, 2, 3 ... each with its own body.
    expect(stored.map((s) => s.version)).toEqual(ok.map((_, i) => i + 1));
    expect(new Set(stored.map((s) => (s.document as { name: string }).name)).size).toBe(stored.length);
    expect(ok.map((r) => r.json().version).sort()).toEqual(stored.map((s) => s.version));
    await api.db.prisma.authoritySetting.deleteMany({ where: { organisationId: api.orgs.glenmoray.id } });
  });

  it('gives the default policy, unstored and without an ETag, to an authority with none; 404 for term dates', async () => {
    const policy = await api.as('glenmoray', { method: 'GET', url: policyUrl(api.orgs.glenmoray.id) });
    expect(policy.statusCode, policy.body).toBe(200);
    expect(policy.json()).toMatchObject({
      stored: false,
      version: null,
      policy: { id: 'scotland-lac-regulations-2009' },
    });
    expect(policy.headers.etag).toBeUndefined();
    const terms = await api.as('glenmoray', { method: 'GET', url: termsUrl(api.orgs.glenmoray.id) });
    expect(terms.statusCode).toBe(404);
  });
});

describe('validation: every fault a problem with pointer and rule', () => {
  const issuesOf = async (url: string, payload: unknown) => {
    const res = await put('eastmere', url, payload);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().type).toBe('urn:celr:problem:validation');
    return res.json().errors.map((e: { pointer: string; rule: string }) => [e.pointer, e.rule]);
  };
  const eastmerePolicy = { ...northbridgePolicy, id: 'eastmere-2026' };

  it('refuses unknown members, bad dates and overlapping terms', async () => {
    const terms = termsUrl(api.orgs.eastmere.id);
    expect(await issuesOf(policyUrl(api.orgs.eastmere.id), { ...eastmerePolicy, colour: 'red' })).toEqual([
      ['/colour', 'unknown-property'],
    ]);
    expect(
      await issuesOf(terms, { ...termDates, terms: [{ ...termDates.terms[0], start: '2025-02-30' }] }),
    ).toEqual([['/terms/0/start', 'format']]);
    const overlapping = {
      ...termDates,
      terms: [termDates.terms[0], { ...termDates.terms[1]!, start: '2025-12-01' }],
    };
    expect(await issuesOf(terms, overlapping)).toEqual([['/terms/1/start', 'terms-in-order']]);
    const breakOutside = {
      ...termDates,
      terms: [{ ...termDates.terms[0]!, breaks: [{ start: '2025-12-22', end: '2025-12-31' }] }],
    };
    expect(await issuesOf(terms, breakOutside)).toEqual([['/terms/0/breaks/0', 'break-in-term']]);
    expect(await issuesOf(terms, [])).toEqual([['', 'type']]);
  });

  it('refuses huge arrays by their bound, quickly, and a body over the size limit', async () => {
    const many = { ...termDates, terms: Array.from({ length: 5000 }, () => termDates.terms[0]) };
    const started = Date.now();
    expect(await issuesOf(termsUrl(api.orgs.eastmere.id), many)).toEqual([['/terms', 'maxItems']]);
    expect(Date.now() - started).toBeLessThan(5000);
    const deadlines = Array.from({ length: 1000 }, () => northbridgePolicy.deadlines[0]);
    expect(await issuesOf(policyUrl(api.orgs.eastmere.id), { ...eastmerePolicy, deadlines })).toEqual([
      ['/deadlines', 'maxItems'],
    ]);
    const huge = await put('eastmere', termsUrl(api.orgs.eastmere.id), {
      ...termDates,
      name: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(huge.statusCode).toBe(413);
  });

  it("applies the policy rules: a default's id, another jurisdiction, rubric and deadline order", async () => {
    const url = policyUrl(api.orgs.eastmere.id);
    expect(await issuesOf(url, englandDefaultPolicy)).toEqual([['/id', 'reserved-id']]);
    expect(
      await issuesOf(url, {
        ...eastmerePolicy,
        jurisdiction: 'scotland',
        planTypes: ['childs-plan'],
        reviewMeetingTypes: ['looked-after-review-scotland'],
      }),
    ).toEqual([['/jurisdiction', 'authority-jurisdiction']]);
    expect(
      await issuesOf(url, { ...eastmerePolicy, rubric: { ...eastmerePolicy.rubric, adequate: ['gold'] } }),
    ).toEqual([['/rubric/adequate/0', 'rubric-adequate']]);
    expect(await issuesOf(url, { ...eastmerePolicy, planTypes: ['no-such-plan'] })).toEqual([
      ['/planTypes/0', 'code-list'],
    ]);
    expect(
      await api.db.prisma.authoritySetting.count({ where: { organisationId: api.orgs.eastmere.id } }),
    ).toBe(0);
  });
});

describe('access', () => {
  const nb = () => api.orgs.northbridge.id;

  it('another authority, a school or a stranger gets 404 for Northbridge’s settings, and changes nothing', async () => {
    for (const url of [policyUrl(nb()), termsUrl(nb()), `${policyUrl(nb())}/versions`]) {
      const res = await api.as('eastmere', { method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('northbridge-pep-2026');
    }
    expect((await put('eastmere', policyUrl(nb()), { ...northbridgePolicy, id: 'hijack' })).statusCode).toBe(
      404,
    );
    expect((await put('eastmere', termsUrl(nb()), termDates)).statusCode).toBe(404);
    // A school has no compliance:manage scope; given it, Northbridge's settings and its own are still 404.
    expect((await api.as('otherSchool', { method: 'GET', url: policyUrl(nb()) })).statusCode).toBe(403);
    const scoped = { scopes: ['compliance:manage' as const] };
    expect((await api.as('otherSchool', { method: 'GET', url: policyUrl(nb()), ...scoped })).statusCode).toBe(
      404,
    );
    expect(
      (await api.as('otherSchool', { method: 'GET', url: policyUrl(api.orgs.otherSchool.id), ...scoped }))
        .statusCode,
    ).toBe(404);
    expect(
      (await api.as('northbridge', { method: 'GET', url: policyUrl('00000000-0000-4000-8000-000000000000') }))
        .statusCode,
    ).toBe(404);
    expect((await api.as('northbridge', { method: 'GET', url: policyUrl('not-a-uuid') })).statusCode).toBe(
      400,
    );
    expect(await api.db.prisma.authoritySetting.count({ where: { organisationId: nb() } })).toBe(3);
  });

  it('a vendor acts for the authority that delegated to it, with the scope; not for another, not without it', async () => {
    const onBehalf = { 'celr-on-behalf-of': nb() };
    const noScope = await api.as('vendor', { method: 'GET', url: policyUrl(nb()), headers: onBehalf });
    expect(noScope.statusCode).toBe(403);
    const scopes = ['compliance:manage' as const];
    const read = await api.as('vendor', { method: 'GET', url: termsUrl(nb()), headers: onBehalf, scopes });
    expect(read.statusCode, read.body).toBe(200);
    const write = await api.as('vendor', {
      method: 'PUT',
      url: termsUrl(nb()),
      headers: onBehalf,
      scopes,
      payload: termDates,
    });
    expect(write.statusCode, write.body).toBe(200);
    expect(write.json().version).toBe(2);
    // Acting for no one it is itself, which is not an authority; for Eastmere it has no delegation.
    expect((await api.as('vendor', { method: 'GET', url: termsUrl(nb()), scopes })).statusCode).toBe(404);
    const eastmere = await api.as('vendor', {
      method: 'GET',
      url: termsUrl(api.orgs.eastmere.id),
      headers: { 'celr-on-behalf-of': api.orgs.eastmere.id },
      scopes,
    });
    expect(eastmere.statusCode).toBe(403);
  });

  it('the platform operator reads and changes any authority’s, and the change is audited', async () => {
    const res = await put('operator', termsUrl(api.orgs.eastmere.id), termDates);
    expect(res.statusCode, res.body).toBe(200);
    const read = await api.as('operator', { method: 'GET', url: termsUrl(api.orgs.eastmere.id) });
    expect(read.json()).toMatchObject({ version: 1, authority: { id: api.orgs.eastmere.id }, termDates });
    const events = await api.db.sql<{
      organisation_id: string;
      action: string;
      record_id: string;
      record_version: number;
      client_id: string;
    }>(
      `SELECT organisation_id::text, action, record_id::text, record_version, client_id FROM audit_event
       WHERE record_kind = 'term-dates' AND request_id = $1`,
      [res.headers['x-request-id']],
    );
    expect(events).toEqual([
      {
        organisation_id: api.orgs.operator.id,
        action: 'replace',
        record_id: api.orgs.eastmere.id,
        record_version: 1,
        client_id: (await api.client('operator')).clientId,
      },
    ]);
    // Every change of Northbridge's is in the trail, refused ones not at all.
    const northbridge = await api.db.sql<{ record_kind: string; record_version: number }>(
      `SELECT record_kind, record_version FROM audit_event WHERE record_id = $1 AND action = 'replace' ORDER BY id`,
      [nb()],
    );
    expect(northbridge).toEqual([
      { record_kind: 'term-dates', record_version: 1 },
      { record_kind: 'compliance-policy', record_version: 1 },
      { record_kind: 'compliance-policy', record_version: 2 },
      { record_kind: 'term-dates', record_version: 2 },
    ]);
  });

  it('celr-admin stores a version without a client, audited as an administrative event', async () => {
    const settings = new ComplianceSettings(api.db.prisma);
    const stored = await settings.replace(
      { admin: { requestId: 'celr-admin-test' } },
      api.orgs.glenmoray.id,
      'term-dates',
      {
        ...termDates,
        name: 'Glenmoray schools',
      },
    );
    expect(stored.version).toBe(1);
    const [event] = await api.db.sql<{ client_id: string | null; organisation_id: string }>(
      `SELECT client_id, organisation_id::text FROM audit_event WHERE request_id = 'celr-admin-test'`,
      [],
    );
    expect(event).toEqual({ client_id: null, organisation_id: api.orgs.glenmoray.id });
  });
});
