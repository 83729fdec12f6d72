/**
 * Starts the CELR API: `npm start` from the repository root runs this after the build.
 * DATABASE_URL names a PostgreSQL database; without it an embedded PostgreSQL server runs from the
 * npm package's binaries, its data in ./.data/postgres (apps/api/.data/postgres under `npm start`).
 */
import { buildApp } from './app.js';
import { configFromEnv } from './config.js';
import { databaseOptions, openDatabase } from './db/database.js';
import { loadDemo } from './demo/seed.js';
import { serveDocs } from './docs/serve-docs.js';
import { startMaintenance } from './maintenance.js';
import { sealStoredSecrets } from './webhooks/secrets.js';
import { webhookSettingsFromEnv } from './webhooks/worker.js';

// Milliseconds of each step of the start, logged once the API listens (scripts/bench-start.ts reads
// them): `load` is Node's own start and the loading of this module graph, before any line here runs.
const phases: Record<string, number> = { load: Math.round(performance.now()) };
let phaseStart = performance.now();
const phase = (name: string) => {
  const now = performance.now();
  phases[name] = Math.round(now - phaseStart);
  phaseStart = now;
};
const config = configFromEnv();
const logger = {
  level: process.env.LOG_LEVEL ?? 'info',
  // Paths only: query strings can hold identifiers (?identifier=upn|...), which are personal data.
  serializers: {
    req: (req: { method: string; url: string; id: string }) => ({
      method: req.method,
      path: req.url.split('?')[0],
      id: req.id,
    }),
  },
  redact: ['req.headers.authorization'],
};

const db = await openDatabase(
  databaseOptions(config, {
    log: (message) => console.error(`embedded PostgreSQL: ${message}`),
    onUnexpectedExit: (code, signal) => {
      console.error(
        `embedded PostgreSQL: the server exited (code ${code}, signal ${signal}); stopping the API`,
      );
      process.exit(1);
    },
  }),
);
phase('database');
const applied = await db.migrate();
phase('migrations');
// Webhook secrets stored before CELR_KEY_ENCRYPTION_KEY was set (or before they were sealed at all).
const sealedSecrets = await sealStoredSecrets(db.prisma, config.keys.encryptionKey);
phase('secrets');
const app = await buildApp({ db, config, logger, webhooks: webhookSettingsFromEnv() });
phase('app');
await serveDocs(app);
phase('docs');
app.log.info({ applied, sealedSecrets, database: db.kind }, 'database ready');
if (!config.keys.encryptionKey)
  app.log.warn(
    'CELR_KEY_ENCRYPTION_KEY is not set: private signing keys and webhook secrets are stored in clear in the database. Set it to a long random secret kept outside the database before holding real records (docs: concepts/security).',
  );
const demo = config.demo
  ? await loadDemo(db.prisma, { log: (m) => app.log.info(m), sql: db.sql })
  : undefined;
phase('demo');
// Plugins, hooks and the routes' validators (compiled here): timed apart from listen itself.
await app.ready();
phase('ready');
await app.listen({ port: config.port, host: config.host });
phase('listen');
// Webhook deliveries: every API process runs a worker; claims in the database keep them apart.
app.webhooks?.start();
// Bulk imports likewise: a job is claimed by one process, and taken over if that process dies.
if (db.embedded?.owned) {
  // The embedded server serves this one API process (a second start on its folder is refused), so a job
  // still claimed now was claimed by a process that died: resume it at once rather than after its lease.
  await db.sql(
    `UPDATE bulk_import SET locked_until = now() WHERE status = 'running' AND locked_until > now()`,
    [],
  );
}
app.bulkImports?.start();
// Deadline alerts: every process sweeps; an alert's unique key keeps each to one.
app.alertSweep?.start();
const stopMaintenance = startMaintenance(db, config.retention, (error) =>
  app.log.warn({ err: error }, 'purge failed'),
);
phase('workers');
app.log.info({ ms: Math.round(performance.now()), phases }, 'started');

const lines = [
  '',
  `  CELR API      ${config.publicUrl}  (${
    db.embedded
      ? `embedded PostgreSQL on 127.0.0.1:${db.embedded.port}, data in ${db.embedded.dataDir}`
      : db.kind === 'pglite'
        ? `embedded PGlite in ${config.dataDir}: NOT crash safe`
        : 'PostgreSQL'
  })`,
  `  Docs          ${config.publicUrl}/docs/`,
  `  OpenAPI       ${config.publicUrl}/openapi.json`,
];
if (demo) {
  lines.push(
    '',
    '  Demo clients (fixed, documented demo credentials; stored, like all secrets, only as hashes):',
  );
  for (const c of demo.clients)
    lines.push(`    ${c.organisation.padEnd(34)} client_id=${c.clientId}  client_secret=${c.secret}`);
  const first = demo.clients[0];
  if (first) {
    lines.push(
      '',
      '  Get a token and list learners:',
      `    TOKEN=$(curl -s -d grant_type=client_credentials -d client_id=${first.clientId} -d client_secret=${first.secret} ${config.publicUrl}/oauth/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
      `    curl -H "Authorization: Bearer $TOKEN" ${config.publicUrl}/v1/learners?limit=5`,
    );
  }
}
console.log(lines.join('\n'));

// On SIGTERM stop accepting connections, let in-flight requests (and their audit events) finish,
// then close the database: nothing accepted is lost.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      app.log.error('drain timed out; exiting');
      process.exit(1);
    }, 25_000);
    try {
      stopMaintenance();
      await app.close();
      await db.close();
      clearTimeout(timer);
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  });
}
