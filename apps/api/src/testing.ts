import { buildApp } from './app.js';
import { type AppConfig, configFromEnv } from './config.js';
import { openDatabase } from './db/database.js';
import { createTestDatabase } from './db/test-database.js';

/**
 * The API on a database of its own, for the tests of every package: in-memory PGlite, or a fresh
 * PostgreSQL database when DATABASE_URL names a server. The app is built but not yet ready, so a
 * caller can still add routes (the docs site) before it listens or injects.
 */
export async function startTestApp(overrides: Partial<AppConfig> = {}) {
  const testDb = await createTestDatabase();
  const db = await openDatabase({
    ...(testDb.url !== undefined ? { url: testDb.url } : {}),
    memory: true,
    poolSize: 5,
  });
  await db.migrate();
  const defaults = configFromEnv({});
  const config: AppConfig = {
    ...defaults,
    // Tests receive webhooks on loopback listeners, which a deployment refuses unless its operator
    // allows them (CELR_WEBHOOK_ALLOW_TARGETS); a test of that refusal overrides this.
    webhooks: { ...defaults.webhooks, allowTargets: ['127.0.0.0/8', '::1/128'] },
    ...overrides,
  };
  const app = await buildApp({ db, config });
  return {
    app,
    db,
    config,
    /** The PostgreSQL database's URL, for a second API process; undefined on PGlite. */
    url: testDb.url,
    async close() {
      await app.close();
      await db.close();
      await testDb.drop();
    },
  };
}
