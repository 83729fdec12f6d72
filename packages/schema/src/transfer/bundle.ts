import canonicalize from 'canonicalize';
import Type, { type Static } from 'typebox';
import { OrganisationRef } from '../common/organisation.js';
import { RecordId, Text, Timestamp } from '../common/primitives.js';
import { records } from '../records/index.js';

export const TRANSFER_REASONS = ['responsibility-moves', 'host-authority', 'school-move'] as const;
export type TransferReason = (typeof TRANSFER_REASONS)[number];

export const TransferReasonSchema = Type.Enum(TRANSFER_REASONS, {
  type: 'string',
  description:
    '`responsibility-moves`: the recipient becomes the responsible authority (the corporate parent). `host-authority`: the recipient becomes host authority for an out-of-authority placement. `school-move`: the learner moves to the recipient school.',
});

export const BundleManifest = Type.Object(
  {
    bundleId: {
      ...RecordId,
      description: 'Identifies this bundle; the same bundle imported twice is recognised.',
    },
    sender: OrganisationRef,
    recipient: OrganisationRef,
    learnerId: { ...RecordId, description: "The learner's id at the sender." },
    reason: TransferReasonSchema,
    note: Type.Optional(Text('A note from the sender to the recipient.', 2000)),
    createdAt: Timestamp('When the snapshot was taken.'),
    schemaVersion: Type.String({
      pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$',
      maxLength: 20,
      description: 'Version of @celr/schema the content follows.',
    }),
    contentDigest: Type.String({
      pattern: '^sha-256:[0-9a-f]{64}$',
      maxLength: 72,
      description:
        'SHA-256 of the content in RFC 8785 canonical JSON, as `sha-256:<hex>`. A bundle whose content does not match is refused.',
    }),
  },
  { additionalProperties: false, description: 'Who sends what to whom, and why.' },
);

const many = <T extends ReturnType<typeof Type.Union>>(schema: T, what: string, maxItems: number) =>
  Type.Array(schema, { maxItems, description: `The learner's ${what}, as the sender holds them.` });

export const BundleContent = Type.Object(
  {
    learner: records.learner.Record,
    plans: many(records.plan.Record, 'plans', 1000),
    meetings: many(records.meeting.Record, 'meetings', 5000),
    transitions: many(records.transition.Record, 'transitions', 1000),
  },
  {
    additionalProperties: false,
    description: 'The records, as a snapshot at the moment the transfer was made.',
  },
);

export const BundleSignature = Type.String({
  pattern: '^[A-Za-z0-9_-]+\\.\\.[A-Za-z0-9_-]+$',
  maxLength: 2000,
  description:
    "A detached JWS (RFC 7515, compact form with the payload left out) over the manifest in RFC 8785 canonical JSON, signed with ES256 by a key of the sending organisation; the header names the key (`kid`). The manifest carries the content's digest, so the signature covers the content too. Verify it against the sender's JWKS (`verifyBundle`).",
});

export const TransferBundle = Type.Object(
  { manifest: BundleManifest, content: BundleContent, signature: Type.Optional(BundleSignature) },
  {
    additionalProperties: false,
    title: 'TransferBundle',
    description:
      "A learner's education record as it moves between organisations: a manifest and the learner with their plans, meetings and transitions. Validates offline; its digest proves the content is what was sent, and its signature who sent it.",
  },
);
export type TransferBundle = Static<typeof TransferBundle>;
export type BundleContent = Static<typeof BundleContent>;

/** `sha-256:<hex>` of the content in RFC 8785 canonical JSON. Web Crypto, so it runs in browsers too. */
export async function bundleDigest(content: unknown): Promise<string> {
  const canonical = canonicalize(content);
  if (canonical === undefined) throw new TypeError('The bundle content is not JSON.');
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return `sha-256:${Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
