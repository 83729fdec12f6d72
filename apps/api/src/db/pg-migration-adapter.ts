/**
 * The PostgreSQL driver adapter the migration engine runs on, with one fix: PrismaPg's `executeScript`
 * splits a migration at every `;` and sends the pieces one by one, which cuts a function body
 * (`$$ BEGIN ...; ...; END $$`, as in the migration caller_change_notify) into statements that
 * cannot parse. Here the script goes to PostgreSQL whole, as one simple query that PostgreSQL splits
 * itself (as `psql -f`, `prisma migrate deploy` and PGlite's adapter do), all or nothing.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type pg from 'pg';
import { toDriverAdapterError } from './pglite-adapter.js';

export function migrationAdapter(pool: pg.Pool): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaPg(pool);
  const wholeScripts = (adapter: SqlDriverAdapter): SqlDriverAdapter =>
    // Object.create keeps the adapter's own methods working (`this` still finds its client).
    Object.assign(Object.create(adapter) as SqlDriverAdapter, {
      executeScript: async (script: string): Promise<void> => {
        try {
          await pool.query(script);
        } catch (error) {
          throw toDriverAdapterError(error);
        }
      },
    });
  return Object.assign(Object.create(inner) as SqlMigrationAwareDriverAdapterFactory, {
    connect: async () => wholeScripts(await inner.connect()),
  });
}
