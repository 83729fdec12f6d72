import { englandLearner, englandMeeting, englandPlan, upnCheckLetter } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
const upn = (serial: number) => {
  const rest = `9907777${String(serial).padStart(5, '0')}`;
  return `${upnCheckLetter(`?${rest}`)}${rest}`;
};
const learner = (i: number, extra: object = {}) => ({
  ...englandLearner,
  name: { given: `Pupil${i}`, family: 'Lister' },
  identifiers: [
    { system: 'upn', value: upn(i) },
    { system: 'mis:lists-test', value: `L-${i}` },
  ],
  ...extra,
});
const ids: string[] = [];

beforeAll(async () => {
  api = await startTestApi();
  for (let i = 0; i < 7; i++) {
    const res = await api.as('northbridge', { method: 'POST', url: '/v1/learners', payload: learner(i) });
    expect(res.statusCode, res.body).toBe(201);
    ids.push(res.json().id);
  }
});
afterAll(async () => api?.close());

const get = (url: string) => api.as('northbridge', { method: 'GET', url });

describe('lists', () => {
  it('pages to the end with opaque cursors and next links, each record once', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/v1/learners?limit=3';
    let pages = 0;
    while (url) {
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      seen.push(...body.items.map((l: { id: string }) => l.id));
      if (body.next) expect(res.headers.link).toBe(`<${body.next}>; rel="next"`);
      url = body.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('does not skip a record changed while paging: it comes again at the end', async () => {
    const first = (await get('/v1/learners?limit=2')).json();
    const changed = ids[0]!;
    const put = await api.as('northbridge', {
      method: 'PUT',
      url: `/v1/learners/${changed}`,
      payload: learner(0, { dateOfBirth: '2013-05-16' }),
      headers: { 'if-match': '"v1"' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const rest: string[] = [];
    let url: string | undefined = first.next;
    while (url) {
      const page: { items: { id: string }[]; next?: string } = (await get(url)).json();
      rest.push(...page.items.map((l: { id: string }) => l.id));
      url = page.next;
    }
    expect(rest.at(-1)).toBe(changed);
  });

  it('finds a learner by identifier (system|value)', async () => {
    const res = await get(`/v1/learners?identifier=${encodeURIComponent(`upn|${upn(3)}`)}`);
    expect(res.json().items.map((l: { id: string }) => l.id)).toEqual([ids[3]]);
    const byMis = await get(`/v1/learners?identifier=${encodeURIComponent('mis:lists-test|L-4')}`);
    expect(byMis.json().items.map((l: { id: string }) => l.id)).toEqual([ids[4]]);
  });

  it('filters by updatedSince, status, type and learner', async () => {
    const later = new Date().toISOString();
    await api.as('northbridge', {
      method: 'PUT',
      url: `/v1/learners/${ids[5]}`,
      payload: learner(5, { careStatus: { ...englandLearner.careStatus, status: 'care-leaver' } }),
      headers: { 'if-match': '"v1"' },
    });
    const since = (await get(`/v1/learners?updatedSince=${encodeURIComponent(later)}`))
      .json()
      .items.map((l: { id: string }) => l.id);
    expect(since).toEqual([ids[5]]);
    const leavers = (await get('/v1/learners?status=care-leaver'))
      .json()
      .items.map((l: { id: string }) => l.id);
    expect(leavers).toEqual([ids[5]]);

    await api.as('northbridge', {
      method: 'POST',
      url: '/v1/plans',
      payload: { ...englandPlan, learnerId: ids[1] },
    });
    await api.as('northbridge', {
      method: 'POST',
      url: '/v1/plans',
      payload: { ...englandPlan, learnerId: ids[2], type: 'pathway-plan', status: 'draft' },
    });
    await api.as('northbridge', {
      method: 'POST',
      url: '/v1/meetings',
      payload: { ...englandMeeting, learnerId: ids[1] },
    });
    const peps = (await get('/v1/plans?type=pep')).json().items;
    expect(peps.map((p: { learnerId: string }) => p.learnerId)).toEqual([ids[1]]);
    const drafts = (await get('/v1/plans?status=draft')).json().items;
    expect(drafts.map((p: { learnerId: string }) => p.learnerId)).toEqual([ids[2]]);
    const forLearner = (await get(`/v1/plans?learner=${ids[2]}`)).json().items;
    expect(forLearner).toHaveLength(1);
    const own = await get(`/v1/learners/${ids[1]}/plans`);
    expect(own.json().items.map((p: { type: string }) => p.type)).toEqual(['pep']);
    const meetings = await get(`/v1/learners/${ids[1]}/meetings`);
    expect(meetings.json().items).toHaveLength(1);
  });

  it('rejects unknown and malformed query parameters with problems that name them', async () => {
    const unknown = await get('/v1/learners?updatedsince=2025-01-01');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0]).toMatchObject({
      pointer: '/updatedsince',
      rule: 'unknown-property',
      in: 'query',
    });
    const limit = await get('/v1/learners?limit=1000');
    expect(limit.statusCode).toBe(400);
    expect(limit.json().errors[0]).toMatchObject({ pointer: '/limit', rule: 'maximum', in: 'query' });
    const cursor = await get('/v1/learners?cursor=forged');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().errors[0]).toMatchObject({ pointer: '/cursor', in: 'query' });
    const type = await get('/v1/plans?type=not-a-plan');
    expect(type.statusCode).toBe(400);
  });

  it('returns each record as a read of it does: the same fields, in the same order, whatever their text', async () => {
    // Lists and the export write each record's text from its stored text (presentedSql in the
    // database, presentedText in the process), not from an object: the same text byte for byte.
    const given = 'Zoë "Zed" \\ O\'Brien \u2028 \u{1F600} {[,:]}';
    const created = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: learner(90, { name: { given, family: 'Lister' } }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const read = (await get(`/v1/learners/${created.json().id}`)).json();
    const listed = (await get('/v1/learners?identifier=mis:lists-test|L-90')).json().items;
    expect(listed).toEqual([read]);
    expect(Object.keys(listed[0])).toEqual(Object.keys(read));
    expect(Object.keys(read).slice(0, 3)).toEqual(['id', 'meta', 'jurisdiction']);
    expect(listed[0].name.given).toBe(given);
    const listText = (await get('/v1/learners?identifier=mis:lists-test|L-90')).body;
    const exported = await get(`/v1/bulk/export?learner=${created.json().id}&kind=learner`);
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.body).toBe(
      `{"kind":"learner","record":${listText.slice('{"items":['.length, -']}'.length)}}\n`,
    );
    const gone = await api.as('northbridge', {
      method: 'DELETE',
      url: `/v1/learners/${created.json().id}`,
      headers: { 'if-match': '"v1"' },
    });
    expect(gone.statusCode, gone.body).toBe(204);
  });

  it('leaves deleted records out of lists', async () => {
    const res = await api.as('northbridge', { method: 'DELETE', url: `/v1/learners/${ids[6]}` });
    expect(res.statusCode).toBe(204);
    const all: string[] = [];
    let url: string | undefined = '/v1/learners?limit=200';
    while (url) {
      const page: { items: { id: string }[]; next?: string } = (await get(url)).json();
      all.push(...page.items.map((l: { id: string }) => l.id));
      url = page.next;
    }
    expect(all).not.toContain(ids[6]);
  });
});

describe('upsert by identifier', () => {
  const url = (value: string) => `/v1/learners-by-identifier/upn/${value}`;

  it('creates (201) when the identifier is new, then replaces (200) without knowing our id', async () => {
    const value = upn(500);
    const body = learner(500);
    const created = await api.as('northbridge', { method: 'PUT', url: url(value), payload: body });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const replaced = await api.as('northbridge', {
      method: 'PUT',
      url: url(value),
      payload: { ...body, dateOfBirth: '2013-06-01' },
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json().id).toBe(id);
    expect(replaced.json().meta.version).toBe(2);
    const stale = await api.as('northbridge', {
      method: 'PUT',
      url: url(value),
      payload: body,
      headers: { 'if-match': '"v1"' },
    });
    expect(stale.statusCode).toBe(412);
    const createOnly = await api.as('northbridge', {
      method: 'PUT',
      url: url(value),
      payload: body,
      headers: { 'if-none-match': '*' },
    });
    expect(createOnly.statusCode).toBe(412);
  });

  it('requires the body to carry the identifier in the path', async () => {
    const res = await api.as('northbridge', { method: 'PUT', url: url(upn(501)), payload: learner(502) });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0]).toMatchObject({ pointer: '/identifiers', rule: 'identifier-in-path' });
  });

  it('refuses a second learner with an identifier the organisation already holds', async () => {
    const res = await api.as('northbridge', { method: 'POST', url: '/v1/learners', payload: learner(3) });
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toBe('urn:celr:problem:identifier-conflict');
    expect(res.json().errors).toContainEqual(
      expect.objectContaining({ pointer: '/identifiers/0/value', rule: 'identifier-unique' }),
    );
  });
});
