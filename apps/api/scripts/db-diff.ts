/**
 * `npm run db:diff -w @celr/api -- <name>`: writes the next migration.
 *
 * Replays prisma/migrations in a scratch in-memory PGlite, diffs the result against prisma/schema.prisma
 * with Prisma's WebAssembly schema engine, and writes the difference as
 * prisma/migrations/<timestamp>_<name>/migration.sql (Prisma's format, so `prisma migrate deploy` can apply
 * it too). Prints "no changes" when there is nothing to migrate.
 *
 * `npm run db:diff -w @celr/api -- --check`: exits 1 when the schema and the migrations disagree (for CI).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_DIR, SCHEMA_PATH } from '../src/db/paths.js';
import { createMigrationSql, diffMigrationsToSchema, MIGRATION_LOCK } from '../src/db/schema-engine.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
const name = args.find((arg) => !arg.startsWith('--'));
const source = { migrationsDir: MIGRATIONS_DIR, schemaPath: SCHEMA_PATH };

if (check) {
  const summary = await diffMigrationsToSchema(source);
  if (summary === null) {
    console.log('prisma/schema.prisma and prisma/migrations agree.');
  } else {
    console.error(
      'prisma/schema.prisma differs from what prisma/migrations create:\n\n' +
        `${summary}\n\nRun \`npm run db:diff -w @celr/api -- <name>\` to write the missing migration.`,
    );
    process.exitCode = 1;
  }
} else {
  const sql = await createMigrationSql(source);
  if (sql === null) {
    console.log('no changes');
  } else if (!name) {
    console.error('The schema has changes; name the migration: npm run db:diff -w @celr/api -- <name>');
    process.exitCode = 2;
  } else {
    const folder = `${timestamp(new Date())}_${slug(name)}`;
    const dir = path.join(MIGRATIONS_DIR, folder);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'migration.sql'), sql);
    await writeFile(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), MIGRATION_LOCK);
    console.log(`Wrote prisma/migrations/${folder}/migration.sql`);
  }
}

/** Prisma's migration timestamp: UTC, YYYYMMDDHHMMSS. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** Prisma's migration name style: lower snake case. */
function slug(text: string): string {
  return (
    text
      .trim()
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'migration'
  );
}
