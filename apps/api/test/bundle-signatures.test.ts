import {
  bundleDigest,
  englandLearner,
  englandPlan,
  signBundle,
  type TransferBundle,
  upnCheckLetter,
  verifyBundle,
} from '@celr/schema';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * Signed bundles (issue 14): every bundle the API sends is signed with the sending organisation's key,
 * and `POST /v1/bundles/import` takes a bundle only when a key this deployment trusts for the sender
 * named in its manifest signed it, or when the operator allows unsigned bundles from that sender.
 * Runs on PGlite, and on PostgreSQL with TEST_DATABASE_URL.
 */
let api: TestApi;
// Westholm (la-code:993) runs its own deployment and does not sign yet: the operator lets its
// unsigned bundles in. Ashby (la-code:994) runs its own deployment and signs.
const WESTHOLM = { scheme: 'la-code', code: '993', name: 'Westholm Council' } as const;
const ASHBY = { scheme: 'la-code', code: '994', name: 'Ashby Council' } as const;
beforeAll(async () => {
  api = await startTestApi({ allowUnsignedBundlesFrom: ['la-code:993'] });
});
afterAll(async () => api?.close());

let serial = 0;
const upn = () => {
  const rest = `9908888${String(++serial).padStart(5, '0')}`;
  return `${upnCheckLetter(`?${rest}`)}${rest}`;
};
const EASTMERE = { scheme: 'la-code', code: '991' };
type Bundle = TransferBundle & { signature?: string };

const importAs = (org: 'eastmere' | 'northbridge', bundle: object) =>
  api.as(org, { method: 'POST', url: '/v1/bundles/import', payload: bundle });

/** A Northbridge learner with a plan, sent to Eastmere: the transfer and the bundle it carries. */
async function sent() {
  const learner = await api.as('northbridge', {
    method: 'POST',
    url: '/v1/learners',
    payload: { ...englandLearner, identifiers: [{ system: 'upn', value: upn() }] },
  });
  expect(learner.statusCode, learner.body).toBe(201);
  const learnerId = learner.json().id as string;
  await api.as('northbridge', { method: 'POST', url: '/v1/plans', payload: { ...englandPlan, learnerId } });
  const transfer = await api.as('northbridge', {
    method: 'POST',
    url: '/v1/transfers',
    payload: { learnerId, recipient: EASTMERE, reason: 'responsibility-moves' },
  });
  expect(transfer.statusCode, transfer.body).toBe(201);
  const bundle = await api.as('eastmere', {
    method: 'GET',
    url: `/v1/transfers/${transfer.json().id}/bundle`,
  });
  expect(bundle.statusCode).toBe(200);
  return { transfer: transfer.json(), bundle: bundle.json() as Bundle };
}

/**
 * The bundle as another copy (a new bundleId, so the recipient has not seen it), the manifest changed
 * as asked and the digest recomputed; unsigned. The transfer Eastmere already holds has the same id.
 */
async function copyOf(bundle: Bundle, manifest: Partial<Bundle['manifest']> = {}): Promise<Bundle> {
  const { signature: _signature, ...rest } = structuredClone(bundle);
  return {
    ...rest,
    manifest: {
      ...rest.manifest,
      bundleId: crypto.randomUUID(),
      ...manifest,
      contentDigest: await bundleDigest(rest.content),
    },
  };
}

const northbridgeSigner = () => api.app.signingKeys.signer('bundle', api.orgs.northbridge.id);

/** A key pair of another deployment, with its public JWK as that deployment's JWKS would publish it. */
async function peerKey(sender: { scheme: string; code: string }) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    kid,
    privateKey: privateKey as CryptoKey,
    jwk: {
      ...jwk,
      kid,
      alg: 'ES256',
      use: 'sig',
      'x-celr-use': 'bundle',
      'x-celr-sender': `${sender.scheme}:${sender.code}`,
    } as JWK,
  };
}

const register = (sender: { scheme: string; code: string }, keys: JWK[]) =>
  api.as('operator', {
    method: 'POST',
    url: '/v1/admin/bundle-senders',
    payload: { sender: { scheme: sender.scheme, code: sender.code }, jwks: { keys } },
  });

/** Refused with 422, naming the rule, and nothing imported. */
async function expectRefused(res: Awaited<ReturnType<typeof importAs>>, bundle: Bundle, rule: string) {
  expect(res.statusCode, res.body).toBe(422);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json().errors.map((e: { rule: string }) => e.rule)).toEqual([rule]);
  expect(
    await api.db.prisma.transfer.count({ where: { bundleId: bundle.manifest.bundleId } }),
    'nothing imported',
  ).toBe(0);
}

describe('bundles this deployment sends', () => {
  it("are signed with the sending organisation's key, which the JWKS publishes, and verify offline", async () => {
    const { transfer, bundle } = await sent();
    expect(transfer.signature).toEqual({ state: 'signed', kid: expect.any(String) });
    expect(bundle.signature).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);
    const jwks = (await api.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const key = jwks.keys.find((k: { kid: string }) => k.kid === transfer.signature.kid);
    expect(key).toMatchObject({ 'x-celr-use': 'bundle', 'x-celr-sender': 'la-code:990' });
    // What `celr validate --jwks` does: the signature and the digest, against the published keys only.
    expect(await verifyBundle(bundle, jwks)).toMatchObject({ valid: true, kid: transfer.signature.kid });
    const row = await api.db.prisma.transfer.findUniqueOrThrow({ where: { id: transfer.id } });
    expect(row).toMatchObject({ signature: bundle.signature, signatureKid: transfer.signature.kid });
    // Accepting the signed transfer works as before.
    const accepted = await api.as('eastmere', { method: 'POST', url: `/v1/transfers/${transfer.id}/accept` });
    expect(accepted.statusCode, accepted.body).toBe(200);
  });
});

describe('importing a bundle', () => {
  it("accepts one signed by the named sender: with this deployment's own key, or one registered for a peer", async () => {
    const { bundle } = await sent();
    const northbridge = await northbridgeSigner();
    const own = await signBundle(await copyOf(bundle), northbridge.key, northbridge.kid);
    const imported = await importAs('eastmere', own);
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json().signature).toEqual({ state: 'verified', kid: northbridge.kid });

    // A peer's bundle verifies once its key is registered for it, and not before.
    const ashby = await peerKey(ASHBY);
    const fromPeer = await signBundle(await copyOf(bundle, { sender: ASHBY }), ashby.privateKey, ashby.kid);
    await expectRefused(await importAs('eastmere', fromPeer), fromPeer, 'bundle-key-unknown');
    expect((await register(ASHBY, [ashby.jwk])).statusCode).toBe(201);
    const after = await importAs('eastmere', fromPeer);
    expect(after.statusCode, after.body).toBe(201);
    expect(after.json()).toMatchObject({
      status: 'imported',
      signature: { state: 'verified', kid: ashby.kid },
      sender: { reference: { scheme: 'la-code', code: '994' } },
    });
    const history = await api.as('eastmere', {
      method: 'GET',
      url: `/v1/transfers/${after.json().id}/history`,
    });
    expect(history.json().items[0].note).toContain(ashby.kid);
  });

  it('refuses a bundle signed by the wrong key', async () => {
    const { bundle } = await sent();
    const northbridge = await northbridgeSigner();
    const stranger = (await generateKeyPair('ES256')).privateKey as CryptoKey;
    // A stranger's key under Northbridge's kid: the signature does not verify with Northbridge's key.
    const forged = await signBundle(await copyOf(bundle), stranger, northbridge.kid);
    await expectRefused(await importAs('eastmere', forged), forged, 'bundle-signature-invalid');
    // Under a kid of its own: a key nobody registered.
    const unknown = await signBundle(await copyOf(bundle), stranger, 'a-key-nobody-registered');
    await expectRefused(await importAs('eastmere', unknown), unknown, 'bundle-key-unknown');
    // Northbridge's token key is not a bundle key, though this deployment publishes it.
    const token = await api.app.signingKeys.signer('token');
    const withTokenKey = await signBundle(await copyOf(bundle), token.key, token.kid);
    await expectRefused(await importAs('eastmere', withTokenKey), withTokenKey, 'bundle-key-unknown');
    // The control: the same copy signed with the right key goes in.
    const good = await signBundle(await copyOf(bundle), northbridge.key, northbridge.kid);
    expect((await importAs('eastmere', good)).statusCode).toBe(201);
  });

  it('refuses an unsigned bundle, and one whose signature is not a JWS', async () => {
    const { bundle } = await sent();
    const unsigned = await copyOf(bundle);
    const res = await importAs('eastmere', unsigned);
    await expectRefused(res, unsigned, 'bundle-unsigned');
    expect(res.json().type).toBe('urn:celr:problem:validation');
    expect(res.json().errors[0].pointer).toBe('/signature');
    const northbridge = await northbridgeSigner();
    const signed = await signBundle(await copyOf(bundle), northbridge.key, northbridge.kid);
    // The header decoded is not a JWS header: same form, no key named.
    const garbled = { ...signed, signature: `${Buffer.from('{}').toString('base64url')}..AAAA` };
    await expectRefused(await importAs('eastmere', garbled), garbled, 'bundle-signature-invalid');
  });

  it('refuses a bundle changed after it was signed', async () => {
    const { bundle } = await sent();
    const northbridge = await northbridgeSigner();
    const signed = await signBundle(await copyOf(bundle), northbridge.key, northbridge.kid);
    // The manifest changed: a note added.
    const noted = { ...signed, manifest: { ...signed.manifest, note: 'Added on the way.' } };
    await expectRefused(await importAs('eastmere', noted), noted, 'bundle-signature-invalid');
    // The content changed and its digest recomputed, so the manifest changed with it.
    const content = structuredClone(signed.content);
    content.learner.name = { given: 'Someone', family: 'Else' };
    const rewritten = {
      ...signed,
      content,
      manifest: { ...signed.manifest, contentDigest: await bundleDigest(content) },
    };
    await expectRefused(await importAs('eastmere', rewritten), rewritten, 'bundle-signature-invalid');
    // The content changed, the digest left: the digest gives it away first.
    const swapped = { ...signed, content };
    await expectRefused(await importAs('eastmere', swapped), swapped, 'digest-mismatch');
    // The control: untouched, it goes in.
    expect((await importAs('eastmere', signed)).statusCode).toBe(201);
  });

  it('refuses a bundle signed by an organisation other than the sender it names', async () => {
    const { bundle } = await sent();
    // Eastmere's own key (this deployment's) on a bundle that names Northbridge as sender.
    const eastmere = await api.app.signingKeys.signer('bundle', api.orgs.eastmere.id);
    const asNorthbridge = await signBundle(await copyOf(bundle), eastmere.key, eastmere.kid);
    await expectRefused(await importAs('eastmere', asNorthbridge), asNorthbridge, 'bundle-signer-mismatch');
    // A peer's key, registered for that peer, on a bundle naming another sender.
    const ashby = await peerKey({ scheme: 'la-code', code: '995' });
    expect((await register({ scheme: 'la-code', code: '995' }, [ashby.jwk])).statusCode).toBe(201);
    const claimed = await signBundle(await copyOf(bundle, { sender: ASHBY }), ashby.privateKey, ashby.kid);
    await expectRefused(await importAs('eastmere', claimed), claimed, 'bundle-signer-mismatch');
    // Even for a sender allowed to send unsigned bundles: a signature there is checked.
    const asWestholm = await signBundle(
      await copyOf(bundle, { sender: WESTHOLM }),
      eastmere.key,
      eastmere.kid,
    );
    await expectRefused(await importAs('eastmere', asWestholm), asWestholm, 'bundle-signer-mismatch');
  });

  it('accepts a bundle signed before a key rotation during the overlap, and not after it', async () => {
    const { transfer, bundle } = await sent();
    const before = await northbridgeSigner();
    expect(transfer.signature.kid).toBe(before.kid);
    // Made before the rotation (as a bundle is, when it leaves on a USB stick or by email) ...
    const early = await signBundle(await copyOf(bundle), before.key, before.kid);
    const late = await signBundle(await copyOf(bundle), before.key, before.kid);
    const rotated = await api.as('operator', {
      method: 'POST',
      url: '/v1/admin/keys/rotate',
      payload: { use: 'bundle', organisationId: api.orgs.northbridge.id },
    });
    expect(rotated.statusCode, rotated.body).toBe(201);
    expect(rotated.json().kid).not.toBe(before.kid);
    // ... and imported after it: the retired key is still published, so the bundle verifies.
    const imported = await importAs('eastmere', early);
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json().signature).toEqual({ state: 'verified', kid: before.kid });
    // New transfers are signed with the new key.
    expect((await sent()).transfer.signature.kid).toBe(rotated.json().kid);
    // Once the overlap is over the retired key is withdrawn, and what it signed is refused.
    await api.db.prisma.keyPair.update({
      where: { kid: before.kid },
      data: { publishUntil: new Date(Date.now() - 1000) },
    });
    api.app.signingKeys.invalidate();
    await expectRefused(await importAs('eastmere', late), late, 'bundle-key-unknown');
  });
});

describe('CELR_ALLOW_UNSIGNED_BUNDLES_FROM', () => {
  it('lets unsigned bundles from the named senders in, marked unsigned, and no others', async () => {
    const { bundle } = await sent();
    const unsigned = await copyOf(bundle, { sender: WESTHOLM });
    const res = await importAs('eastmere', unsigned);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'imported', signature: { state: 'unsigned' } });
    expect(res.json().signature).not.toHaveProperty('kid');
    const read = await api.as('eastmere', { method: 'GET', url: `/v1/transfers/${res.json().id}` });
    expect(read.json().signature).toEqual({ state: 'unsigned' });
    const history = await api.as('eastmere', {
      method: 'GET',
      url: `/v1/transfers/${res.json().id}/history`,
    });
    expect(history.json().items[0].note).toMatch(/unsigned.*la-code:993/);
    const row = await api.db.prisma.transfer.findUniqueOrThrow({ where: { id: res.json().id } });
    expect(row).toMatchObject({ signature: null, signatureKid: null });
    // Another sender is not named in the setting: refused.
    const fromAshby = await copyOf(bundle, { sender: ASHBY });
    await expectRefused(await importAs('eastmere', fromAshby), fromAshby, 'bundle-unsigned');
  });
});
