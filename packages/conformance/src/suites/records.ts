import { englandPlan, scotlandPlan, validate } from '@celr/schema';
import type { Kind, TestContext } from '../context.js';
import { CELR, type ConformanceTest, WRITERS } from '../define.js';
import type { Response } from '../http.js';
import { expectProblem } from './problems.js';

/** Checks a record the API returned against the record schema of @celr/schema (id and meta included). */
export function expectRecord(t: TestContext, kind: Kind, res: Response): Record<string, unknown> {
  const body = res.json as Record<string, unknown> | undefined;
  t.check(body && typeof body === 'object', `The ${kind} answered is not a JSON object.`);
  const checked = validate(kind, body, { shape: 'record', today: '2100-01-01' });
  t.check(
    checked.ok,
    `The ${kind} answered does not match the ${kind} record schema: ${
      checked.ok
        ? ''
        : checked.issues
            .slice(0, 3)
            .map((i) => `${i.pointer} ${i.rule}`)
            .join('; ')
    }`,
  );
  return body;
}

/** A plan for a learner the test made, in the learner's jurisdiction. */
export function planBody(learner: Record<string, unknown>): Record<string, unknown> {
  const { learnerId: _l, ...plan } = (
    learner.jurisdiction === 'scotland' ? scotlandPlan : englandPlan
  ) as Record<string, unknown>;
  return { ...plan, learnerId: learner.id };
}

export const recordTests: ConformanceTest[] = [
  {
    id: 'records-create',
    group: 'records',
    title: 'Creating a record answers 201 with its Location, ETag and the record',
    clause: `RFC 9110 §15.3.2, §8.8.3; ${CELR('concepts/versions', 'etag')}`,
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const body = await t.learnerBody();
      const res = await t.send('POST', '/v1/learners', { body });
      const id = (res.json as { id?: unknown } | undefined)?.id;
      if (res.status === 201 && typeof id === 'string')
        t.onCleanup(() => t.send('DELETE', `/v1/learners/${id}`, { headers: { 'if-match': '*' } }));
      t.status(res, 201, 'POST /v1/learners');
      const record = expectRecord(t, 'learner', res);
      t.check(typeof id === 'string', 'The record has no id.');
      const location = res.headers.get('location') ?? '';
      t.check(
        location && new URL(location, t.http.baseUrl).pathname.endsWith(`/v1/learners/${id}`),
        `Location is '${location}'.`,
      );
      t.check(res.headers.get('etag'), 'No ETag.');
      t.check(
        JSON.stringify(record.name) === JSON.stringify(body.name) && record.dateOfBirth === body.dateOfBirth,
        'The record answered is not the one sent.',
      );
      const read = await t.send('GET', new URL(location, t.http.baseUrl).pathname);
      t.status(read, 200, `GET ${location}`);
      return `201, Location ${location}`;
    },
  },
  {
    id: 'records-read',
    group: 'records',
    title: 'Reading a record answers it with the same ETag as its write',
    clause: `RFC 9110 §8.8.3; ${CELR('concepts/versions', 'etag')}`,
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const made = await t.learner();
      const res = await t.send('GET', `/v1/learners/${made.id}`);
      t.status(res, 200, 'GET /v1/learners/{id}');
      const record = expectRecord(t, 'learner', res);
      t.check(record.id === made.id, 'The id read is not the id made.');
      t.check(
        res.headers.get('etag') === made.etag,
        `ETag ${res.headers.get('etag')} differs from the create's ${made.etag}.`,
      );
      return `200, ETag ${made.etag}`;
    },
  },
  {
    id: 'records-replace',
    group: 'records',
    title: 'Replacing a record with If-Match makes its next version',
    clause: CELR('concepts/versions', 'if-match'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const made = await t.learner();
      const { id: _id, meta: _meta, ...input } = made.body;
      const res = await t.send('PUT', `/v1/learners/${made.id}`, {
        body: { ...input, name: { ...(input.name as object), preferred: 'Conny' } },
        headers: { 'if-match': made.etag },
      });
      t.status(res, 200, 'PUT /v1/learners/{id} with If-Match');
      const record = expectRecord(t, 'learner', res);
      t.check((record.name as { preferred?: unknown }).preferred === 'Conny', 'The change was not applied.');
      t.check((record.meta as { version?: unknown }).version === 2, 'meta.version is not 2.');
      t.check(res.headers.get('etag') && res.headers.get('etag') !== made.etag, 'The ETag did not change.');
      return 'version 2, new ETag';
    },
  },
  {
    id: 'records-patch',
    group: 'records',
    title: 'A JSON merge patch changes only what it names',
    clause: `RFC 7396; ${CELR('concepts/versions', 'if-match')}`,
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const made = await t.learner();
      const res = await t.send('PATCH', `/v1/learners/${made.id}`, {
        raw: JSON.stringify({ name: { preferred: 'Con' } }),
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': made.etag },
      });
      t.status(res, 200, 'PATCH /v1/learners/{id}');
      const record = expectRecord(t, 'learner', res);
      const name = record.name as { given?: unknown; preferred?: unknown };
      t.check(name.preferred === 'Con', 'The patched member was not changed.');
      t.check(
        name.given === (made.body.name as { given: string }).given,
        'A member the patch did not name changed.',
      );
      return 'name.preferred patched, name.given kept';
    },
  },
  {
    id: 'records-delete',
    group: 'records',
    title: 'A deleted record is gone: 410 with a problem afterwards',
    clause: CELR('concepts/versions', 'delete'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const made = await t.learner();
      const res = await t.send('DELETE', `/v1/learners/${made.id}`, { headers: { 'if-match': made.etag } });
      t.status(res, [200, 204], 'DELETE /v1/learners/{id}');
      const after = await t.send('GET', `/v1/learners/${made.id}`);
      t.status(after, 410, 'GET of the deleted learner');
      expectProblem(t, after, 'gone');
      return `${res.status}, then 410 gone`;
    },
  },
  {
    id: 'records-unknown-member',
    group: 'records',
    title: 'A member the schema does not have is refused, not dropped',
    clause: CELR('concepts/errors', 'schema-rules'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const body = await t.learnerBody({ favouriteColour: 'green' });
      const res = await t.send('POST', '/v1/learners', { body });
      if (res.status === 201) {
        const id = String((res.json as { id?: unknown }).id);
        t.onCleanup(() => t.send('DELETE', `/v1/learners/${id}`, { headers: { 'if-match': '*' } }));
      }
      t.status(res, 422, 'POST /v1/learners with an unknown member');
      const problem = expectProblem(t, res, 'validation');
      const errors = (problem.errors ?? []) as { pointer?: unknown }[];
      t.check(
        errors.some((e) => e.pointer === '/favouriteColour'),
        `No error points at /favouriteColour: ${JSON.stringify(errors).slice(0, 300)}`,
      );
      return '422 at /favouriteColour';
    },
  },
  {
    id: 'records-plan',
    group: 'records',
    title: "A plan made for a learner is listed among the learner's plans",
    clause: CELR('concepts/plans'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const learner = await t.learner();
      const plan = await t.create('plan', planBody(learner.body));
      const res = await t.send('GET', `/v1/learners/${learner.id}/plans`);
      t.status(res, 200, 'GET /v1/learners/{id}/plans');
      const items = (res.json as { items?: { id?: unknown }[] }).items ?? [];
      t.check(
        items.some((p) => p.id === plan.id),
        "The plan is not in the learner's plans.",
      );
      const read = await t.send('GET', `/v1/plans/${plan.id}`);
      t.status(read, 200, 'GET /v1/plans/{id}');
      expectRecord(t, 'plan', read);
      return `plan ${plan.id} listed and read`;
    },
  },
];
