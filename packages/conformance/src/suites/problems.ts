import { type PROBLEM_TYPES, problemTypeUri } from '@celr/schema';
import type { TestContext } from '../context.js';
import { CELR, type ConformanceTest, EVERYONE, WRITERS } from '../define.js';
import type { Response } from '../http.js';

const NO_SUCH_LEARNER = '/v1/learners/00000000-0000-4000-8000-000000000000';

/** Checks a response is an RFC 9457 problem of a CELR type, and returns it. */
export function expectProblem(t: TestContext, res: Response, type: keyof typeof PROBLEM_TYPES) {
  const media = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  t.check(media === 'application/problem+json', `Content-Type is '${media}', not application/problem+json.`);
  const problem = res.json as Record<string, unknown> | undefined;
  t.check(problem && typeof problem === 'object', 'The body is not a JSON object.');
  t.check(
    problem.type === problemTypeUri(type),
    `type is ${JSON.stringify(problem.type)}, not ${problemTypeUri(type)}.`,
  );
  t.check(
    problem.status === res.status,
    `status is ${JSON.stringify(problem.status)}, the response's is ${res.status}.`,
  );
  t.check(typeof problem.title === 'string' && problem.title, 'title is missing.');
  return problem;
}

export const problemTests: ConformanceTest[] = [
  {
    id: 'problems-media-type',
    group: 'problems',
    title: 'An error is sent as application/problem+json',
    clause: 'RFC 9457 §3',
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const res = await t.send('GET', NO_SUCH_LEARNER);
      t.status(res, 404, `GET ${NO_SUCH_LEARNER}`);
      const media = res.headers.get('content-type') ?? '';
      t.check(media.startsWith('application/problem+json'), `Content-Type is '${media}'.`);
      return media;
    },
  },
  {
    id: 'problems-members',
    group: 'problems',
    title: 'A problem has type, title, status (the response’s) and instance',
    clause: 'RFC 9457 §3.1',
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const res = await t.send('GET', NO_SUCH_LEARNER);
      t.status(res, 404, `GET ${NO_SUCH_LEARNER}`);
      const problem = expectProblem(t, res, 'not-found');
      t.check(typeof problem.instance === 'string', 'instance is missing.');
      return `${String(problem.type)}, status ${String(problem.status)}`;
    },
  },
  {
    id: 'problems-unknown-route',
    group: 'problems',
    title: 'A path the API does not have gets a not-found problem',
    clause: CELR('concepts/errors', 'types'),
    level: 'mandatory',
    roles: EVERYONE,
    async run(t: TestContext) {
      const res = await t.send('GET', '/v1/no-such-resource');
      t.status(res, 404, 'GET /v1/no-such-resource');
      expectProblem(t, res, 'not-found');
      return '404 not-found';
    },
  },
  {
    id: 'problems-malformed-json',
    group: 'problems',
    title: 'A body that is not JSON gets a bad-request problem, not a server error',
    clause: CELR('concepts/errors', 'types'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const res = await t.send('POST', '/v1/learners', {
        raw: '{"jurisdiction": "england", ',
        headers: { 'content-type': 'application/json' },
      });
      t.status(res, 400, 'POST /v1/learners with truncated JSON');
      expectProblem(t, res, 'bad-request');
      return '400 bad-request';
    },
  },
  {
    id: 'problems-validation-errors',
    group: 'problems',
    title: 'An invalid record gets a validation problem naming each field and rule',
    clause: CELR('concepts/errors', 'rules'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const body = await t.learnerBody({ dateOfBirth: '2014-02-30' });
      const res = await t.send('POST', '/v1/learners', { body });
      if (res.status === 201) {
        const id = String((res.json as { id?: unknown }).id);
        t.onCleanup(() => t.send('DELETE', `/v1/learners/${id}`, { headers: { 'if-match': '*' } }));
      }
      t.status(res, 422, 'POST /v1/learners with a date of birth that does not exist');
      const problem = expectProblem(t, res, 'validation');
      const errors = problem.errors as { pointer?: unknown; rule?: unknown; message?: unknown }[] | undefined;
      t.check(Array.isArray(errors) && errors.length > 0, 'errors is missing or empty.');
      const issue = errors.find((e) => e.pointer === '/dateOfBirth');
      t.check(issue, `No error points at /dateOfBirth: ${JSON.stringify(errors).slice(0, 300)}`);
      t.check(
        typeof issue.rule === 'string' && typeof issue.message === 'string',
        'The error has no rule or message.',
      );
      return `422, /dateOfBirth ${String(issue.rule)}`;
    },
  },
];
