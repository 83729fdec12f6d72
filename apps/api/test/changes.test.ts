import { englandLearner, englandPlan } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeFeed } from '../src/changes/feed.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

type Entry = { change: string; recordKind: string; recordId: string; learnerId: string; version?: number };
type Org = 'northbridge' | 'eastmere' | 'school' | 'otherSchool';

async function feedOf(
  org: Org,
  after?: string,
  limit = 1000,
): Promise<{ items: Entry[]; cursor: string; next?: string }> {
  const res = await api.as(org, {
    method: 'GET',
    url: `/v1/changes?limit=${limit}${after ? `&after=${after}` : ''}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
const about = (items: Entry[], learnerId: string) =>
  items
    .filter((e) => e.learnerId === learnerId)
    .map((e) => `${e.change} ${e.recordKind}${e.version ? ` v${e.version}` : ''}`);

describe('the change feed', () => {
  it('lists every create, update and delete in order, with tombstones', async () => {
    const start = (await feedOf('northbridge')).cursor;
    const learner = (
      await api.as('northbridge', {
        method: 'POST',
        url: '/v1/learners',
        payload: { ...englandLearner, identifiers: [] },
      })
    ).json();
    const plan = (
      await api.as('northbridge', {
        method: 'POST',
        url: '/v1/plans',
        payload: { ...englandPlan, learnerId: learner.id },
      })
    ).json();
    await api.as('northbridge', {
      method: 'PUT',
      url: `/v1/learners/${learner.id}`,
      payload: { ...englandLearner, identifiers: [], dateOfBirth: '2013-05-15' },
      headers: { 'if-match': '"v1"' },
    });
    await api.as('northbridge', { method: 'DELETE', url: `/v1/plans/${plan.id}` });
    const { items } = await feedOf('northbridge', start);
    expect(about(items, learner.id)).toEqual([
      'visible learner',
      'created learner v1',
      'created plan v1',
      'updated learner v2',
      'deleted plan v2',
    ]);
    // Nothing about Northbridge's learner reaches another authority.
    expect(about((await feedOf('eastmere')).items, learner.id)).toEqual([]);
  });

  it('resumes from any cursor it handed out, without repeats or gaps', async () => {
    const start = (await feedOf('northbridge')).cursor;
    for (let i = 0; i < 5; i++)
      await api.as('northbridge', {
        method: 'POST',
        url: '/v1/learners',
        payload: { ...englandLearner, identifiers: [], name: { given: `Feed${i}`, family: 'Page' } },
      });
    const all = (await feedOf('northbridge', start)).items;
    const paged: Entry[] = [];
    let cursor = start;
    for (let page = 0; page < 20; page++) {
      const res = await feedOf('northbridge', cursor, 3);
      paged.push(...res.items);
      cursor = res.cursor;
      if (!res.next) break;
    }
    expect(paged).toEqual(all);
    expect(all).toHaveLength(10);
    // A page with more to come says where the rest is in a Link header too (RFC 8288), as the document declares.
    const first = await api.as('northbridge', { method: 'GET', url: `/v1/changes?limit=3&after=${start}` });
    expect(first.json().next).toBeDefined();
    expect(first.headers.link).toBe(`<${first.json().next}>; rel="next"`);
    // An empty page keeps the cursor, so a client can poll from it.
    const idle = await feedOf('northbridge', cursor);
    expect([idle.items, idle.cursor]).toEqual([[], cursor]);
  });

  it('says when a learner becomes visible and when it stops being visible, without the record', async () => {
    const start = (await feedOf('school')).cursor;
    const learner = (
      await api.as('northbridge', {
        method: 'POST',
        url: '/v1/learners',
        payload: { ...englandLearner, identifiers: [] },
      })
    ).json();
    await api.as('northbridge', {
      method: 'PATCH',
      url: `/v1/learners/${learner.id}`,
      payload: JSON.stringify({ views: [] }),
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"v1"' },
    });
    const moved = {
      ...englandLearner,
      identifiers: [],
      enrolment: { ...englandLearner.enrolment, school: { scheme: 'urn', code: '990002' } },
    };
    await api.as('northbridge', {
      method: 'PUT',
      url: `/v1/learners/${learner.id}`,
      payload: moved,
      headers: { 'if-match': '"v2"' },
    });
    await api.as('northbridge', {
      method: 'PATCH',
      url: `/v1/learners/${learner.id}`,
      payload: JSON.stringify({ views: null }),
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"v3"' },
    });
    // Eastmere Park saw the learner arrive (school on roll), one change, then the learner leave, and nothing after.
    expect(about((await feedOf('school', start)).items, learner.id)).toEqual([
      'visible learner',
      'updated learner v2',
      'updated learner v3',
      'hidden learner',
    ]);
    const hidden = (await feedOf('school', start)).items.at(-1)!;
    expect(Object.keys(hidden).sort()).toEqual(['at', 'change', 'learnerId', 'recordId', 'recordKind']);
    expect(about((await feedOf('otherSchool')).items, learner.id)).toEqual([
      'visible learner',
      'updated learner v4',
    ]);
  });

  it('asks a client that fell behind the retention window to resync', async () => {
    const old = (await feedOf('northbridge')).cursor;
    await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, identifiers: [] },
    });
    await new ChangeFeed(api.db).purge(new Date(Date.now() + 60_000));
    const res = await api.as('northbridge', { method: 'GET', url: `/v1/changes?after=${old}` });
    expect(res.statusCode).toBe(410);
    expect(res.json()).toMatchObject({ type: 'urn:celr:problem:gone', resync: true });
    // Purging keeps who can see what: a fresh start still shows Northbridge its new changes only.
    const fresh = await feedOf('northbridge');
    const learner = (
      await api.as('northbridge', {
        method: 'POST',
        url: '/v1/learners',
        payload: { ...englandLearner, identifiers: [] },
      })
    ).json();
    expect(about((await feedOf('northbridge', fresh.cursor)).items, learner.id)).toEqual([
      'visible learner',
      'created learner v1',
    ]);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('the change feed under concurrent writers (PostgreSQL)', () => {
  it('never skips a transaction that commits after a later one', async () => {
    const learner = (
      await api.as('northbridge', {
        method: 'POST',
        url: '/v1/learners',
        payload: { ...englandLearner, identifiers: [] },
      })
    ).json();
    const before = (await feedOf('northbridge')).cursor;
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let written!: () => void;
    const wrote = new Promise<void>((r) => {
      written = r;
    });
    // Transaction A writes first and commits last.
    const slow = api.db.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(
          "INSERT INTO change (change, record_kind, record_id, learner_id, version) VALUES ('updated', 'learner', $1::uuid, $1::uuid, 98)",
          learner.id,
        );
        written();
        await held;
      },
      { timeout: 20_000 },
    );
    await wrote;
    // Transaction B writes later and commits first.
    await api.db.prisma.$executeRawUnsafe(
      "INSERT INTO change (change, record_kind, record_id, learner_id, version) VALUES ('updated', 'learner', $1::uuid, $1::uuid, 99)",
      learner.id,
    );
    const during = await feedOf('northbridge', before);
    expect(about(during.items, learner.id)).toEqual([]);
    release();
    await slow;
    const after = await feedOf('northbridge', during.cursor);
    expect(about(after.items, learner.id)).toEqual(['updated learner v98', 'updated learner v99']);
  });
});
