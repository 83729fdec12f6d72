/**
 * `npm run db:migrate -w @celr/api`: applies pending migrations to the PostgreSQL database at DATABASE_URL
 * (or, with `--data-dir <dir>`, to an embedded PGlite data folder) and prints what it applied.
 *
 * It uses Prisma's WebAssembly schema engine (no Prisma CLI, no native binary) and records migrations in
 * `_prisma_migrations` exactly like `prisma migrate deploy`, so either tool can be used on the same database.
 * With CELR_KEY_ENCRYPTION_KEY set it also seals webhook secrets still stored in clear.
 */
import { openDatabase } from '../src/db/database.js';
import { sealStoredSecrets } from '../src/webhooks/secrets.js';

const args = process.argv.slice(2);
const dataDirIndex = args.indexOf('--data-dir');
const dataDir = dataDirIndex >= 0 ? args[dataDirIndex + 1] : undefined;
const url = dataDir === undefined ? process.env.DATABASE_URL : undefined;

if (!url && !dataDir) {
  console.error('Set DATABASE_URL (PostgreSQL), or pass --data-dir <dir> for an embedded PGlite database.');
  process.exit(1);
}

const target = url ? redact(url) : `PGlite at ${dataDir}`;
const db = await openDatabase(url ? { url, poolSize: 1 } : { dataDir });
try {
  const started = performance.now();
  const applied = await db.migrate();
  const ms = Math.round(performance.now() - started);
  if (applied.length === 0) {
    console.log(`${target}: up to date, no migrations to apply (${ms} ms).`);
  } else {
    console.log(`${target}: applied ${applied.length} migration(s) in ${ms} ms:`);
    for (const name of applied) console.log(`  ${name}`);
  }
  // Webhook secrets stored in clear are sealed here too when the key is set (the server also does it at start).
  const sealed = await sealStoredSecrets(db.prisma, process.env.CELR_KEY_ENCRYPTION_KEY || undefined);
  if (sealed > 0) console.log(`${target}: sealed ${sealed} webhook secret(s) with CELR_KEY_ENCRYPTION_KEY.`);
} catch (error) {
  console.error(`${target}: migration failed.`);
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.close();
}

function redact(connectionString: string): string {
  try {
    const parsed = new URL(connectionString);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL';
  }
}
