import { englandPlan, recordLine } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCohort, syntheticLearner } from '../src/demo/cohort.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

type Org = Parameters<TestApi['as']>[0];

const NDJSON = 'application/x-ndjson';
const line = (n: number) => recordLine('learner', syntheticLearner(n));

async function submit(
  org: Org,
  body: string,
  query: string,
  options: { headers?: Record<string, string>; scopes?: Parameters<TestApi['token']>[1] } = {},
) {
  return api.as(org, {
    method: 'POST',
    url: `/v1/bulk/import?${query}`,
    headers: { 'content-type': NDJSON, ...options.headers },
    payload: body,
    scopes: options.scopes,
  });
}

/** Submits, lets the worker run the job, and returns the finished job. */
async function runImport(
  org: Org,
  body: string,
  query = 'mode=per-record',
  scopes?: Parameters<TestApi['token']>[1],
) {
  const res = await submit(org, body, query, { scopes });
  expect(res.statusCode, res.body).toBe(202);
  await api.app.bulkImports!.tick();
  const job = await api.as(org, { method: 'GET', url: res.headers.location as string, scopes });
  expect(job.statusCode).toBe(200);
  return job.json();
}

async function errorsOf(org: Org, job: { links: { errors: string } }) {
  const res = await api.as(org, { method: 'GET', url: job.links.errors });
  expect(res.statusCode).toBe(200);
  return res.json().items as { line: number; kind?: string; pointer: string; rule: string }[];
}

async function learnerByUpn(org: Org, n: number) {
  const upn = (syntheticLearner(n).identifiers as { value: string }[])[0]!.value;
  const res = await api.as(org, { method: 'GET', url: `/v1/learners?identifier=upn|${upn}` });
  return res.json().items as { id: string; meta: { version: number }; name: { given: string } }[];
}

describe('POST /v1/bulk/import', () => {
  it('queues the file as a job (202, Location) and the worker writes every line', async () => {
    const res = await submit('northbridge', syntheticCohort(5, 100), 'mode=per-record');
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toMatch(/^\/v1\/bulk\/import\/[0-9a-f-]{36}$/);
    expect(res.json()).toMatchObject({
      status: 'queued',
      mode: 'per-record',
      lines: 5,
      progress: { linesDone: 0 },
    });

    await api.app.bulkImports!.tick();
    const job = (await api.as('northbridge', { method: 'GET', url: res.headers.location as string })).json();
    expect(job).toMatchObject({
      status: 'succeeded',
      lines: 5,
      progress: { linesDone: 5, percent: 100 },
      counts: { created: 5, updated: 0, unchanged: 0, failed: 0 },
    });
    expect(job.finishedAt).toBeDefined();
    const [learner] = await learnerByUpn('northbridge', 102);
    expect(learner).toMatchObject({
      meta: { version: 1 },
      name: syntheticLearner(102).name as { given: string },
    });
  });

  it('per-record: writes the good lines and reports each bad one by line, pointer and rule', async () => {
    const bad = { ...syntheticLearner(201), dateOfBirth: 'yesterday' };
    const body = [
      line(200),
      recordLine('learner', bad),
      '{"kind":"learner",',
      '',
      JSON.stringify({ kind: 'pupil' }),
      line(202),
      recordLine('learner', {
        ...syntheticLearner(203),
        responsibleAuthority: { scheme: 'la-code', code: '991', name: 'Eastmere County Council' },
      }),
    ].join('\n');
    const job = await runImport('northbridge', body);
    expect(job).toMatchObject({ status: 'partially-succeeded', lines: 6, counts: { created: 2, failed: 4 } });
    const errors = await errorsOf('northbridge', job);
    expect(errors.map((e) => [e.line, e.pointer, e.rule])).toEqual([
      [2, '/dateOfBirth', 'format'],
      [3, '', 'json'],
      [5, '/kind', 'kind'],
      [7, '/responsibleAuthority/code', 'responsible-authority-is-caller'],
    ]);
    expect(await learnerByUpn('northbridge', 200)).toHaveLength(1);
    expect(await learnerByUpn('northbridge', 201)).toHaveLength(0);
  });

  it('all-or-nothing: one bad line and nothing is written, with every bad line reported', async () => {
    const body = [
      line(300),
      recordLine('learner', { ...syntheticLearner(301), dateOfBirth: 'soon' }),
      line(302),
      '[]',
    ].join('\n');
    const job = await runImport('northbridge', body, 'mode=all-or-nothing');
    expect(job).toMatchObject({ status: 'failed', counts: { created: 0, updated: 0, failed: 2 } });
    expect((await errorsOf('northbridge', job)).map((e) => [e.line, e.rule])).toEqual([
      [2, 'format'],
      [4, 'type'],
    ]);
    for (const n of [300, 302]) expect(await learnerByUpn('northbridge', n)).toHaveLength(0);

    const fixed = await runImport(
      'northbridge',
      [line(300), line(301), line(302)].join('\n'),
      'mode=all-or-nothing',
    );
    expect(fixed).toMatchObject({ status: 'succeeded', counts: { created: 3, failed: 0 } });
  });

  it('sending a cohort again replaces by identifier, and leaves unchanged records alone', async () => {
    await runImport('northbridge', syntheticCohort(3, 400));
    const changed = { ...syntheticLearner(401), name: { given: 'Renamed', family: 'Learner' } };
    const again = await runImport(
      'northbridge',
      [line(400), recordLine('learner', changed), line(402)].join('\n'),
    );
    expect(again).toMatchObject({ status: 'succeeded', counts: { created: 0, updated: 1, unchanged: 2 } });
    const [learner] = await learnerByUpn('northbridge', 401);
    expect(learner).toMatchObject({ meta: { version: 2 }, name: { given: 'Renamed' } });
    expect((await learnerByUpn('northbridge', 400))[0]!.meta.version).toBe(1);
  });

  it('applies the access rules of single writes: scopes, responsible authority, what a school may write', async () => {
    const noPlans = await runImport(
      'northbridge',
      recordLine('plan', { ...englandPlan, learnerId: (await learnerByUpn('northbridge', 200))[0]!.id }),
      'mode=per-record',
      ['learners:read', 'learners:write'],
    );
    expect(noPlans.counts).toMatchObject({ created: 0, failed: 1 });

    const school = await runImport('school', line(500));
    expect(school.status).toBe('failed');
    expect((await errorsOf('school', school))[0]).toMatchObject({ line: 1, rule: 'forbidden' });

    // Eastmere cannot see Northbridge's learner 200, so its line creates nothing of Northbridge's.
    const other = await runImport('eastmere', line(200));
    expect((await errorsOf('eastmere', other))[0]).toMatchObject({ pointer: '/responsibleAuthority/code' });
  });

  it('takes back an export unchanged, even lines for records the sender may only read', async () => {
    const [learner] = await learnerByUpn('northbridge', 200);
    const file = (await api.as('school', { method: 'GET', url: `/v1/bulk/export?learner=${learner!.id}` }))
      .body;
    const job = await runImport('school', file);
    expect(job).toMatchObject({ status: 'succeeded', counts: { unchanged: 1, failed: 0 } });
  });

  it('follows references to records earlier in the file by the ids they had', async () => {
    const learnerId = '0195f7e2-0000-7000-8000-000000000001';
    const planId = '0195f7e2-0000-7000-8000-000000000002';
    const body = [
      recordLine('learner', { id: learnerId, ...syntheticLearner(600) }),
      recordLine('plan', { id: planId, ...englandPlan, learnerId }),
    ].join('\n');
    const job = await runImport('northbridge', body);
    expect(job.counts).toMatchObject({ created: 2, failed: 0 });
    const [learner] = await learnerByUpn('northbridge', 600);
    const plans = (
      await api.as('northbridge', { method: 'GET', url: `/v1/plans?learner=${learner!.id}` })
    ).json().items;
    expect(plans).toHaveLength(1);

    // The same file again: the plan is found by the id it came from and left alone, not duplicated.
    const again = await runImport('northbridge', body);
    expect(again.counts).toMatchObject({ created: 0, unchanged: 2 });
  });

  it('refuses what it cannot take as a problem: no mode, another media type, an empty file, too many lines', async () => {
    const noMode = await submit('northbridge', line(1), '');
    expect(noMode.statusCode).toBe(400);
    expect(noMode.json().errors[0]).toMatchObject({ pointer: '/mode' });

    const json = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/bulk/import?mode=per-record',
      payload: syntheticLearner(1),
    });
    expect(json.statusCode).toBe(415);

    const empty = await submit('northbridge', '\n\n', 'mode=per-record');
    expect(empty.statusCode).toBe(422);
    expect(empty.json().errors[0]).toMatchObject({ rule: 'not-empty' });

    const small = await startTestApi({ bulk: { maxBytes: 10_000_000, maxLines: 3 } });
    try {
      const res = await small.as('northbridge', {
        method: 'POST',
        url: '/v1/bulk/import?mode=per-record',
        headers: { 'content-type': NDJSON },
        payload: syntheticCohort(4),
      });
      expect(res.statusCode).toBe(413);
      expect(await small.db.prisma.bulkImport.count()).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('Idempotency-Key: a retried upload returns the first job and runs once', async () => {
    const headers = { 'idempotency-key': 'bulk-retry-1' };
    const first = await submit('northbridge', syntheticCohort(2, 700), 'mode=per-record', { headers });
    const retry = await submit('northbridge', syntheticCohort(2, 700), 'mode=per-record', { headers });
    expect(retry.statusCode).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(first.headers.location);
    await api.app.bulkImports!.tick();
    expect(await learnerByUpn('northbridge', 700)).toHaveLength(1);
  });

  it("another client's import is 404", async () => {
    const res = await submit('northbridge', line(800), 'mode=per-record');
    const other = await api.as('eastmere', { method: 'GET', url: res.headers.location as string });
    expect(other.statusCode).toBe(404);
    await api.app.bulkImports!.tick();
  });
});
