import type { TestContext } from '../context.js';
import { CELR, type ConformanceTest, WRITERS } from '../define.js';
import { expectProblem } from './problems.js';

interface FeedEntry {
  change: string;
  recordKind: string;
  recordId: string;
  learnerId: string;
  version?: number;
}

/** The feed's cursor at its end now: changes after it are the ones this test makes. */
export async function feedEnd(
  t: TestContext,
  as: 'primary' | 'other' = 'primary',
): Promise<string | undefined> {
  let after: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await t.send(
      'GET',
      `/v1/changes?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      { as },
    );
    t.status(res, 200, 'GET /v1/changes');
    const body = res.json as { items: FeedEntry[]; cursor?: string };
    if (body.cursor) after = body.cursor;
    if (body.items.length < 1000) return after;
  }
  return after;
}

/** The feed's entries after a cursor (every page). */
export async function feedAfter(
  t: TestContext,
  after: string | undefined,
  as: 'primary' | 'other' = 'primary',
): Promise<FeedEntry[]> {
  const entries: FeedEntry[] = [];
  let cursor = after;
  for (let page = 0; page < 100; page++) {
    const res = await t.send(
      'GET',
      `/v1/changes?limit=1000${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`,
      {
        as,
      },
    );
    t.status(res, 200, 'GET /v1/changes');
    const body = res.json as { items: FeedEntry[]; cursor?: string };
    entries.push(...body.items);
    if (body.cursor) cursor = body.cursor;
    if (body.items.length < 1000) break;
  }
  return entries;
}

export const accessTests: ConformanceTest[] = [
  {
    id: 'access-read-foreign',
    group: 'access',
    title: 'Another organisation cannot read a learner it has no access to: 404, as if it did not exist',
    clause: CELR('concepts/access', 'not-found'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      t.session.credentials('other');
      const made = await t.learner();
      const res = await t.send('GET', `/v1/learners/${made.id}`, { as: 'other' });
      t.status(res, 404, "GET of the learner with the other organisation's token");
      expectProblem(t, res, 'not-found');
      return '404 not-found';
    },
  },
  {
    id: 'access-write-foreign',
    group: 'access',
    title: 'Another organisation cannot change or delete the learner',
    clause: CELR('concepts/access', 'not-found'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      t.session.credentials('other');
      const made = await t.learner();
      const { id: _id, meta: _meta, ...input } = made.body;
      const put = await t.send('PUT', `/v1/learners/${made.id}`, {
        as: 'other',
        body: { ...input, name: { given: 'Taken', family: 'Over' } },
        headers: { 'if-match': '*' },
      });
      t.status(put, [403, 404], "PUT with the other organisation's token");
      const del = await t.send('DELETE', `/v1/learners/${made.id}`, {
        as: 'other',
        headers: { 'if-match': '*' },
      });
      t.status(del, [403, 404], "DELETE with the other organisation's token");
      const read = await t.send('GET', `/v1/learners/${made.id}`);
      t.status(read, 200, 'GET by the owner afterwards');
      t.check(
        (read.json as { name?: { family?: unknown } }).name?.family === 'Fictional',
        "The other organisation's change was applied.",
      );
      return `PUT ${put.status}, DELETE ${del.status}, the learner unchanged`;
    },
  },
  {
    id: 'access-list-foreign',
    group: 'access',
    title: "Another organisation's lists and identifier search do not show the learner",
    clause: CELR('concepts/access', 'grants'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      t.session.credentials('other');
      const made = await t.learner();
      const upn = (made.body.identifiers as { system: string; value: string }[] | undefined)?.find(
        (i) => i.system === 'upn',
      );
      if (upn) {
        const res = await t.send('GET', `/v1/learners?identifier=${encodeURIComponent(`upn|${upn.value}`)}`, {
          as: 'other',
        });
        t.status(res, 200, 'GET /v1/learners?identifier=upn|... as the other organisation');
        const items = (res.json as { items?: { id?: unknown }[] }).items ?? [];
        t.check(!items.some((l) => l.id === made.id), "The learner is in the other organisation's search.");
      }
      const plans = await t.send('GET', `/v1/learners/${made.id}/plans`, { as: 'other' });
      t.status(plans, 404, "GET of the learner's plans as the other organisation");
      return upn ? 'not found by UPN, 404 for its plans' : '404 for its plans';
    },
  },
  {
    id: 'access-feed-foreign',
    group: 'access',
    title: "Another organisation's change feed does not show the learner's changes",
    clause: CELR('guides/integrate-mis', 'changes'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      t.session.credentials('other');
      const [mine, theirs] = [await feedEnd(t), await feedEnd(t, 'other')];
      const made = await t.learner();
      // The owner's feed shows the change first, so the other's has had time to.
      await t.eventually('The learner in the owner’s feed', async () =>
        (await feedAfter(t, mine)).find((e) => e.recordId === made.id),
      );
      const seen = (await feedAfter(t, theirs, 'other')).filter((e) => e.learnerId === made.id);
      t.check(!seen.length, `The other organisation's feed has ${seen.length} entries about the learner.`);
      return "in the owner's feed, not in the other's";
    },
  },
];
