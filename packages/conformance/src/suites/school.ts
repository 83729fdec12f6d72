import { englandLearner } from '@celr/schema';
import type { TestContext } from '../context.js';
import { freshUpn } from '../context.js';
import { CELR, type ConformanceTest } from '../define.js';
import { expectProblem } from './problems.js';

export const schoolTests: ConformanceTest[] = [
  {
    id: 'school-cannot-create-learner',
    group: 'school',
    title: 'A school cannot create a learner: the responsible authority does',
    clause: CELR('concepts/access', 'grants'),
    level: 'mandatory',
    roles: ['school'],
    async run(t: TestContext) {
      const { enrolment: _e, hostAuthority: _h, ...base } = englandLearner as Record<string, unknown>;
      const body = { ...base, identifiers: [{ system: 'upn', value: freshUpn('990') }] };
      const res = await t.send('POST', '/v1/learners', { body });
      if (res.status === 201) {
        const id = String((res.json as { id?: unknown }).id);
        t.onCleanup(() => t.send('DELETE', `/v1/learners/${id}`, { headers: { 'if-match': '*' } }));
      }
      t.status(res, 403, 'POST /v1/learners as a school');
      expectProblem(t, res, 'forbidden');
      return '403 forbidden';
    },
  },
  {
    id: 'school-lists-own-pupils-only',
    group: 'school',
    title: "A school's list of learners is a list it may read every item of",
    clause: CELR('concepts/access', 'grants'),
    level: 'mandatory',
    roles: ['school'],
    async run(t: TestContext) {
      const res = await t.send('GET', '/v1/learners?limit=20');
      t.status(res, 200, 'GET /v1/learners as a school');
      const items = (res.json as { items?: { id: string }[] }).items ?? [];
      for (const item of items.slice(0, 5)) {
        const read = await t.send('GET', `/v1/learners/${item.id}`);
        t.status(read, 200, `GET /v1/learners/${item.id}, listed to the school`);
      }
      return `${items.length} listed, each readable`;
    },
  },
];
