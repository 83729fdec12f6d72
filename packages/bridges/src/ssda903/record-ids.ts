import { createHash } from 'node:crypto';

/**
 * The id a converted record carries in the exchange file: a UUID made from the authority, the
 * child's 903 id and (for a move) its date, so that converting the same return again gives the same
 * ids and a second import replaces what the first made instead of duplicating it.
 */
export function stableId(...parts: string[]): string {
  const hex = createHash('sha256')
    .update(['celr-ssda903', ...parts].join('\u0000'))
    .digest('hex');
  // Laid out as a version 8 (custom) UUID with the RFC 9562 variant bits.
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
