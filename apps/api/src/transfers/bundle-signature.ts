import {
  type BundleSignatureState,
  bundleSignatureHeader,
  JWK_SENDER_MEMBER,
  JWK_USE_MEMBER,
  senderKey,
  signBundle,
  type TransferBundle,
  type ValidationIssue,
  verifyBundle,
} from '@celr/schema';
import type { JWK } from 'jose';
import { jwksEntry, type KeyStore } from '../auth/keys.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import { refOf } from './organisation-ref.js';

type Tx = Prisma.TransactionClient;

export interface BundleSignatureSettings {
  /** Senders (`<scheme>:<code>`, e.g. `la-code:990`) whose unsigned bundles are imported, marked unsigned. */
  allowUnsignedFrom: string[];
}

/** What an imported bundle's signature came to: stored on the transfer, shown in its representation. */
export interface SignatureCheck {
  state: Extract<BundleSignatureState, 'verified' | 'unsigned'>;
  /** The detached JWS, as the bundle carried it; null for an unsigned bundle. */
  signature: string | null;
  kid: string | null;
}

/**
 * Who stands behind a bundle. Every bundle this deployment sends is signed with the sending
 * organisation's bundle key (a detached JWS over the manifest, which holds the content's digest); a
 * bundle imported from elsewhere must carry a signature that verifies with a key of the organisation
 * its manifest names as sender: a key registered for that sender (`POST /v1/admin/bundle-senders`), or
 * one of this deployment's own when sender and recipient share it. The operator may allow unsigned
 * bundles from named senders (CELR_ALLOW_UNSIGNED_BUNDLES_FROM), for peers that do not sign yet.
 */
export class BundleSignatures {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly keys: KeyStore,
    private readonly settings: BundleSignatureSettings,
  ) {}

  /**
   * Signs a bundle the organisation sends, with its current bundle key. An organisation that has none
   * yet gets one here, in the sending transaction: every organisation that sends must sign, and making
   * the operator create a key for each organisation first would turn every send after an upgrade into
   * an error. The new key is in the JWKS as soon as the transaction commits, for peers to register; an
   * operator who wants peers to hold the key before the first send creates it ahead with
   * `POST /v1/admin/keys/rotate`.
   */
  async sign<T extends TransferBundle>(tx: Tx, bundle: T, organisationId: string) {
    const signer = await this.keys.signerIn(tx, 'bundle', organisationId);
    return { bundle: await signBundle(bundle, signer.key, signer.kid), kid: signer.kid };
  }

  /**
   * Checks an imported bundle's signature (its digest is checked before): refuses, with a problem naming
   * the rule, a bundle that is unsigned (unless its sender is allowed to be), signed by a key this
   * deployment does not know, signed by a key of another organisation, or changed since it was signed.
   * A signature is checked whenever there is one, also from a sender allowed to send unsigned bundles:
   * one that does not verify means the bundle was changed, which is worse than no signature.
   */
  async verify(bundle: TransferBundle): Promise<SignatureCheck> {
    const sender = senderKey(bundle.manifest.sender);
    if (bundle.signature === undefined && this.settings.allowUnsignedFrom.includes(sender))
      return { state: 'unsigned', signature: null, kid: null };
    // An unsigned bundle gets the schema's own `bundle-unsigned` issue from verifyBundle.
    const kid = bundleSignatureHeader(bundle)?.kid;
    // A kid comes from the sender's own base64url header, past the body's character checks: only one
    // shaped like a key id (an RFC 7638 thumbprint is base64url) is looked up; any other is unknown.
    const keys = typeof kid === 'string' && KID.test(kid) ? await this.candidates(kid, sender) : [];
    const result = await verifyBundle(bundle, { keys }, { checkDigest: false });
    if (!result.valid || !result.kid || bundle.signature === undefined) {
      const rule = result.issues[0]?.rule;
      throw refused(
        result.issues,
        rule === 'bundle-unsigned'
          ? `The bundle is not signed, and this deployment does not accept unsigned bundles from ${sender}: ask the sender for a signed one.`
          : rule === 'bundle-key-unknown'
            ? `The bundle is signed with a key this deployment does not trust for ${sender}. If ${sender} publishes it in its JWKS, the operator registers it (registerBundleSender).`
            : 'The bundle signature was not accepted.',
      );
    }
    return { state: 'verified', signature: bundle.signature, kid: result.kid };
  }

  /**
   * Every key this deployment knows by `kid` that signs bundles, each marked with the organisation it
   * signs for, the named sender's first: so `verifyBundle` tells an unknown key from another
   * organisation's key (signer mismatch). This deployment's own keys count while published, so a bundle
   * signed before a rotation still verifies during the overlap (CELR_BUNDLE_KEY_OVERLAP_DAYS).
   */
  private async candidates(kid: string, sender: string): Promise<JWK[]> {
    const found: JWK[] = [];
    const own = await this.keys.bundleKey(kid);
    if (own?.organisationId) {
      const org = await this.prisma.organisation.findUnique({ where: { id: own.organisationId } });
      if (org) found.push(jwksEntry(own, senderKey(refOf(org))));
    }
    const registered = await this.prisma.bundleSenderKey.findMany({
      where: { kid },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: 100,
    });
    for (const row of registered)
      found.push({
        ...(row.publicJwk as JWK),
        kid,
        [JWK_USE_MEMBER]: 'bundle',
        [JWK_SENDER_MEMBER]: senderKey(row),
      } as JWK);
    const signsFor = (k: JWK) => (k as Record<string, unknown>)[JWK_SENDER_MEMBER] === sender;
    return [...found.filter(signsFor), ...found.filter((k) => !signsFor(k))];
  }
}

const KID = /^[A-Za-z0-9_-]{1,128}$/;

const refused = (issues: ValidationIssue[], detail: string) =>
  new ProblemError('validation', detail, { errors: issues });
