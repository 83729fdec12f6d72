import {
  englandMeeting,
  englandTransition,
  type RecordKind,
  scotlandMeeting,
  scotlandTransition,
} from '@celr/schema';
import { collectionOf, type TestContext } from '../context.js';
import { CELR, type ConformanceTest, WRITERS } from '../define.js';
import { expectRecord, planBody } from './records.js';

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
];
