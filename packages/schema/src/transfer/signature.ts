import canonicalize from 'canonicalize';
import {
  base64url,
  CompactSign,
  type CryptoKey,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type KeyObject,
} from 'jose';
import type { ValidationIssue } from '../validation/issue.js';
import type { TransferBundle } from './bundle.js';
import { verifyBundleDigest } from './validate-bundle.js';

/** The one algorithm bundles are signed with: ECDSA P-256 with SHA-256. */
export const BUNDLE_SIGNATURE_ALG = 'ES256';
/** The `typ` header of a bundle signature, so it cannot be taken for another kind of JWS. */
export const BUNDLE_SIGNATURE_TYP = 'celr-bundle+jws';
/**
 * JWK members CELR adds to the keys it publishes: what a key signs (`token` or `bundle`) and, for a
 * bundle key, the organisation it signs for (`<scheme>:<code>`, e.g. `la-code:990`).
 */
export const JWK_USE_MEMBER = 'x-celr-use';
export const JWK_SENDER_MEMBER = 'x-celr-sender';

export type BundleSignatureRule =
  | 'bundle-unsigned'
  | 'bundle-signature-invalid'
  | 'bundle-key-unknown'
  | 'bundle-signer-mismatch';

/** `<scheme>:<code>` of an organisation reference, as in `x-celr-sender` and operator settings. */
export const senderKey = (ref: { scheme?: unknown; code?: unknown }) => `${ref.scheme}:${ref.code}`;

/** The bytes a bundle signature covers: the manifest (which holds the content's digest) in RFC 8785 JSON. */
export function bundleSigningInput(manifest: unknown): Uint8Array {
  const canonical = canonicalize(manifest);
  if (canonical === undefined) throw new TypeError('The bundle manifest is not JSON.');
  return new TextEncoder().encode(canonical);
}

/**
 * Sign a bundle: returns it with `signature`, a detached compact JWS (RFC 7515 appendix F) over the
 * canonical manifest, ES256, naming the key by `kid`. Any signature it had is replaced.
 */
export async function signBundle<T extends Pick<TransferBundle, 'manifest' | 'content'>>(
  bundle: T,
  privateKey: CryptoKey | KeyObject | JWK,
  kid: string,
): Promise<T & { signature: string }> {
  const key =
    'kty' in (privateKey as object)
      ? await importJWK(privateKey as JWK, BUNDLE_SIGNATURE_ALG)
      : (privateKey as CryptoKey | KeyObject);
  const jws = await new CompactSign(bundleSigningInput(bundle.manifest))
    .setProtectedHeader({ alg: BUNDLE_SIGNATURE_ALG, kid, typ: BUNDLE_SIGNATURE_TYP })
    .sign(key);
  const [header, , signature] = jws.split('.');
  const { signature: _old, ...rest } = bundle as T & { signature?: string };
  return { ...(rest as T), signature: `${header}..${signature}` };
}

/** The protected header of a bundle's signature, or undefined when it has none that can be read. */
export function bundleSignatureHeader(
  bundle: unknown,
): { alg?: string; kid?: string; typ?: string } | undefined {
  const signature = (bundle as { signature?: unknown } | null)?.signature;
  if (typeof signature !== 'string') return undefined;
  try {
    return decodeProtectedHeader(signature) as { alg?: string; kid?: string; typ?: string };
  } catch {
    return undefined;
  }
}

export interface BundleVerification {
  /** True when the signature is good, the signer is the sender, and (unless skipped) the digest matches. */
  valid: boolean;
  /** The key that signed, when the header names one. */
  kid?: string;
  /** The JWK that verified the signature. */
  key?: JWK;
  issues: ValidationIssue[];
}

const issue = (rule: BundleSignatureRule | 'required', message: string, pointer = '/signature') => ({
  pointer,
  rule,
  message,
});

/**
 * Verify a bundle offline against the sender's JWKS (`GET /.well-known/jwks.json` of the sending
 * deployment): the signature over the canonical manifest, that the key signs bundles for the
 * organisation the manifest names as sender (when the key says whom it signs for), and the content
 * digest. Issues use the rules `bundle-unsigned`, `bundle-signature-invalid`, `bundle-key-unknown`,
 * `bundle-signer-mismatch` and `digest-mismatch`.
 */
export async function verifyBundle(
  bundle: unknown,
  jwks: JSONWebKeySet,
  options: { checkDigest?: boolean } = {},
): Promise<BundleVerification> {
  const b = bundle as Partial<TransferBundle> | null;
  if (typeof b !== 'object' || b === null || typeof b.manifest !== 'object' || b.manifest === null)
    return { valid: false, issues: [issue('required', 'A bundle has a manifest.', '/manifest')] };
  if (b.signature === undefined)
    return { valid: false, issues: [issue('bundle-unsigned', 'The bundle is not signed.')] };
  const header = bundleSignatureHeader(b);
  if (!header || typeof b.signature !== 'string' || !/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/.test(b.signature))
    return {
      valid: false,
      issues: [issue('bundle-signature-invalid', 'The signature is not a detached compact JWS.')],
    };
  const { kid } = header;
  if (header.alg !== BUNDLE_SIGNATURE_ALG || header.typ !== BUNDLE_SIGNATURE_TYP || typeof kid !== 'string')
    return {
      valid: false,
      ...(kid !== undefined ? { kid } : {}),
      issues: [
        issue(
          'bundle-signature-invalid',
          `A bundle signature has alg ${BUNDLE_SIGNATURE_ALG}, typ ${BUNDLE_SIGNATURE_TYP} and a kid.`,
        ),
      ],
    };
  const jwk = (jwks.keys ?? []).find((k) => k.kid === kid);
  if (!jwk)
    return {
      valid: false,
      kid,
      issues: [
        issue(
          'bundle-key-unknown',
          `The bundle was signed with key ${kid}, which the key set does not hold.`,
        ),
      ],
    };
  const use = (jwk as Record<string, unknown>)[JWK_USE_MEMBER];
  if (use !== undefined && use !== 'bundle')
    return {
      valid: false,
      kid,
      issues: [
        issue('bundle-signer-mismatch', `Key ${kid} does not sign bundles (it signs ${String(use)}).`),
      ],
    };
  const [protectedHeader, , signature] = b.signature.split('.');
  try {
    await compactVerify(
      `${protectedHeader}.${base64url.encode(bundleSigningInput(b.manifest))}.${signature}`,
      createLocalJWKSet({ keys: [jwk] }),
      { algorithms: [BUNDLE_SIGNATURE_ALG] },
    );
  } catch {
    return {
      valid: false,
      kid,
      issues: [
        issue(
          'bundle-signature-invalid',
          `The signature does not verify with key ${kid}: the manifest was changed after signing, or another key signed it.`,
        ),
      ],
    };
  }
  const signer = (jwk as Record<string, unknown>)[JWK_SENDER_MEMBER];
  const sender = senderKey(b.manifest.sender ?? {});
  if (signer !== undefined && signer !== sender)
    return {
      valid: false,
      kid,
      key: jwk,
      issues: [
        issue(
          'bundle-signer-mismatch',
          `Key ${kid} signs for ${String(signer)}, but the bundle names ${sender} as its sender.`,
        ),
      ],
    };
  if (options.checkDigest !== false) {
    const digest = await verifyBundleDigest(b as TransferBundle);
    if (digest) return { valid: false, kid, key: jwk, issues: [digest] };
  }
  return { valid: true, kid, key: jwk, issues: [] };
}
