/**
 * A Prisma driver adapter factory for PGlite: `pglite-prisma-adapter` with two fixes the migration engine needs.
 *
 * 1. Its `executeScript` starts `pglite.exec(script)` without awaiting it, so a failing migration script is
 *    reported as applied (and recorded so in `_prisma_migrations`) while the error surfaces later as an
 *    unhandled rejection. Here the script is awaited and its error is reported as a PostgreSQL error.
 * 2. Its `connectToShadowDb` boots a new in-memory PGlite on every call and never closes it. Here the
 *    shadow database is either a fresh in-memory PGlite closed on dispose (the default), or, for a scratch
 *    database that is known to be empty, the database itself (`shadow: 'self'`), which saves a 2 s boot.
 *
 * And it does not let Prisma's debug histories keep statements' values (prisma-debug-history.ts): the
 * adapter is handed a copy of each query, emptied once the query is done, and after a statement with
 * large values the client's history is pushed out too. Without this, the last hundred blocks a bulk
 * import stored stayed reachable and a 50,000-learner import ran a 160 MB heap out of memory.
 */
import { PGlite } from '@electric-sql/pglite';
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { withoutKeptValues } from './prisma-debug-history.js';

export interface PGliteAdapterFactoryOptions {
  /** Where the migration engine's shadow database lives: a fresh in-memory PGlite, or this database. */
  shadow?: 'fresh' | 'self';
}

export class PGliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = 'pglite-prisma-adapter';
  readonly #inner: PrismaPGlite;

  constructor(
    readonly pglite: PGlite,
    private readonly options: PGliteAdapterFactoryOptions = {},
  ) {
    this.#inner = new PrismaPGlite(pglite);
  }

  async connect(): Promise<SqlDriverAdapter> {
    return withoutKeptValues(withAwaitedScripts(await this.#inner.connect(), this.pglite));
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    if (this.options.shadow === 'self') return this.connect();
    const shadow = await PGlite.create();
    const adapter = withAwaitedScripts(await new PrismaPGlite(shadow).connect(), shadow);
    return Object.assign(Object.create(adapter) as SqlDriverAdapter, {
      dispose: () => shadow.close(),
    });
  }
}

/** The adapter with an `executeScript` that waits for the script and fails when it fails. */
function withAwaitedScripts(adapter: SqlDriverAdapter, pglite: PGlite): SqlDriverAdapter {
  // Object.create keeps the adapter's own methods working (`this` still finds its client).
  return Object.assign(Object.create(adapter) as SqlDriverAdapter, {
    executeScript: async (script: string): Promise<void> => {
      try {
        await pglite.exec(script);
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
  });
}

export function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') return error;
  const e = error as Error & {
    code: string;
    severity?: string;
    detail?: string;
    column?: string;
    hint?: string;
  };
  return new DriverAdapterError({
    kind: 'postgres',
    code: e.code,
    severity: e.severity ?? 'ERROR',
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  });
}
