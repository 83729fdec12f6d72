/**
 * ETags for safe updates. The SDK remembers the `ETag` header of each response next to the record
 * it returned (in a WeakMap, so nothing is kept alive by it), and `etagOf(record)` gives it back.
 * Records that came from a list have no header of their own; for them, and for copies, the ETag is
 * derived from `meta.version` as the API derives it (`"v<version>"`).
 */
const etags = new WeakMap<object, string>();

export function rememberEtag(value: unknown, etag: string | null | undefined): void {
  if (etag && typeof value === 'object' && value !== null) etags.set(value, etag);
}

/** What every record the API returns carries, and all `etagOf` needs to answer for certain. */
export interface Versioned {
  meta: { version: number };
}

/**
 * The ETag to send as `If-Match` to change this record. For a record (anything with
 * `meta.version`) the type is `string`, so `patch(kind, id, change, { ifMatch: etagOf(record) })`
 * type-checks under `strict`; for anything else it may be undefined.
 */
export function etagOf(record: Versioned): string;
export function etagOf(record: unknown): string | undefined;
export function etagOf(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const known = etags.get(record);
  if (known) return known;
  const version = (record as { meta?: { version?: unknown } }).meta?.version;
  return typeof version === 'number' && Number.isInteger(version) ? `"v${version}"` : undefined;
}
