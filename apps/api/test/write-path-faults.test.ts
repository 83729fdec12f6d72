import {
  bundleDigest,
  englandLearner,
  englandMeeting,
  englandPlan,
  signBundle,
  type TransferBundle,
  upnCheckLetter,
} from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * The faults of issue 13 that the three copies of the write path let through, each reproduced as
 * it was reported; every write now goes through the record store (src/records/store/).
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

let serial = 0;
const upn = () => {
  const rest = `9907777${String(++serial).padStart(5, '0')}`;
  return `${upnCheckLetter(`?${rest}`)}${rest}`;
};

type Org = 'northbridge' | 'eastmere' | 'school' | 'otherSchool';
const request = (org: Org, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) =>
  api.as(org, {
    method,
    url,
    payload,
    headers: method === 'PATCH' ? { 'content-type': 'application/merge-patch+json', 'if-match': '*' } : {},
  });
const EASTMERE = { scheme: 'la-code', code: '991' };
const NORTHBRIDGE_PRIMARY = { scheme: 'urn', code: '990002', name: 'Northbridge Primary' };

async function northbridgeLearner(extra: object = {}) {
  const res = await request('northbridge', 'POST', '/v1/learners', {
    ...englandLearner,
    identifiers: [{ system: 'upn', value: upn() }],
    ...extra,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; identifiers: { system: string; value: string }[] };
}

/**
 * A bundle as the sender's own software could make one: changed by hand, its digest recomputed, and
 * signed with the sender's bundle key, so the signature passes and what is tested is the importer.
 */
// biome-ignore lint/suspicious/noExplicitAny: a forger edits any member of the bundle's content, typed or not.
type Forged = Record<string, any>;
async function handMade(bundle: Forged, change: (content: Forged) => void) {
  const content = structuredClone(bundle.content);
  change(content);
  const learnerId = content.learner.id;
  for (const key of ['plans', 'meetings', 'transitions'])
    for (const r of content[key]) r.learnerId = learnerId;
  const signer = await api.app.signingKeys.signer('bundle', api.orgs.northbridge.id);
  return signBundle(
    {
      manifest: {
        ...bundle.manifest,
        bundleId: crypto.randomUUID(),
        learnerId,
        contentDigest: await bundleDigest(content),
      },
      content,
    } as TransferBundle,
    signer.key,
    signer.kid,
  );
}

const changesOf = (recordId: string) => api.db.prisma.change.count({ where: { recordId } });
const versionsOf = (recordId: string) => api.db.prisma.recordVersion.count({ where: { recordId } });

describe('a. an earlier import is matched on sender, kind and learner, never on the source id alone', () => {
  it("a bundle for a new learner that reuses another child's plan and meeting ids creates new records", async () => {
    const learner = await northbridgeLearner();
    const plan = (
      await request('northbridge', 'POST', '/v1/plans', { ...englandPlan, learnerId: learner.id })
    ).json();
    const meeting = (
      await request('northbridge', 'POST', '/v1/meetings', {
        ...englandMeeting,
        learnerId: learner.id,
        planId: plan.id,
      })
    ).json();
    const sent = await request('northbridge', 'POST', '/v1/transfers', {
      learnerId: learner.id,
      recipient: EASTMERE,
      reason: 'responsibility-moves',
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const accepted = await request('eastmere', 'POST', `/v1/transfers/${sent.json().id}/accept`);
    expect(accepted.statusCode, accepted.body).toBe(200);
    const held = accepted.json().result;
    const [heldPlan] = held.plans.created;
    const [heldMeeting] = held.meetings.created;
    const bundle = (await request('eastmere', 'GET', `/v1/transfers/${sent.json().id}/bundle`)).json();

    // A new child (new id, new UPN) whose plan carries the id of the other child's meeting and whose
    // meeting carries the id of the other child's plan.
    const forged = await handMade(bundle, (content) => {
      content.learner.id = crypto.randomUUID();
      content.learner.identifiers = [{ system: 'upn', value: upn() }];
      content.plans = [{ ...content.plans[0], id: meeting.id }];
      content.meetings = [{ ...content.meetings[0], id: plan.id, planId: meeting.id }];
      content.transitions = [];
    });
    const imported = await request('eastmere', 'POST', '/v1/bundles/import', forged);
    expect(imported.statusCode, imported.body).toBe(201);
    const { result } = imported.json();
    expect(result.learner.outcome).toBe('created');
    expect(result.plans).toMatchObject({ updated: [], unchanged: [] });
    expect(result.plans.created).toHaveLength(1);
    expect(result.meetings.created).toHaveLength(1);
    expect(result.plans.created[0]).not.toBe(heldMeeting);
    expect(result.meetings.created[0]).not.toBe(heldPlan);

    // The other child's records are as they were: their learner, their kind.
    const otherPlan = await request('eastmere', 'GET', `/v1/plans/${heldPlan}`);
    expect(otherPlan.statusCode).toBe(200);
    expect(otherPlan.json()).toMatchObject({
      learnerId: held.learner.id,
      type: englandPlan.type,
      meta: { version: 1 },
    });
    const otherMeeting = await request('eastmere', 'GET', `/v1/meetings/${heldMeeting}`);
    expect(otherMeeting.statusCode).toBe(200);
    expect(otherMeeting.json()).toMatchObject({
      learnerId: held.learner.id,
      type: englandMeeting.type,
      status: englandMeeting.status,
      meta: { version: 1 },
    });
  });
});

describe('b. a match never rewrites who the child is', () => {
  it('keeps the held name and date of birth, and the incoming ones for review until the authority resolves them', async () => {
    const learner = await northbridgeLearner({
      name: { given: 'Amara', family: 'Okafor' },
      dateOfBirth: '2012-03-04',
    });
    const identifier = learner.identifiers[0]!.value;
    const own = await request('eastmere', 'POST', '/v1/learners', {
      ...englandLearner,
      name: { given: 'Amarah', family: 'Okafor-Bell' },
      dateOfBirth: '2012-04-03',
      responsibleAuthority: EASTMERE,
      identifiers: [{ system: 'upn', value: identifier }],
    });
    expect(own.statusCode, own.body).toBe(201);
    const sent = await request('northbridge', 'POST', '/v1/transfers', {
      learnerId: learner.id,
      recipient: EASTMERE,
      reason: 'responsibility-moves',
    });
    const bundle = (await request('eastmere', 'GET', `/v1/transfers/${sent.json().id}/bundle`)).json();
    const forged = await handMade(bundle, (content) => {
      content.learner.id = crypto.randomUUID();
    });
    const imported = await request('eastmere', 'POST', '/v1/bundles/import', forged);
    expect(imported.statusCode, imported.body).toBe(201);
    const { result } = imported.json();
    expect(result.learner).toMatchObject({ id: own.json().id, outcome: 'matched' });
    expect(result.learner.identityConflicts.map((c: { pointer: string }) => c.pointer).sort()).toEqual([
      '/dateOfBirth',
      '/name',
    ]);
    expect(result.learner.conflicts).not.toContain('/name');

    const heldNow = (await request('eastmere', 'GET', `/v1/learners/${own.json().id}`)).json();
    expect(heldNow.name).toEqual({ given: 'Amarah', family: 'Okafor-Bell' });
    expect(heldNow.dateOfBirth).toBe('2012-04-03');
    expect(heldNow.identityConflicts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/name', incoming: { given: 'Amara', family: 'Okafor' } }),
        expect.objectContaining({ pointer: '/dateOfBirth', incoming: '2012-03-04' }),
      ]),
    );

    // The responsible authority resolves them: it takes the date of birth sent, keeps its name.
    const resolved = await request('eastmere', 'PATCH', `/v1/learners/${own.json().id}`, {
      dateOfBirth: '2012-03-04',
      identityConflicts: null,
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json().identityConflicts).toBeUndefined();
    expect(resolved.json().dateOfBirth).toBe('2012-03-04');
  });

  it('keeps the identifier held where the incoming one of the same system differs', async () => {
    const learner = await northbridgeLearner();
    const identifier = learner.identifiers[0]!.value;
    const own = await request('eastmere', 'POST', '/v1/learners', {
      ...englandLearner,
      responsibleAuthority: EASTMERE,
      identifiers: [
        { system: 'upn', value: identifier },
        { system: 'la-child-id:991', value: 'EM-1' },
      ],
    });
    expect(own.statusCode, own.body).toBe(201);
    const sent = await request('northbridge', 'POST', '/v1/transfers', {
      learnerId: learner.id,
      recipient: EASTMERE,
      reason: 'responsibility-moves',
    });
    const bundle = (await request('eastmere', 'GET', `/v1/transfers/${sent.json().id}/bundle`)).json();
    const forged = await handMade(bundle, (content) => {
      content.learner.identifiers = [
        { system: 'upn', value: identifier },
        { system: 'la-child-id:991', value: 'EM-2' },
      ];
    });
    const imported = await request('eastmere', 'POST', '/v1/bundles/import', forged);
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json().result.learner.identityConflicts).toEqual([
      expect.objectContaining({
        pointer: '/identifiers/1',
        incoming: { system: 'la-child-id:991', value: 'EM-2' },
      }),
    ]);
    const heldNow = (await request('eastmere', 'GET', `/v1/learners/${own.json().id}`)).json();
    expect(heldNow.identifiers).toEqual(
      expect.arrayContaining([
        { system: 'upn', value: identifier },
        { system: 'la-child-id:991', value: 'EM-1' },
      ]),
    );
    expect(heldNow.identifiers).toHaveLength(2);
  });
});

describe('c. a school move is the responsible authority’s, and moves the enrolment with the access', () => {
  it('refuses a school move sent by a school', async () => {
    const learner = await northbridgeLearner({
      enrolment: { ...englandLearner.enrolment, school: NORTHBRIDGE_PRIMARY },
    });
    // The school's client holds the scope: the rule, not the token, refuses it.
    const sent = await api.as('otherSchool', {
      method: 'POST',
      url: '/v1/transfers',
      scopes: ['transfers:send', 'learners:read'],
      payload: { learnerId: learner.id, recipient: { scheme: 'urn', code: '990001' }, reason: 'school-move' },
    });
    expect(sent.statusCode, sent.body).toBe(403);
    expect(sent.json().detail).toMatch(/responsible authority/);
    expect(await api.db.prisma.transfer.count({ where: { learnerId: learner.id } })).toBe(0);
  });

  it('changes the enrolment when the new school accepts, so a later write keeps the new school', async () => {
    const learner = await northbridgeLearner({
      enrolment: { ...englandLearner.enrolment, school: NORTHBRIDGE_PRIMARY },
    });
    expect((await request('otherSchool', 'GET', `/v1/learners/${learner.id}`)).statusCode).toBe(200);
    const sent = await request('northbridge', 'POST', '/v1/transfers', {
      learnerId: learner.id,
      recipient: { scheme: 'urn', code: '990001' },
      reason: 'school-move',
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const accepted = await api.as('school', {
      method: 'POST',
      url: `/v1/transfers/${sent.json().id}/accept`,
      scopes: ['transfers:receive'],
    });
    expect(accepted.statusCode, accepted.body).toBe(200);

    const moved = (await request('northbridge', 'GET', `/v1/learners/${learner.id}`)).json();
    expect(moved.enrolment.school).toEqual({ scheme: 'urn', code: '990001', name: 'Eastmere Park Academy' });
    expect((await request('school', 'GET', `/v1/learners/${learner.id}`)).statusCode).toBe(200);
    expect((await request('otherSchool', 'GET', `/v1/learners/${learner.id}`)).statusCode).toBe(404);

    // The next, unrelated write by the authority leaves the access as the move made it.
    const later = await request('northbridge', 'PATCH', `/v1/learners/${learner.id}`, {
      views: [{ recordedOn: '2026-01-10', text: 'I like my new school.' }],
    });
    expect(later.statusCode, later.body).toBe(200);
    expect((await request('school', 'GET', `/v1/learners/${learner.id}`)).statusCode).toBe(200);
    expect((await request('otherSchool', 'GET', `/v1/learners/${learner.id}`)).statusCode).toBe(404);
  });
});

describe('d. the name of an organisation comes from its code, never from the writer', () => {
  it('keeps the registered name when a PATCH names another organisation', async () => {
    const learner = await northbridgeLearner();
    const patched = await request('northbridge', 'PATCH', `/v1/learners/${learner.id}`, {
      responsibleAuthority: { name: 'Eastmere County Council' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().responsibleAuthority).toEqual({
      scheme: 'la-code',
      code: '990',
      name: 'Northbridge Borough Council',
    });
    const read = (await request('northbridge', 'GET', `/v1/learners/${learner.id}`)).json();
    expect(read.responsibleAuthority.name).toBe('Northbridge Borough Council');
  });

  it('writes the registered names of every organisation a new record names', async () => {
    const learner = await northbridgeLearner({
      responsibleAuthority: { scheme: 'la-code', code: '990', name: 'Somebody Else' },
      enrolment: { ...englandLearner.enrolment, school: { ...NORTHBRIDGE_PRIMARY, name: 'Wrong Academy' } },
    });
    const read = (await request('northbridge', 'GET', `/v1/learners/${learner.id}`)).json();
    expect(read.responsibleAuthority.name).toBe('Northbridge Borough Council');
    expect(read.enrolment.school.name).toBe('Northbridge Primary');
  });
});

describe('e. a write that changes nothing writes nothing, and says so', () => {
  it('PUT by identifier of the same learner again: no version, no change-feed entry', async () => {
    const identifier = upn();
    const body = { ...englandLearner, identifiers: [{ system: 'upn', value: identifier }] };
    const url = `/v1/learners-by-identifier/upn/${identifier}`;
    const first = await request('northbridge', 'PUT', url, body);
    expect(first.statusCode, first.body).toBe(201);
    const { id } = first.json();
    const [versions, changes] = [await versionsOf(id), await changesOf(id)];
    for (let i = 0; i < 2; i++) {
      const again = await request('northbridge', 'PUT', url, body);
      expect(again.statusCode, again.body).toBe(200);
      expect(again.headers['celr-write-outcome']).toBe('unchanged');
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.json().meta.version).toBe(1);
    }
    expect(await versionsOf(id)).toBe(versions);
    expect(await changesOf(id)).toBe(changes);

    const changed = await request('northbridge', 'PUT', url, { ...body, dateOfBirth: '2011-01-02' });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers['celr-write-outcome']).toBe('updated');
    expect(changed.json().meta.version).toBe(2);
    expect(await versionsOf(id)).toBe(versions + 1);
  });

  it('PATCH that changes nothing, and a plan sent back as it is', async () => {
    const learner = await northbridgeLearner();
    const patch = await request('northbridge', 'PATCH', `/v1/learners/${learner.id}`, {
      name: englandLearner.name,
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.headers['celr-write-outcome']).toBe('unchanged');
    expect(await versionsOf(learner.id)).toBe(1);
    const plan = (
      await request('northbridge', 'POST', '/v1/plans', { ...englandPlan, learnerId: learner.id })
    ).json();
    const { id, meta: _meta, ...fields } = plan;
    const put = await api.as('northbridge', {
      method: 'PUT',
      url: `/v1/plans/${id}`,
      payload: fields,
      headers: { 'if-match': '"v1"' },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.headers['celr-write-outcome']).toBe('unchanged');
    expect(await versionsOf(id)).toBe(1);
    expect(await changesOf(id)).toBe(1);
  });
});
