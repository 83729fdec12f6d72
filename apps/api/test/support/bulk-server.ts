/**
 * A real API process for test/bulk-process.test.ts: the app on PGlite in CELR_DATA_DIR (or on
 * DATABASE_URL), with its bulk worker running on a short lease so a restart after a crash goes on
 * quickly. With CELR_TEST_SETUP=1 it first creates an organisation and a client with fixed
 * credentials. Prints {"port":...} on one line once it listens.
 */
import type { AddressInfo } from 'node:net';
import { createClient, createOrganisation } from '../../src/admin/organisations.js';
import { buildApp } from '../../src/app.js';
import { configFromEnv } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';

const config = {
  ...configFromEnv(),
  demo: false,
  tokenSecret: 'test-secret-of-at-least-32-bytes-long!',
};
const db = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir });
await db.migrate();
if (process.env.CELR_TEST_SETUP === '1') {
  const org = await createOrganisation(db.prisma, {
    kind: 'local-authority',
    name: 'Northbridge Borough Council',
    jurisdiction: 'england',
    laCode: '990',
  });
  await createClient(db.prisma, {
    organisationId: org.id,
    name: 'bulk test client',
    clientId: 'bulk-test',
    secret: 'bulk-test-secret-of-some-length',
  });
}
const app = await buildApp({ db, config, bulk: { leaseMs: 2000, pollMs: 100 } });
await app.listen({ port: 0, host: '127.0.0.1' });
app.bulkImports?.start();
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);
