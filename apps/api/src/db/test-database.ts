/**
 * A throwaway database for a test file.
 *
 * With `DATABASE_URL` set (a PostgreSQL server the tests may create databases on), it creates a fresh,
 * uniquely named database (`celr_test_<random>`) on that server and returns its URL; `drop()` removes it,
 * disconnecting anything still attached. Without `DATABASE_URL` it returns `url: undefined`, meaning
 * "use in-memory PGlite": `openDatabase({ url, memory: true })` serves both cases.
 *
 *   const testDb = await createTestDatabase();
 *   const db = await openDatabase({ url: testDb.url, memory: true });
 *   await db.migrate();
 *   ...
 *   await db.close();
 *   await testDb.drop();
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** The new PostgreSQL database's URL, or undefined for in-memory PGlite. */
  url?: string;
  /** Drops the database (no-op for PGlite). Safe to call twice. */
  drop(): Promise<void>;
}

export async function createTestDatabase(serverUrl = process.env.DATABASE_URL): Promise<TestDatabase> {
  if (!serverUrl) return { drop: async () => {} };

  const name = `celr_test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;

  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop: () => {
      // WITH (FORCE) (PostgreSQL 13+) ends connections a test left open.
      dropped ??= onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return dropped;
    },
  };
}

/** Runs one statement on the server's own database (the one in the URL, e.g. `postgres`). */
async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
