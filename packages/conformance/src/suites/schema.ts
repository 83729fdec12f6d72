import { randomUUID } from 'node:crypto';
import {
  englandMeeting,
  englandTransition,
  type RecordKind,
  scotlandMeeting,
  scotlandTransition,
} from '@celr/schema';
import { collectionOf, describeViolations, type TestContext } from '../context.js';
import { CELR, type ConformanceTest, EVERYONE, WRITERS } from '../define.js';
import { expectRecord, planBody } from './records.js';
import { PEERS, sent } from './transfers.js';

const OPENAPI = CELR('reference/api/');
const FINISHED = new Set(['succeeded', 'partially-succeeded', 'failed']);

/** An example record of a kind, for a learner the test made, in the learner's jurisdiction. */
function bodyOf(kind: Exclude<RecordKind, 'learner'>, learner: Record<string, unknown>, planId?: string) {
  const scottish = learner.jurisdiction === 'scotland';
  if (kind === 'plan') return planBody(learner);
  const example = (
    kind === 'meeting'
      ? scottish
        ? scotlandMeeting
        : englandMeeting
      : scottish
        ? scotlandTransition
        : englandTransition
  ) as Record<string, unknown>;
  const { learnerId: _l, ...rest } = example;
  return { ...rest, learnerId: learner.id, ...(kind === 'meeting' && planId ? { planId } : {}) };
}

export const schemaTests: ConformanceTest[] = [
  {
    id: 'schema-record-responses',
    group: 'schema',
    title: 'Every record the API answers, read alone or in a list, matches its CELR record schema',
    clause: CELR('reference/records/'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const learner = await t.learner();
      const plan = await t.create('plan', bodyOf('plan', learner.body));
      const made: Record<string, string> = { learner: learner.id, plan: plan.id };
      made.meeting = (await t.create('meeting', bodyOf('meeting', learner.body, plan.id))).id;
      made.transition = (await t.create('transition', bodyOf('transition', learner.body))).id;
      let checked = 0;
      for (const [kind, id] of Object.entries(made) as [RecordKind, string][]) {
        const one = await t.send('GET', `${collectionOf(kind)}/${id}`);
        t.status(one, 200, `GET ${collectionOf(kind)}/{id}`);
        expectRecord(t, kind, one);
        checked++;
        if (kind === 'learner') continue;
        const list = await t.send(
          'GET',
          `/v1/learners/${learner.id}/${collectionOf(kind).split('/').at(-1)}`,
        );
        t.status(list, 200, `GET /v1/learners/{id}/${collectionOf(kind).split('/').at(-1)}`);
        for (const item of (list.json as { items?: unknown[] }).items ?? []) {
          expectRecord(t, kind, { ...list, json: item });
          checked++;
        }
      }
      const learners = await t.send('GET', '/v1/learners?limit=20');
      t.status(learners, 200, 'GET /v1/learners');
      for (const item of (learners.json as { items?: unknown[] }).items ?? []) {
        expectRecord(t, 'learner', { ...learners, json: item });
        checked++;
      }
      return `${checked} records checked against the schema`;
    },
  },
  {
    id: 'schema-responses-transfers',
    group: 'schema',
    title:
      'Transfers, their lists, history and bundle, as sender and recipient, match the schemas the CELR OpenAPI document declares',
    clause: OPENAPI,
    level: 'mandatory',
    roles: PEERS,
    async run(t: TestContext) {
      const { transfer } = await sent(t);
      const path = `/v1/transfers/${transfer.id}`;
      for (const [who, url] of [
        ['primary', path],
        ['primary', '/v1/transfers?box=outbox&limit=5'],
        ['primary', `${path}/history`],
        ['other', '/v1/transfers?box=inbox&status=pending&limit=5'],
        ['other', `${path}/bundle`],
      ] as const) {
        const res = await t.send('GET', url, { as: who });
        t.status(res, 200, `GET ${url}`);
      }
      const cancelled = await t.send('POST', `${path}/cancel`, {});
      t.status(cancelled, 200, 'POST /v1/transfers/{id}/cancel');
      const again = await t.send('POST', `${path}/accept`, { as: 'other' });
      t.status(again, [409, 410, 422], 'Accepting a cancelled transfer');
      return `${t.conforms()} responses match their declared schemas`;
    },
  },
  {
    id: 'schema-responses-service',
    group: 'schema',
    title:
      'Who-am-I, the change feed, import jobs and their errors, webhook subscriptions, versions and problems match the schemas the CELR OpenAPI document declares',
    clause: OPENAPI,
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const learner = await t.learner();
      const ok = async (method: string, url: string, status: number | number[], body?: unknown) => {
        const res = await t.send(method, url, body === undefined ? {} : { body });
        t.status(res, status, `${method} ${url}`);
        return res;
      };
      await ok('GET', '/v1/me', 200);
      await ok('GET', '/v1/changes?limit=20', 200);
      await ok('GET', `/v1/learners/${learner.id}/versions`, 200);
      await ok('GET', `/v1/learners/${learner.id}/versions/1`, 200);
      await ok('GET', `/v1/learners/${randomUUID()}`, 404);
      await ok('GET', '/v1/learners?limit=0', 400);
      const none = await t.send('GET', '/v1/me', { as: 'none' });
      t.status(none, 401, 'GET /v1/me without a token');
      // An import whose one line is bad: a job, its errors, and nothing written.
      const bad = await t.learnerBody({ dateOfBirth: 'not a date' });
      const posted = await t.send('POST', '/v1/bulk/import?mode=per-record', {
        raw: `${JSON.stringify({ kind: 'learner', record: bad })}\n`,
        headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': randomUUID() },
      });
      t.status(posted, 202, 'POST /v1/bulk/import?mode=per-record');
      const job = new URL(
        posted.headers.get('location') ?? `/v1/bulk/import/${(posted.json as { id?: string }).id}`,
        t.http.baseUrl,
      ).pathname;
      await t.eventually('The import job finished', async () => {
        const res = await ok('GET', job, 200);
        return FINISHED.has((res.json as { status?: string }).status ?? '') ? true : undefined;
      });
      await ok('GET', `${job}/errors`, 200);
      // A subscription, read alone and in its list, then removed. A server that refuses this
      // loopback receiver answers a problem, which is checked all the same.
      const created = await t.send('POST', '/v1/webhook-subscriptions', {
        body: {
          url: `${t.session.options.receiverHost ?? 'http://127.0.0.1'}:9/celr-conformance/${randomUUID()}`,
          recordKinds: ['learner'],
          changes: ['created'],
          description: 'CELR conformance kit (removed at once)',
        },
      });
      t.status(created, [201, 422], 'POST /v1/webhook-subscriptions');
      if (created.status === 201) {
        const id = (created.json as { id: string }).id;
        t.onCleanup(() => t.send('DELETE', `/v1/webhook-subscriptions/${id}`));
        await ok('GET', `/v1/webhook-subscriptions/${id}`, 200);
        await ok('GET', `/v1/webhook-subscriptions/${id}/deliveries`, 200);
        await ok('GET', '/v1/webhook-subscriptions', 200);
      }
      return `${t.conforms()} responses match their declared schemas`;
    },
  },
  {
    id: 'schema-responses-run',
    group: 'schema',
    title:
      'Every JSON response the kit received in this run matches the schema the CELR OpenAPI document declares for its operation and status',
    clause: OPENAPI,
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const checks = t.session.schemaChecks.filter((c) => c.test !== 'schema-responses-run');
      if (!checks.length) t.skip('No other test of this run received a response to check.');
      const off = checks.flatMap((c) => c.check.violations.map((v) => ({ ...v, test: c.test })));
      const tests = [...new Set(off.map((v) => v.test))];
      t.check(!off.length, `In ${tests.join(', ')}: ${describeViolations(off)}.`);
      const operations = new Set(checks.map((c) => `${c.check.operation} ${c.check.status}`));
      return `${checks.length} responses of ${operations.size} operation/status pairs match their declared schemas`;
    },
  },
];
