/**
 * Prisma keeps what it would have logged, logging on or off: `@prisma/debug` holds the arguments of
 * its last 100 debug calls (for its crash reports), in each copy of the module. Two of those calls
 * hold a statement's values: the client's raw API (`$queryRawUnsafe`, `$executeRawUnsafe`) records
 * `prisma.$executeRawUnsafe(<sql>, <the values as JSON>)`, and the driver adapters record each query
 * object they run (sql and args). A bulk import sends blocks of a thousand lines as one value (1 to
 * 4 MB), so the last hundred statements kept 100-300 MB reachable: a 50,000-learner import through
 * PGlite ran a 160 MB heap out of memory while the file was being stored. Nothing else reads these
 * histories, so pushing them out after a large statement loses nothing.
 */
import { Debug as clientDebug } from '@prisma/client/runtime/client';
import { Debug as adapterDebug } from '@prisma/driver-adapter-utils';

/** The histories' length in @prisma/debug (MAX_ARGS_HISTORY). */
const HISTORY = 100;

/** Values whose strings add up to less than this are left in the histories (they cost little). */
export const LARGE_VALUES = 64 * 1024;

// One-character entries push out whatever the histories hold: the client's (raw calls) and the one
// @prisma/adapter-pg records its queries in. PGlite's adapter has a copy of its own, which
// pglite-adapter.ts empties in another way (it hands that adapter copies of the queries, emptied
// after each call).
const evictors = [clientDebug('celr:forget'), adapterDebug('celr:forget')];

/** Pushes every earlier entry out of Prisma's debug histories. Costs a few microseconds. */
export function forgetPrismaDebugHistory(): void {
  for (const evict of evictors) for (let i = 0; i < HISTORY; i++) evict('-');
}

/** Roughly how many characters of text a statement's values hold (strings, and strings in arrays). */
export function valuesSize(values: readonly unknown[]): number {
  let size = 0;
  for (const value of values) {
    if (typeof value === 'string') size += value.length;
    else if (Array.isArray(value)) size += valuesSize(value);
    else if (value instanceof Uint8Array) size += value.byteLength;
  }
  return size;
}
