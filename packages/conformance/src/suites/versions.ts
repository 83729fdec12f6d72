import { randomUUID } from 'node:crypto';
import type { TestContext } from '../context.js';
import { CELR, type ConformanceTest, WRITERS } from '../define.js';
import { expectProblem } from './problems.js';
import { planBody } from './records.js';

const inputOf = (record: Record<string, unknown>) => {
  const { id: _id, meta: _meta, ...input } = record;
  return input;
};

export const versionTests: ConformanceTest[] = [
  {
    id: 'versions-if-match-stale',
    group: 'versions',
    title: 'A change sent with an old ETag is refused with 412',
    clause: `RFC 9110 §13.1.1; ${CELR('concepts/versions', 'if-match')}`,
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const made = await t.learner();
      const first = await t.send('PUT', `/v1/learners/${made.id}`, {
        body: { ...inputOf(made.body), name: { given: 'Conformance', family: 'Second' } },
        headers: { 'if-match': made.etag },
      });
      t.status(first, 200, 'PUT with the current ETag');
      const stale = await t.send('PUT', `/v1/learners/${made.id}`, {
        body: { ...inputOf(made.body), name: { given: 'Conformance', family: 'Lost' } },
        headers: { 'if-match': made.etag },
      });
      t.status(stale, 412, 'PUT with the ETag of version 1 after version 2');
      expectProblem(t, stale, 'precondition-failed');
      const read = await t.send('GET', `/v1/learners/${made.id}`);
      t.check(
        (read.json as { name?: { family?: unknown } }).name?.family === 'Second',
        'The refused change was applied all the same.',
      );
      return '412 precondition-failed, version 2 kept';
    },
  },
  {
    id: 'versions-if-match-required',
    group: 'versions',
    title: 'A replace without If-Match is refused with 428',
    clause: `RFC 6585 §3; ${CELR('concepts/versions', 'if-match')}`,
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const made = await t.learner();
      const res = await t.send('PUT', `/v1/learners/${made.id}`, { body: inputOf(made.body) });
      t.status(res, 428, 'PUT without If-Match');
      expectProblem(t, res, 'precondition-required');
      return '428 precondition-required';
    },
  },
  {
    id: 'versions-history',
    group: 'versions',
    title: 'Every version of a record is kept and can be read',
    clause: CELR('concepts/versions', 'history'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const made = await t.learner();
      const put = await t.send('PUT', `/v1/learners/${made.id}`, {
        body: { ...inputOf(made.body), name: { given: 'Conformance', family: 'Later' } },
        headers: { 'if-match': made.etag },
      });
      t.status(put, 200, 'PUT with If-Match');
      const list = await t.send('GET', `/v1/learners/${made.id}/versions`);
      t.status(list, 200, 'GET /v1/learners/{id}/versions');
      const items = ((list.json as { items?: { version?: unknown; change?: unknown }[] }).items ?? []).map(
        (v) => `${String(v.version)}:${String(v.change)}`,
      );
      t.check(
        items.includes('1:created') && items.includes('2:replaced'),
        `The history is ${JSON.stringify(items)}, not 1 created and 2 replaced.`,
      );
      const first = await t.send('GET', `/v1/learners/${made.id}/versions/1`);
      t.status(first, 200, 'GET /v1/learners/{id}/versions/1');
      const old = first.json as { data?: { name?: { family?: unknown } }; name?: { family?: unknown } };
      const family = old.data?.name?.family ?? old.name?.family;
      t.check(
        family === 'Fictional',
        `Version 1 reads as family name ${JSON.stringify(family)}, not as it was written.`,
      );
      return 'versions 1 (created) and 2 (replaced), version 1 as written';
    },
  },
  {
    id: 'idempotency-replay',
    group: 'idempotency',
    title: 'A create retried with the same Idempotency-Key answers the first result and creates nothing',
    clause: CELR('concepts/versions', 'idempotency'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const body = await t.learnerBody();
      const key = randomUUID();
      const first = await t.send('POST', '/v1/learners', { body, headers: { 'idempotency-key': key } });
      const id = (first.json as { id?: unknown } | undefined)?.id;
      if (first.status === 201)
        t.onCleanup(() => t.send('DELETE', `/v1/learners/${String(id)}`, { headers: { 'if-match': '*' } }));
      t.status(first, 201, 'POST with an Idempotency-Key');
      const again = await t.send('POST', '/v1/learners', { body, headers: { 'idempotency-key': key } });
      const againId = (again.json as { id?: unknown } | undefined)?.id;
      if (again.status === 201 && againId !== id)
        t.onCleanup(() =>
          t.send('DELETE', `/v1/learners/${String(againId)}`, { headers: { 'if-match': '*' } }),
        );
      t.status(again, 201, 'The same POST again');
      t.check(againId === id, `The retry created ${String(againId)}, another learner than ${String(id)}.`);
      t.check(
        again.headers.get('idempotent-replayed') === 'true',
        `Idempotent-Replayed is ${JSON.stringify(again.headers.get('idempotent-replayed'))}, not true.`,
      );
      return 'the same 201 and id, Idempotent-Replayed: true';
    },
  },
  {
    id: 'idempotency-key-reuse',
    group: 'idempotency',
    title: 'The same Idempotency-Key with another body is refused',
    clause: CELR('concepts/versions', 'idempotency'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const key = randomUUID();
      const first = await t.send('POST', '/v1/learners', {
        body: await t.learnerBody(),
        headers: { 'idempotency-key': key },
      });
      if (first.status === 201) {
        const id = String((first.json as { id?: unknown }).id);
        t.onCleanup(() => t.send('DELETE', `/v1/learners/${id}`, { headers: { 'if-match': '*' } }));
      }
      t.status(first, 201, 'POST with an Idempotency-Key');
      const other = await t.send('POST', '/v1/learners', {
        body: await t.learnerBody(),
        headers: { 'idempotency-key': key },
      });
      if (other.status === 201) {
        const id = String((other.json as { id?: unknown }).id);
        t.onCleanup(() => t.send('DELETE', `/v1/learners/${id}`, { headers: { 'if-match': '*' } }));
      }
      t.status(other, 422, 'Another body under the same key');
      expectProblem(t, other, 'idempotency-key-reuse');
      return '422 idempotency-key-reuse';
    },
  },
  {
    id: 'lists-cursor',
    group: 'lists',
    title: 'Following `next` page by page lists every item once',
    clause: CELR('concepts/versions', 'lists'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const learner = await t.learner();
      const made = new Set<string>();
      for (let i = 0; i < 3; i++) made.add((await t.create('plan', planBody(learner.body))).id);
      const seen: string[] = [];
      let path: string | undefined = `/v1/learners/${learner.id}/plans?limit=1`;
      for (let page = 0; path && page < 10; page++) {
        const res = await t.send('GET', path);
        t.status(res, 200, `GET ${path}`);
        const body = res.json as { items?: { id: string }[]; next?: string };
        t.check((body.items?.length ?? 0) <= 1, `limit=1 answered ${body.items?.length} items.`);
        seen.push(...(body.items ?? []).map((p) => p.id));
        path = body.next
          ? new URL(body.next, t.http.baseUrl).pathname + new URL(body.next, t.http.baseUrl).search
          : undefined;
      }
      t.check(
        seen.length === made.size && seen.every((id) => made.has(id)),
        `The pages listed ${JSON.stringify(seen)}; the plans are ${JSON.stringify([...made])}.`,
      );
      return `3 pages of 1, each plan once`;
    },
  },
  {
    id: 'lists-bad-cursor',
    group: 'lists',
    title: 'A cursor the server did not hand out is refused with a problem naming the parameter',
    clause: CELR('concepts/errors', 'rules'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const res = await t.send('GET', '/v1/learners?cursor=bm90LWEtY3Vyc29y');
      t.status(res, 400, 'GET /v1/learners with a made-up cursor');
      const problem = expectProblem(t, res, 'invalid-query');
      const errors = (problem.errors ?? []) as { in?: unknown }[];
      t.check(
        errors.some((e) => e.in === 'query'),
        'No error says the fault is in the query.',
      );
      return '400 invalid-query, in query';
    },
  },
  {
    id: 'lists-limit-bounds',
    group: 'lists',
    title: 'A page size out of bounds is refused, not served whole',
    clause: CELR('concepts/errors', 'rules'),
    level: 'recommended',
    roles: WRITERS,
    async run(t: TestContext) {
      const res = await t.send('GET', '/v1/learners?limit=1000000');
      t.status(res, 400, 'GET /v1/learners?limit=1000000');
      expectProblem(t, res, 'invalid-query');
      return '400 invalid-query';
    },
  },
];
