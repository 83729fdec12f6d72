/**
 * Type tests, checked by tsc when vitest runs (typecheck mode): every `@ts-expect-error` below must
 * be an error, so a wrong path, parameter or field name that compiled would fail the run.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CelrClient,
  CelrProblemError,
  createCelrClient,
  etagOf,
  type Learner,
  type LearnerInput,
  type Plan,
  type ProblemIssue,
} from '../src/index.js';

declare const celr: CelrClient;
declare const input: LearnerInput;

describe('operations by path', () => {
  it('type the path, its parameters and the response', async () => {
    const learner = await celr.GET('/v1/learners/{id}', { params: { path: { id: 'x' } } });
    // `branded`: deep equality. openapi-fetch maps the response type, which spells the intersection
    // of an organisation reference with its scheme variants differently, but it is the same type.
    expectTypeOf(learner).branded.toEqualTypeOf<Learner>();
    expectTypeOf(learner.meta.version).toBeNumber();
    const page = await celr.GET('/v1/plans', {
      params: { query: { learner: 'x', status: 'active', limit: 10 } },
    });
    expectTypeOf(page.items).branded.toEqualTypeOf<Plan[]>();
    expectTypeOf(page.next).toEqualTypeOf<string | undefined>();
    const deleted = await celr.DELETE('/v1/plans/{id}', { params: { path: { id: 'x' } } });
    expectTypeOf(deleted).toBeUndefined();
  });

  it('refuse a path the API does not have', async () => {
    // @ts-expect-error: no such path
    await celr.GET('/v1/lerners', {});
    // @ts-expect-error: the path exists, but not with this method
    await celr.POST('/v1/learners/{id}', { params: { path: { id: 'x' } }, body: input });
    // @ts-expect-error: a path parameter is required
    await celr.GET('/v1/learners/{id}');
  });

  it('refuse a misspelt parameter or a value outside its enum', async () => {
    // @ts-expect-error: `lmit` is not a parameter
    await celr.GET('/v1/learners', { params: { query: { lmit: 5 } } });
    // @ts-expect-error: `limit` is right, `lmit` still is not
    await celr.GET('/v1/learners', { params: { query: { limit: 5, lmit: 5 } } });
    // @ts-expect-error: not a plan status
    await celr.GET('/v1/plans', { params: { query: { status: 'sleeping' } } });
    // @ts-expect-error: `identifier` filters learners, not plans
    await celr.GET('/v1/plans', { params: { query: { identifier: 'upn|x' } } });
  });

  it('refuse a body with a misspelt or missing field', async () => {
    // @ts-expect-error: `nam` is not a field of a learner
    await celr.POST('/v1/learners', { body: { ...input, nam: 'x' } });
    // @ts-expect-error: a plan needs its learnerId
    await celr.POST('/v1/plans', { body: { jurisdiction: 'england', type: 'pep', status: 'active' } });
    // @ts-expect-error: not a field of the response
    (await celr.GET('/v1/learners/{id}', { params: { path: { id: 'x' } } })).nickname;
  });
});

describe('operations by kind', () => {
  it('type records, inputs, patches and filters by kind', async () => {
    expectTypeOf(await celr.get('plan', 'x')).toEqualTypeOf<Plan>();
    expectTypeOf(celr.create).parameter(0).toEqualTypeOf<'learner' | 'plan' | 'meeting' | 'transition'>();
    for await (const plan of celr.list('plan', { status: 'draft', learner: 'x' }))
      expectTypeOf(plan).toEqualTypeOf<Plan>();
    const updated = await celr.update('learner', 'x', (current) => {
      expectTypeOf(current).toEqualTypeOf<Learner>();
      return { ...current, dateOfBirth: '2013-01-01' };
    });
    expectTypeOf(updated).toEqualTypeOf<Learner>();
    // A record's ETag is a string, so it goes straight into `ifMatch` under `strict`.
    expectTypeOf(etagOf(updated)).toEqualTypeOf<string>();
    await celr.patch('learner', 'x', { dateOfBirth: '2013-01-01' }, { ifMatch: etagOf(updated) });
    const plan = await celr.get('plan', 'x');
    await celr.patch('plan', plan.id, { status: 'active' }, { ifMatch: etagOf(plan) });
    // Something that may not be a record may have no ETag.
    expectTypeOf(etagOf(JSON.parse('{}') as unknown)).toEqualTypeOf<string | undefined>();

    // @ts-expect-error: not a kind of record
    await celr.get('pupil', 'x');
    // @ts-expect-error: a learner input is not a plan input
    await celr.create('plan', input);
    // @ts-expect-error: `nickname` is not in a learner merge patch
    await celr.patch('learner', 'x', { nickname: 'x' }, { ifMatch: '"v1"' });
    // @ts-expect-error: `ifMatch` is required to patch
    await celr.patch('learner', 'x', { dateOfBirth: '2013-01-01' }, {});
    // @ts-expect-error: not a learner filter
    celr.list('learner', { type: 'pep' });
  });

  it('type the items of any list operation', async () => {
    for await (const version of celr.paginate('/v1/learners/{id}/versions', {
      params: { path: { id: 'x' } },
    })) {
      expectTypeOf(version.change).toEqualTypeOf<
        'created' | 'replaced' | 'patched' | 'deleted' | 'imported'
      >();
    }
    // @ts-expect-error: reading one learner is not a list
    celr.paginate('/v1/learners/{id}', { params: { path: { id: 'x' } } });
  });
});

describe('options and errors', () => {
  it('type the client options and the problem', () => {
    createCelrClient({
      baseUrl: 'https://celr.example.org',
      clientId: 'id',
      clientSecret: 's',
      onBehalfOf: 'org',
    });
    // @ts-expect-error: `onBehalf` is not an option
    createCelrClient({ baseUrl: 'https://celr.example.org', accessToken: 't', onBehalf: 'org' });
    const error = new CelrProblemError({ type: 'about:blank', title: 'x', status: 500 });
    expectTypeOf(error.status).toBeNumber();
    expectTypeOf(error.requestId).toEqualTypeOf<string | undefined>();
    expectTypeOf(error.errors).toEqualTypeOf<ProblemIssue[]>();
    expectTypeOf<ProblemIssue>().toHaveProperty('pointer');
  });
});
