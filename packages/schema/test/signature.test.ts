import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { bundleDigest, exampleBundle, signBundle, validateBundle, verifyBundle } from '../src/index.js';

async function keyFor(sender?: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const published: JWK = {
    ...jwk,
    kid,
    alg: 'ES256',
    use: 'sig',
    'x-celr-use': 'bundle',
    ...(sender ? { 'x-celr-sender': sender } : {}),
  } as JWK;
  return { privateKey, kid, jwks: { keys: [published] } };
}

const bundle = async () => {
  const b = structuredClone(exampleBundle) as typeof exampleBundle;
  b.manifest.contentDigest = await bundleDigest(b.content);
  return b;
};
const sender = `${exampleBundle.manifest.sender.scheme}:${exampleBundle.manifest.sender.code}`;

describe('signed bundles', () => {
  it('verify offline with the sender key set, and stay valid bundles', async () => {
    const key = await keyFor(sender);
    const signed = await signBundle(await bundle(), key.privateKey, key.kid);
    expect(signed.signature).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);
    expect(validateBundle(signed)).toEqual([]);
    expect(await verifyBundle(signed, key.jwks)).toMatchObject({ valid: true, kid: key.kid, issues: [] });
  });

  it('refuse unsigned, tampered, wrongly signed and misattributed bundles, naming the rule', async () => {
    const key = await keyFor(sender);
    const other = await keyFor(sender);
    const signed = await signBundle(await bundle(), key.privateKey, key.kid);
    const rule = async (b: unknown, jwks = key.jwks) => (await verifyBundle(b, jwks)).issues[0]?.rule;

    expect(await rule(await bundle())).toBe('bundle-unsigned');
    // The content changed after signing: the signature still covers the manifest, the digest does not match.
    const content = structuredClone(signed);
    content.content.learner.name.family = 'Tampered';
    expect(await rule(content)).toBe('digest-mismatch');
    // The manifest changed after signing.
    const manifest = structuredClone(signed);
    manifest.manifest.note = 'changed';
    expect(await rule(manifest)).toBe('bundle-signature-invalid');
    // Signed by another key under this key's kid, and by a key the set does not hold.
    const forged = await signBundle(await bundle(), other.privateKey, key.kid);
    expect(await rule(forged)).toBe('bundle-signature-invalid');
    const stranger = await signBundle(await bundle(), other.privateKey, other.kid);
    expect(await rule(stranger)).toBe('bundle-key-unknown');
    // A key that signs for another organisation.
    const elsewhere = await keyFor('la-code:999');
    const misattributed = await signBundle(await bundle(), elsewhere.privateKey, elsewhere.kid);
    expect(await rule(misattributed, elsewhere.jwks)).toBe('bundle-signer-mismatch');
    expect(await rule({ ...signed, signature: 'not-a-jws' })).toBe('bundle-signature-invalid');
  });
});
