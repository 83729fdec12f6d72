/** Where a transfer is: waiting for the recipient, decided by either side, or imported from a file. */
export const TRANSFER_STATUSES = ['pending', 'accepted', 'rejected', 'cancelled', 'imported'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** Whether the reader receives a transfer (`inbox`) or sends it (`outbox`). */
export const TRANSFER_DIRECTIONS = ['inbox', 'outbox'] as const;
export type TransferDirection = (typeof TRANSFER_DIRECTIONS)[number];

/** How a transfer names its recipient: an authority by LA or council code, a school by URN or SEED code. */
export const TRANSFER_RECIPIENT_SCHEMES = ['la-code', 'council-code', 'urn', 'seed-code'] as const;
export type TransferRecipientScheme = (typeof TRANSFER_RECIPIENT_SCHEMES)[number];
