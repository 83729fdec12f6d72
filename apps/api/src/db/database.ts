/**
 * Opens the API database: PostgreSQL (node-postgres pool) when a URL is given; an embedded PostgreSQL
 * server (started here, stopped by close(); see embedded-postgres.ts) for `postgresDir`; otherwise
 * embedded PGlite, in memory (the tests) or on disk (not crash safe). Both go through Prisma driver adapters, and the same adapters drive the
 * WebAssembly migration engine, so `migrate()` needs no Prisma CLI and no native engine binary.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { AppConfig } from '../config.js';
import { type Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from './embedded-postgres.js';
import {
  listenOnPGlite,
  listenOnPostgres,
  type NotificationHandlers,
  type Subscription,
} from './notifications.js';
import { MIGRATIONS_DIR } from './paths.js';
import { migrationAdapter } from './pg-migration-adapter.js';
import { factoryWithoutKeptValues } from './prisma-debug-history.js';
import { applyMigrations, migrationsUpToDate } from './schema-engine.js';

export { MIGRATIONS_DIR, SCHEMA_PATH } from './paths.js';

export type DatabaseKind = 'postgresql' | 'pglite';

export interface DatabaseOptions {
  /**
   * A PostgreSQL connection string. When set, the database is PostgreSQL; otherwise PGlite. Like
   * `dataDir`, often read from the environment or a flag and passed on as undefined when unset.
   */
  url?: string | undefined;
  /**
   * Embedded PostgreSQL: its data folder (created and initialised if missing). The server is started
   * (after recovery, if the last run crashed), or joined per `embedded.whenRunning`; close() stops it.
   */
  postgresDir?: string;
  embedded?: Omit<EmbeddedPostgresOptions, 'dataDir'>;
  /**
   * PGlite only: the data folder (created if missing). Default `.data/pglite` in the working directory.
   * NOT crash safe: PGlite runs with fsync off and has no crash recovery.
   */
  dataDir?: string | undefined;
  /** PGlite only: keep the database in memory; nothing is written to disk. */
  memory?: boolean;
  /** PostgreSQL only: the connection pool size. Default 10. */
  poolSize?: number;
  /** Prisma Client logging, e.g. `['warn', 'error']` or `[{ level: 'query', emit: 'event' }]`. */
  log?: Array<Prisma.LogLevel | Prisma.LogDefinition>;
  /** The migrations folder `migrate()` applies. Default: the API's `prisma/migrations`. */
  migrationsDir?: string;
}

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** The embedded PostgreSQL server, when `postgresDir` opened one. */
  embedded?: EmbeddedPostgres;
  /** Applies the migrations the database has not seen yet; returns their names (empty when up to date). */
  migrate(): Promise<string[]>;
  /**
   * One statement outside any transaction, for the hottest reads. On PostgreSQL it goes straight to
   * the pool, skipping Prisma's query engine; on PGlite it goes through Prisma, because PGlite has a
   * single session that Prisma's transactions must have to themselves.
   *
   * `prepared` names the statement (one name per text) for the few that run on nearly every request:
   * on PostgreSQL each pool connection then parses and plans it once, not at every call (planning the
   * single-record read cost more than running it). If the server does not keep prepared statements
   * between calls (a connection pooler in transaction mode), the statement is sent unnamed instead,
   * from then on. PGlite ignores it.
   */
  sql<T>(text: string, params: unknown[], prepared?: string): Promise<T[]>;
  /**
   * Listens on a notification channel (src/db/notifications.ts): on PostgreSQL over a connection of its
   * own, re-made after a loss; on PGlite in process. The subscription says whether it is live.
   */
  listen(channel: string, handlers: NotificationHandlers): Subscription;
  /**
   * The rows of one query, all from one snapshot, `batch` rows at a time, for reads too large to
   * hold (bulk export): the query runs once, behind a cursor, and each batch is fetched when the
   * consumer asks for it. Stopping early (return() on the generator) closes the cursor.
   *
   * PostgreSQL: a cursor in a read-only REPEATABLE READ transaction on a connection of its own,
   * held until the last batch (or until the consumer has been idle for CURSOR_IDLE_LIMIT, when
   * PostgreSQL ends the session and the next fetch fails). PGlite: its single session cannot be
   * held by one reader, so the cursor is declared WITH HOLD in a short transaction, whose commit
   * stores the whole result (spilling to temporary files, not memory, past work_mem); the batches
   * are then fetched from it between everyone else's statements.
   */
  cursor<T>(text: string, params: unknown[], batch: number): AsyncGenerator<T[], void, undefined>;
  /** Disconnects Prisma and closes the pool or the PGlite instance. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Interactive transactions of requests. Prisma's defaults (5 s to run, 2 s to get a connection) fail
 * a large but legitimate write, such as accepting a transfer of 250 records, on a busy server; past
 * these limits the request gets 503 with Retry-After (http/errors.ts), never a 500.
 */
export const REQUEST_TRANSACTIONS = { maxWait: 10_000, timeout: 60_000 } as const;

/**
 * How long a PostgreSQL cursor (Database.cursor) may wait for its consumer between two batches:
 * a client that stops reading an export gives its connection back to the pool after this long.
 */
export const CURSOR_IDLE_LIMIT_MS = 5 * 60_000;

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
  const log = options.log ?? [];

  if (options.postgresDir && !options.url) {
    const server = await startEmbeddedPostgres({ ...options.embedded, dataDir: options.postgresDir });
    try {
      const { postgresDir: _started, ...rest } = options;
      const db = await openDatabase({ ...rest, url: server.url });
      const close = db.close;
      return {
        ...db,
        embedded: server,
        close: once(async () => {
          try {
            await close();
          } finally {
            await server.stop();
          }
        }),
      };
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  if (options.url) {
    const url = options.url;
    const pool = newPool(url, options.poolSize ?? 10);
    const prisma = new PrismaClient({
      adapter: factoryWithoutKeptValues(new PrismaPg(pool)),
      log,
      transactionOptions: REQUEST_TRANSACTIONS,
    }) as PrismaClient;
    return {
      prisma,
      kind: 'postgresql',
      sql: preparedWhereKept(pool),
      listen: (channel, handlers) => listenOnPostgres(url, channel, handlers),
      cursor: async function* <T>(text: string, params: unknown[], batch: number) {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${CURSOR_IDLE_LIMIT_MS}`);
          await client.query(`DECLARE celr_cursor NO SCROLL CURSOR FOR ${text}`, params);
          for (;;) {
            const { rows } = await client.query(`FETCH ${batch} FROM celr_cursor`);
            if (rows.length) yield rows as T[];
            if (rows.length < batch) break;
          }
        } catch (error) {
          broken = error as Error;
          throw error;
        } finally {
          // Read only: ending it either way changes nothing. A connection that failed is not reused.
          if (!broken) await client.query('ROLLBACK').catch((error: Error) => (broken = error));
          client.release(broken);
        }
      },
      migrate: async () => {
        // At most starts nothing is new: two reads say so without the engine.
        if (await migrationsUpToDate(async (text) => (await pool.query(text)).rows, migrationsDir)) return [];
        // The engine takes a session-level advisory lock (pg_advisory_lock) and never unlocks it explicitly;
        // on the shared pool the lock would stay with whichever idle connection ran it. A one-connection
        // pool, closed afterwards, releases it and still serialises concurrent deploys.
        const migrationPool = newPool(url, 1);
        try {
          return await applyMigrations(migrationAdapter(migrationPool), migrationsDir);
        } finally {
          await endPool(migrationPool);
        }
      },
      close: once(async () => {
        await prisma.$disconnect();
        await endPool(pool);
      }),
    };
  }

  // Loaded only for PGlite (the tests, CELR_EMBEDDED_DATABASE=pglite): the API on PostgreSQL, embedded
  // or not, never needs its half megabyte of JavaScript.
  const [{ PGlite }, { PGliteAdapterFactory }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('./pglite-adapter.js'),
  ]);
  let pglite: PGlite;
  if (options.memory) {
    pglite = await PGlite.create();
  } else {
    const dataDir = path.resolve(options.dataDir ?? '.data/pglite');
    await mkdir(dataDir, { recursive: true });
    pglite = await PGlite.create(dataDir);
  }
  const adapterFactory = new PGliteAdapterFactory(pglite);
  const prisma = new PrismaClient({
    adapter: adapterFactory,
    log,
    transactionOptions: REQUEST_TRANSACTIONS,
  }) as PrismaClient;
  return {
    prisma,
    kind: 'pglite',
    sql: sqlThrough(prisma),
    listen: (channel, handlers) => listenOnPGlite(pglite, channel, handlers),
    cursor: async function* <T>(text: string, params: unknown[], batch: number) {
      const name = `celr_cursor_${randomUUID().replaceAll('-', '')}`;
      await pglite.transaction(async (tx) => {
        await tx.query(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${text}`, params);
      });
      try {
        for (;;) {
          const { rows } = await pglite.query<T>(`FETCH ${batch} FROM ${name}`);
          if (rows.length) yield rows;
          if (rows.length < batch) break;
        }
      } finally {
        await pglite.query(`CLOSE ${name}`).catch(() => {});
      }
    },
    migrate: async () =>
      (await migrationsUpToDate(
        async (text) => (await pglite.query<Record<string, unknown>>(text)).rows,
        migrationsDir,
      ))
        ? []
        : applyMigrations(adapterFactory, migrationsDir),
    close: once(async () => {
      await prisma.$disconnect();
      await pglite.close();
    }),
  };
}

/** The database the configuration names: DATABASE_URL, else the embedded PostgreSQL or PGlite in dataDir. */
export function databaseOptions(
  config: Pick<AppConfig, 'databaseUrl' | 'embeddedDatabase' | 'dataDir'>,
  embedded?: DatabaseOptions['embedded'],
): DatabaseOptions {
  if (config.databaseUrl) return { url: config.databaseUrl };
  if (config.embeddedDatabase === 'pglite') return { dataDir: config.dataDir };
  return { postgresDir: config.dataDir, ...(embedded !== undefined ? { embedded } : {}) };
}

function newPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  // An idle connection that dies (server restart, DROP DATABASE ... WITH (FORCE)) is an 'error' event on the
  // pool, which crashes the process when nobody listens. The pool has already discarded the connection,
  // and the next query opens a new one, so there is nothing else to do.
  pool.on('error', () => {});
  return pool;
}

/** Ends the pool and waits until every connection is closed (`pool.end()` resolves before that). */
async function endPool(pool: pg.Pool): Promise<void> {
  const open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    let count = 0;
    if (open === 0) resolve();
    pool.on('remove', () => {
      if (++count === open) resolve();
    });
  });
  await pool.end();
  await closed;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

/** SQLSTATEs of a prepared statement the server did not keep (26000) or already had (42P05). */
const PREPARED_LOST = new Set(['26000', '42P05']);

/**
 * Database.sql on a pool: named statements are prepared once per connection, unless the server has
 * shown that it does not keep them (a pooler in transaction mode hands each call to any server
 * connection): then the call is made again unnamed, which is safe because a statement that failed
 * to bind did nothing, and every later call is unnamed. The name sent carries a hash of the text, so
 * that a server connection shared through a pooler by processes of two versions never runs one
 * version's statement for the other.
 */
export function preparedWhereKept(pool: Pick<pg.Pool, 'query'>): Database['sql'] {
  let keep = true;
  const names = new Map<string, string>();
  return async <T>(text: string, params: unknown[], prepared?: string) => {
    if (!prepared || !keep) return (await pool.query(text, params)).rows as T[];
    let name = names.get(prepared);
    if (!name) {
      name = `${prepared}_${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
      names.set(prepared, name);
    }
    try {
      return (await pool.query({ name, text, values: params })).rows as T[];
    } catch (error) {
      if (!PREPARED_LOST.has((error as { code?: string }).code ?? '')) throw error;
      keep = false;
      return (await pool.query(text, params)).rows as T[];
    }
  };
}

/** `Database.sql` over a Prisma client alone, for code that has no Database (scripts, demo data). */
export const sqlThrough =
  (prisma: Pick<PrismaClient, '$queryRawUnsafe'>): Database['sql'] =>
  <T>(text: string, params: unknown[]) =>
    prisma.$queryRawUnsafe<T[]>(text, ...params);
