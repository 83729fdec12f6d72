import { englandLearner, englandPlan, scotlandLearner, validExamples } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

const clone = <T>(v: T): T => structuredClone(v);

async function createLearner(
  body: object = englandLearner,
  org: 'northbridge' | 'glenmoray' = 'northbridge',
) {
  const res = await api.as(org, { method: 'POST', url: '/v1/learners', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res;
}

describe('learners: create and read', () => {
  it('creates with 201, Location and ETag, and reads it back with the same ETag', async () => {
    const created = await createLearner();
    const body = created.json();
    expect(created.headers.location).toBe(`/v1/learners/${body.id}`);
    expect(created.headers.etag).toBe('"v1"');
    expect(body.meta.version).toBe(1);
    expect(body.meta.recordedBy.organisationId).toBe(api.orgs.northbridge.id);
    expect(body.name).toEqual(englandLearner.name);

    const read = await api.as('northbridge', { method: 'GET', url: created.headers.location as string });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"v1"');
    expect(read.json()).toEqual(body);
  });

  it('answers If-None-Match with 304 while unchanged', async () => {
    const { headers } = await createLearner({ ...englandLearner, identifiers: [] });
    const res = await api.as('northbridge', {
      method: 'GET',
      url: headers.location as string,
      headers: { 'if-none-match': '"v1"' },
    });
    expect(res.statusCode).toBe(304);
    expect(res.body).toBe('');
  });

  it('rejects invalid records with a problem listing each field, pointer and rule', async () => {
    const res = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: {
        ...englandLearner,
        identifiers: [{ system: 'upn', value: 'A990123424001' }],
        dateOfBirth: '2999-01-01',
        nickname: 'x',
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({
      type: 'urn:celr:problem:validation',
      status: 422,
      instance: '/v1/learners',
    });
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/identifiers/0/value', rule: 'upn-check-letter' }),
        expect.objectContaining({ pointer: '/dateOfBirth', rule: 'date-not-in-future' }),
        expect.objectContaining({ pointer: '/nickname', rule: 'unknown-property' }),
      ]),
    );
  });

  it('does not coerce types: a number where a string belongs is an error', async () => {
    const res = await api.as('northbridge', {
      method: 'POST',
      url: '/v1/learners',
      payload: { ...englandLearner, dateOfBirth: 20130514 },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toContainEqual(
      expect.objectContaining({ pointer: '/dateOfBirth', rule: 'type' }),
    );
  });

  it('refuses wrong content types, malformed JSON and oversized bodies with problems', async () => {
    const token = await api.token('northbridge');
    const auth = { authorization: `Bearer ${token}` };
    const xml = await api.app.inject({
      method: 'POST',
      url: '/v1/learners',
      headers: { ...auth, 'content-type': 'application/xml' },
      payload: '<learner/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().type).toBe('urn:celr:problem:unsupported-media-type');
    const broken = await api.app.inject({
      method: 'POST',
      url: '/v1/learners',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().type).toBe('urn:celr:problem:bad-request');
    const huge = await api.app.inject({
      method: 'POST',
      url: '/v1/learners',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({
        ...englandLearner,
        views: [{ recordedOn: '2025-01-01', text: 'x'.repeat(2_000_000) }],
      }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().type).toBe('urn:celr:problem:payload-too-large');
  });

  it('gives 404 for an unknown id and 400 for a malformed one, as problems', async () => {
    const unknown = await api.as('northbridge', {
      method: 'GET',
      url: '/v1/learners/0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b99',
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().type).toBe('urn:celr:problem:not-found');
    const malformed = await api.as('northbridge', { method: 'GET', url: '/v1/learners/not-a-uuid' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors[0]).toMatchObject({ pointer: '/id', in: 'path' });
  });

  it('stores every example record of both jurisdictions', async () => {
    const ids: Record<string, string> = {
      england: (await createLearner({ ...englandLearner, identifiers: [] })).json().id,
      scotland: (await createLearner(scotlandLearner, 'glenmoray')).json().id,
    };
    for (const example of validExamples.filter((e) => e.kind !== 'learner')) {
      const value = clone(example.value) as { learnerId: string; jurisdiction: string };
      value.learnerId = ids[value.jurisdiction]!;
      const org = value.jurisdiction === 'england' ? 'northbridge' : 'glenmoray';
      const res = await api.as(org, { method: 'POST', url: `/v1/${example.kind}s`, payload: value });
      expect(res.statusCode, `${example.kind}/${example.name}: ${res.body}`).toBe(201);
    }
  });
});

describe('updates: replace, merge patch and preconditions', () => {
  it('requires If-Match (428), refuses a stale one (412) and accepts the current one', async () => {
    const { headers } = await createLearner({ ...englandLearner, identifiers: [] });
    const url = headers.location as string;
    const changed = {
      ...englandLearner,
      identifiers: [],
      name: { ...englandLearner.name, preferred: 'Amy' },
    };
    const missing = await api.as('northbridge', { method: 'PUT', url, payload: changed });
    expect(missing.statusCode).toBe(428);
    const ok = await api.as('northbridge', {
      method: 'PUT',
      url,
      payload: changed,
      headers: { 'if-match': '"v1"' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers.etag).toBe('"v2"');
    expect(ok.json().name.preferred).toBe('Amy');
    const stale = await api.as('northbridge', {
      method: 'PUT',
      url,
      payload: changed,
      headers: { 'if-match': '"v1"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().type).toBe('urn:celr:problem:precondition-failed');
  });

  it('applies an RFC 7396 merge patch and validates the result', async () => {
    const { headers } = await createLearner({ ...englandLearner, identifiers: [] });
    const url = headers.location as string;
    const patch = (payload: object, etag: string) =>
      api.as('northbridge', {
        method: 'PATCH',
        url,
        payload: JSON.stringify(payload),
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': etag },
      });
    const res = await patch({ hostAuthority: null, enrolment: { yearGroup: '9' } }, '"v1"');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.hostAuthority).toBeUndefined();
    expect(body.enrolment.yearGroup).toBe('9');
    expect(body.enrolment.school).toEqual(englandLearner.enrolment.school);
    const invalid = await patch({ careStatus: { legalStatus: 'permanence-order' } }, '"v2"');
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().errors).toContainEqual(
      expect.objectContaining({ pointer: '/careStatus/legalStatus', rule: 'code-list' }),
    );
    const plainJson = await api.as('northbridge', {
      method: 'PATCH',
      url,
      payload: { name: null },
      headers: { 'if-match': '"v2"' },
    });
    expect(plainJson.statusCode).toBe(415);
  });

  it('keeps who owns the record out of ordinary writes', async () => {
    const { headers } = await createLearner({ ...englandLearner, identifiers: [] });
    const res = await api.as('northbridge', {
      method: 'PUT',
      url: headers.location as string,
      payload: {
        ...englandLearner,
        identifiers: [],
        responsibleAuthority: { scheme: 'la-code', code: '991' },
      },
      headers: { 'if-match': '"v1"' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toContainEqual(
      expect.objectContaining({ pointer: '/responsibleAuthority', rule: 'immutable' }),
    );
  });

  it('never loses an update between two writers with the same If-Match, even on two processes', async () => {
    const { headers } = await createLearner({ ...englandLearner, identifiers: [] });
    const url = headers.location as string;
    const other = await api.secondProcess();
    try {
      const write = (given: string, target = api.app) =>
        api.as(
          'northbridge',
          {
            method: 'PUT',
            url,
            payload: { ...englandLearner, identifiers: [], name: { given, family: 'X' } },
            headers: { 'if-match': '"v1"' },
          },
          target,
        );
      const results = await Promise.all([write('First'), write('Second', other)]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 412]);
      const winner = results.find((r) => r.statusCode === 200)!.json().name.given;
      const now = await api.as('northbridge', { method: 'GET', url });
      expect(now.json().name.given).toBe(winner);
      expect(now.json().meta.version).toBe(2);
    } finally {
      await other.close();
    }
  });
});

describe('delete, tombstones and history', () => {
  it('keeps a version for every change and a tombstone after delete', async () => {
    const { headers } = await createLearner({ ...englandLearner, identifiers: [] });
    const url = headers.location as string;
    await api.as('northbridge', {
      method: 'PUT',
      url,
      payload: { ...englandLearner, identifiers: [], dateOfBirth: '2013-05-15' },
      headers: { 'if-match': '"v1"' },
    });
    const del = await api.as('northbridge', { method: 'DELETE', url, headers: { 'if-match': '"v2"' } });
    expect(del.statusCode).toBe(204);
    const gone = await api.as('northbridge', { method: 'GET', url });
    expect(gone.statusCode).toBe(410);
    expect(gone.json().type).toBe('urn:celr:problem:gone');
    const versions = await api.as('northbridge', { method: 'GET', url: `${url}/versions` });
    expect(versions.json().items.map((v: { change: string }) => v.change)).toEqual([
      'created',
      'replaced',
      'deleted',
    ]);
    const first = await api.as('northbridge', { method: 'GET', url: `${url}/versions/1` });
    expect(first.statusCode).toBe(200);
    expect(first.json().dateOfBirth).toBe('2013-05-14');
    expect(first.headers.etag).toBe('"v1"');
    const deletion = await api.as('northbridge', { method: 'GET', url: `${url}/versions/3` });
    expect(deletion.statusCode).toBe(410);
  });

  it('will not delete a learner who still has plans', async () => {
    const learner = (await createLearner({ ...englandLearner, identifiers: [] })).json();
    await api.as('northbridge', {
      method: 'POST',
      url: '/v1/plans',
      payload: { ...englandPlan, learnerId: learner.id },
    });
    const res = await api.as('northbridge', { method: 'DELETE', url: `/v1/learners/${learner.id}` });
    expect(res.statusCode).toBe(409);
  });
});

describe('idempotency', () => {
  it('replays the first response for a retried POST and refuses the key for another body', async () => {
    const key = `key-${Date.now()}`;
    const post = (payload: object) =>
      api.as('northbridge', {
        method: 'POST',
        url: '/v1/learners',
        payload,
        headers: { 'idempotency-key': key },
      });
    const body = { ...englandLearner, identifiers: [], name: { given: 'Idem', family: 'Potent' } };
    const first = await post(body);
    const retry = await post(body);
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    expect(retry.headers.location).toBe(first.headers.location);
    const other = await post({ ...body, name: { given: 'Other', family: 'Body' } });
    expect(other.statusCode).toBe(422);
    expect(other.json().type).toBe('urn:celr:problem:idempotency-key-reuse');
    const list = await api.as('northbridge', { method: 'GET', url: '/v1/learners?limit=200' });
    expect(
      list.json().items.filter((l: { name: { given: string } }) => l.name.given === 'Idem'),
    ).toHaveLength(1);
  });

  it('creates once when the same key arrives twice at once on two processes', async () => {
    const other = await api.secondProcess();
    try {
      const key = `race-${Date.now()}`;
      const body = { ...englandLearner, identifiers: [], name: { given: 'Race', family: 'Twice' } };
      const send = (target = api.app) =>
        api.as(
          'northbridge',
          { method: 'POST', url: '/v1/learners', payload: body, headers: { 'idempotency-key': key } },
          target,
        );
      const [a, b] = await Promise.all([send(), send(other)]);
      expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
      expect(a.json().id).toBe(b.json().id);
    } finally {
      await other.close();
    }
  });
});
