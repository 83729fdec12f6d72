import { readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  MIGRATIONS_DIR,
  openDatabase,
  preparedWhereKept,
  SCHEMA_PATH,
} from '../../src/db/database.js';
import { diffMigrationsToSchema, migrationsUpToDate } from '../../src/db/schema-engine.js';
import { createTestDatabase, type TestDatabase } from '../../src/db/test-database.js';

// Every table schema.prisma maps a model to: the migrations must create exactly these.
const TABLES = [...readFileSync(SCHEMA_PATH, 'utf8').matchAll(/@@map\("([a-z_]+)"\)/g)]
  .map((m) => m[1]!)
  .sort();

async function migrationNames(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Tables a migration fills: the caller epoch is one row from the start (migration caller_epoch). */
const ROWS_AT_START: Record<string, number> = { caller_epoch: 1 };

/** Every mapped table exists, empty (or as a migration filled it), in `public`, and nothing else does. */
async function expectSchema(db: Database): Promise<void> {
  const { prisma } = db;
  const counts = await Promise.all(
    TABLES.map(async (table) =>
      Number((await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table}"`))[0]!.n),
    ),
  );
  expect(counts).toEqual(TABLES.map((table) => ROWS_AT_START[table] ?? 0));
  const rows = await prisma.$queryRaw<Array<{ table_name: string }>>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name`;
  expect(rows.map((row) => row.table_name)).toEqual(TABLES);
}

describe('migrations', () => {
  it('create exactly what schema.prisma describes (replayed on in-memory PGlite)', async () => {
    const diff = await diffMigrationsToSchema({ migrationsDir: MIGRATIONS_DIR, schemaPath: SCHEMA_PATH });
    expect(diff).toBeNull();
  });

  describe('on in-memory PGlite', () => {
    let db: Database;
    beforeAll(async () => {
      db = await openDatabase({ memory: true });
    });
    afterAll(() => db?.close());

    it('apply every migration once, and nothing the second time', async () => {
      const started = performance.now();
      const applied = await db.migrate();
      const ms = performance.now() - started;
      console.info(`PGlite: applied ${applied.length} migration(s) in ${ms.toFixed(0)} ms`);
      expect(applied).toEqual(await migrationNames());
      expect(await db.migrate()).toEqual([]);
      await expectSchema(db);
    });

    it('let a learner record refer to itself and plans reach access through their learner', async () => {
      const { prisma } = db;
      const la = await prisma.organisation.create({
        data: { kind: 'local-authority', name: 'Test LA', jurisdiction: 'england', laCode: '999' },
      });
      const learnerId = '01970000-0000-7000-8000-000000000001';
      await prisma.record.create({
        data: {
          id: learnerId,
          kind: 'learner',
          learnerId,
          jurisdiction: 'england',
          ownerId: la.id,
          writtenById: la.id,
          data: {},
        },
      });
      await prisma.record.create({
        data: {
          kind: 'plan',
          learnerId,
          jurisdiction: 'england',
          ownerId: la.id,
          writtenById: la.id,
          data: { a: 1 },
        },
      });
      await prisma.learnerAccess.create({
        data: { learnerId, organisationId: la.id, basis: 'responsible', grants: ['learner', 'plan'] },
      });
      const visible = await prisma.record.findMany({
        where: { learner: { access: { some: { organisationId: la.id, endedAt: null } } } },
        orderBy: { kind: 'asc' },
        select: { kind: true },
      });
      expect(visible.map((r) => r.kind)).toEqual(['learner', 'plan']);
      // Erasing the learner takes everything about them along.
      await prisma.record.delete({ where: { id: learnerId } });
      expect(await prisma.record.count()).toBe(0);
      expect(await prisma.learnerAccess.count()).toBe(0);
      await prisma.organisation.delete({ where: { id: la.id } });
    });

    it('say "up to date" from two reads only when the folder and the history match exactly', async () => {
      // A start skips the engine when migrationsUpToDate says so; anything else still goes to the engine.
      const dir = path.join(tmpdir(), `celr-migrations-${process.pid}-${Date.now()}-copy`);
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const copy = await openDatabase({ memory: true, migrationsDir: dir });
      const rowsOf = async (text: string) =>
        copy.prisma.$queryRawUnsafe<Array<Record<string, unknown>>>(text);
      try {
        expect(await migrationsUpToDate(rowsOf, dir)).toBe(false); // no history table yet
        expect(await copy.migrate()).toEqual(await migrationNames());
        expect(await migrationsUpToDate(rowsOf, dir)).toBe(true);
        expect(await copy.migrate()).toEqual([]);

        // A new migration is applied at the next start.
        await mkdir(path.join(dir, '99990101000000_added'));
        await writeFile(
          path.join(dir, '99990101000000_added', 'migration.sql'),
          'CREATE TABLE "added_later" ("id" INTEGER);\n',
        );
        expect(await migrationsUpToDate(rowsOf, dir)).toBe(false);
        expect(await copy.migrate()).toEqual(['99990101000000_added']);
        expect(await migrationsUpToDate(rowsOf, dir)).toBe(true);

        // An applied migration edited afterwards, or missing from the folder: the engine decides (as
        // `prisma migrate deploy`, it applies nothing and does not refuse), not the shortcut.
        const init = path.join(dir, (await migrationNames())[0]!, 'migration.sql');
        const original = await readFile(init, 'utf8');
        await writeFile(init, `${original}\n-- edited\n`);
        expect(await migrationsUpToDate(rowsOf, dir)).toBe(false);
        expect(await copy.migrate()).toEqual([]);
        await writeFile(init, original);
        expect(await migrationsUpToDate(rowsOf, dir)).toBe(true);
        await rm(path.join(dir, '99990101000000_added'), { recursive: true });
        expect(await migrationsUpToDate(rowsOf, dir)).toBe(false);

        // A migration that failed (or is being applied by another process right now).
        await copy.prisma.$executeRawUnsafe(
          `UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '99990101000000_added'`,
        );
        await mkdir(path.join(dir, '99990101000000_added'));
        await writeFile(
          path.join(dir, '99990101000000_added', 'migration.sql'),
          'CREATE TABLE "added_later" ("id" INTEGER);\n',
        );
        expect(await migrationsUpToDate(rowsOf, dir)).toBe(false);
        await expect(copy.migrate()).rejects.toThrow(/failed/i);
      } finally {
        await copy.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('stop at a failing migration instead of recording it as applied', async () => {
      // pglite-prisma-adapter does not await migration scripts; src/db/pglite-adapter.ts fixes that.
      const dir = path.join(tmpdir(), `celr-migrations-${process.pid}-${Date.now()}`);
      await mkdir(path.join(dir, '99990101000000_broken'), { recursive: true });
      await writeFile(
        path.join(dir, '99990101000000_broken', 'migration.sql'),
        'CREATE TABLE "half_done" ("id" INTEGER);\nSELECT no_such_function();\n',
      );
      const broken = await openDatabase({ memory: true, migrationsDir: dir });
      try {
        await expect(broken.migrate()).rejects.toThrow(/no_such_function/);
        const rows = await broken.prisma.$queryRaw<
          Array<{ migration_name: string; finished_at: Date | null }>
        >`
          SELECT migration_name, finished_at FROM _prisma_migrations`;
        expect(rows).toEqual([{ migration_name: '99990101000000_broken', finished_at: null }]);
        const tables = await broken.prisma.$queryRaw<Array<{ n: number }>>`
          SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half_done'`;
        expect(tables[0]?.n).toBe(0);
        // A failed migration blocks later runs until it is resolved, as with `prisma migrate deploy`.
        await expect(broken.migrate()).rejects.toThrow(/failed/i);
      } finally {
        await broken.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe.runIf(process.env.DATABASE_URL)('on PostgreSQL (DATABASE_URL)', () => {
    let testDb: TestDatabase;
    let db: Database | undefined;
    beforeAll(async () => {
      testDb = await createTestDatabase();
      db = await openDatabase({ url: testDb.url, poolSize: 2 });
    });
    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    it('apply every migration to a fresh database once, and nothing the second time', async () => {
      expect(testDb.url).toMatch(/\/celr_test_[0-9a-f]+/);
      expect(db?.kind).toBe('postgresql');
      const started = performance.now();
      const applied = await db!.migrate();
      console.info(
        `PostgreSQL: applied ${applied.length} migration(s) in ${(performance.now() - started).toFixed(0)} ms`,
      );
      expect(applied).toEqual(await migrationNames());
      expect(await db!.migrate()).toEqual([]);
      await expectSchema(db!);
    });
  });
});

describe('prepared statements (Database.sql on PostgreSQL)', () => {
  /** A pool whose server keeps no prepared statement: a named call fails as through a transaction-mode pooler. */
  function poolKeepingNone() {
    const calls: string[] = [];
    const query = async (first: string | { name: string; text: string }, _values?: unknown[]) => {
      if (typeof first !== 'string') {
        calls.push(`named ${first.name}`);
        throw Object.assign(new Error(`prepared statement "${first.name}" does not exist`), {
          code: '26000',
        });
      }
      calls.push('unnamed');
      return { rows: [{ one: 1 }] };
    };
    return { calls, pool: { query } as never };
  }

  it('sends a statement unnamed, from then on, once the server has not kept a prepared one', async () => {
    const { calls, pool } = poolKeepingNone();
    const sql = preparedWhereKept(pool);
    expect(await sql('SELECT 1 AS one', [], 'celr_one')).toEqual([{ one: 1 }]);
    expect(await sql('SELECT 1 AS one', [], 'celr_one')).toEqual([{ one: 1 }]);
    expect(calls).toEqual([expect.stringMatching(/^named celr_one_[0-9a-f]{12}$/), 'unnamed', 'unnamed']);
  });

  it('passes on any other error of a named statement', async () => {
    const failing = {
      query: async () => {
        throw Object.assign(new Error('relation "nowhere" does not exist'), { code: '42P01' });
      },
    } as never;
    await expect(preparedWhereKept(failing)('SELECT 1 FROM nowhere', [], 'celr_nowhere')).rejects.toThrow(
      'nowhere',
    );
  });
});
