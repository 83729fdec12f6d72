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
import {
  Debug as adapterDebug,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlQueryable,
  type Transaction,
} from '@prisma/driver-adapter-utils';

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

/**
 * The queryable with queries that leave nothing of their values behind: the adapter records each
 * query object it runs in its debug history (the last 100), so it gets a copy whose args are
 * dropped when the query is done. A statement with large values also pushes the client's history
 * out, which holds them as text. Transactions it starts are the same.
 */
export function withoutKeptValues<T extends SqlQueryable>(queryable: T): T {
  const run = async <R>(query: SqlQuery, call: (copy: SqlQuery) => Promise<R>): Promise<R> => {
    const copy = { ...query };
    try {
      return await call(copy);
    } finally {
      copy.args = [];
      if (valuesSize(query.args) >= LARGE_VALUES) forgetPrismaDebugHistory();
    }
  };
  const overrides: Partial<SqlDriverAdapter> = {
    queryRaw: (query) => run(query, (copy) => queryable.queryRaw(copy)),
    executeRaw: (query) => run(query, (copy) => queryable.executeRaw(copy)),
  };
  const startTransaction = (queryable as Partial<SqlDriverAdapter>).startTransaction;
  if (startTransaction) {
    overrides.startTransaction = async (isolationLevel) =>
      withoutKeptValues<Transaction>(await startTransaction.call(queryable, isolationLevel));
  }
  return Object.assign(Object.create(queryable) as T, overrides);
}

/**
 * A driver adapter factory whose connections keep nothing of their statements' values (as
 * withoutKeptValues()): for @prisma/adapter-pg on PostgreSQL, whose history would otherwise hold the
 * last hundred query objects, a large transfer's or import's values among them. Everything else of the
 * factory (its provider, its name, the migration engine's shadow database) is the factory's own.
 */
export function factoryWithoutKeptValues<F extends SqlDriverAdapterFactory>(factory: F): F {
  return Object.assign(Object.create(factory) as F, {
    connect: async (): Promise<SqlDriverAdapter> => withoutKeptValues(await factory.connect()),
  });
}
