/** Where a transfer is: waiting for the recipient, decided by either side, or imported from a file. */
export const TRANSFER_STATUSES = ['pending', 'accepted', 'rejected', 'cancelled', 'imported'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** Whether the reader receives a transfer (`inbox`) or sends it (`outbox`). */
export const TRANSFER_DIRECTIONS = ['inbox', 'outbox'] as const;
export type TransferDirection = (typeof TRANSFER_DIRECTIONS)[number];

/** How a transfer names its recipient: an authority by LA or council code, a school by URN or SEED code. */
export const TRANSFER_RECIPIENT_SCHEMES = ['la-code', 'council-code', 'urn', 'seed-code'] as const;
export type TransferRecipientScheme = (typeof TRANSFER_RECIPIENT_SCHEMES)[number];

/**
 * What stands behind a transfer's bundle: `signed`, sent from this deployment and signed with the
 * sending organisation's bundle key; `verified`, imported, its signature checked against a key of the
 * organisation it names as sender (registered from its deployment, or this deployment's own); `unsigned`,
 * no signature: imported from a sender the operator allows to send unsigned bundles
 * (`CELR_ALLOW_UNSIGNED_BUNDLES_FROM`), or sent before this deployment signed what it sends.
 */
export const BUNDLE_SIGNATURE_STATES = ['signed', 'verified', 'unsigned'] as const;
export type BundleSignatureState = (typeof BUNDLE_SIGNATURE_STATES)[number];
