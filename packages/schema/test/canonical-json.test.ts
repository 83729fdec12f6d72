/**
 * Bundle digests and signatures are over RFC 8785 (JCS) canonical JSON. A sender and a recipient
 * running different versions of CELR, or of the canonicalisation library, must get the same bytes, or
 * every transfer between them fails its digest. These are the RFC's own examples (sections 3.2.2 and
 * 3.2.3), with the SHA-256 digests they had under canonicalize 5.1.0, the version CELR used before
 * 4.0.0 (whose engines allow Node.js 20): pinned here, so any library change that alters a byte fails.
 */
import { describe, expect, it } from 'vitest';
import { bundleDigest, bundleSigningInput, exampleBundle, verifyBundleDigest } from '../src/index.js';

// Parsed from the RFC's JSON text, so the numbers go through the same parser a received bundle does.
const numbersAndStrings = JSON.parse(
  '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], ' +
    '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
);
const propertyOrder = JSON.parse(
  '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", ' +
    '"1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", ' +
    '"\\u00f6": "Latin Small Letter O With Diaeresis"}',
);

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('RFC 8785 canonical JSON', () => {
  it('serialises numbers, strings and literals as the RFC does (3.2.2)', async () => {
    expect(text(bundleSigningInput(numbersAndStrings))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
    expect(await bundleDigest(numbersAndStrings)).toBe(
      'sha-256:2d5e01a318d0f0879ab568c4be289c8b1f64ef8921a53c6277d5e069978baacb',
    );
  });

  it('orders properties by UTF-16 code units (3.2.3)', async () => {
    expect(text(bundleSigningInput(propertyOrder))).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(await bundleDigest(propertyOrder)).toBe(
      'sha-256:5e321556d22018a9656991a9e94f77ec175fa193e52a2429d312f8419ec8b08c',
    );
  });

  it('gives the example bundle the digest written into it', async () => {
    expect(exampleBundle.manifest.contentDigest).toBe(
      'sha-256:6a01980c9fd05785599c7822b344cd3452f04fbb794355420b907c8b37b25024',
    );
    expect(await verifyBundleDigest(exampleBundle)).toBeUndefined();
  });

  it('refuses what has no canonical form rather than digesting something else', async () => {
    await expect(bundleDigest({ a: Number.NaN })).rejects.toThrow('NaN is not allowed');
    await expect(bundleDigest({ a: '\ud800' })).rejects.toThrow('Lone surrogate is not allowed');
    expect(() => bundleSigningInput(undefined)).toThrow('The bundle manifest is not JSON.');
  });
});
