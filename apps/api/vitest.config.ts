import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The database tests run on in-memory PGlite, and also on PostgreSQL when TEST_DATABASE_URL names
// a server where they may create (and drop) a database per test file.
const postgres = process.env.TEST_DATABASE_URL;

// Files that read the change feed (directly, through webhooks or through bulk export cursors). On
// PostgreSQL the feed stops short of every transaction still running in the whole server, other
// databases included (pg_current_snapshot is cluster-wide), so a test file writing in its own
// database holds back the feed of another: these run alone, after the rest, on PostgreSQL.
const READS_THE_FEED = [
  'test/changes.test.ts',
  'test/webhooks.test.ts',
  'test/bulk-export.test.ts',
  'test/bulk-jobs.test.ts',
  'test/database-errors.test.ts',
  'test/alerts.test.ts',
  'test/conformance.test.ts',
  'test/generated-client.test.ts',
  'test/generated-client-orval.test.ts',
];

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, as with `tsx --conditions=@celr/source`.
  resolve: { conditions: ['@celr/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@celr/source', ...defaultServerConditions] } },
  test: {
    environment: 'node',
    // Limits for a hung test, not for a slow one: booting PGlite takes about 2 s, but with two files
    // at a time a test that spawns a process (Spectral, the schema engine) takes several times as long.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    projects: [
      // Two test files at a time on CI's two cores (one at a time, the suite took 18 minutes on the
      // two databases). Each file has a database of its own (PGlite in memory, or a PostgreSQL
      // database it creates), so files share no rows.
      {
        extends: true,
        test: {
          name: 'pglite',
          include: ['test/**/*.test.ts'],
          env: { DATABASE_URL: '' },
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgresql',
                include: ['test/**/*.test.ts'],
                exclude: ['test/openapi.test.ts', ...READS_THE_FEED],
                env: { DATABASE_URL: postgres },
                maxWorkers: 2,
                sequence: { groupOrder: 0 },
              },
            },
            {
              extends: true as const,
              test: {
                name: 'postgresql-feed',
                include: READS_THE_FEED,
                env: { DATABASE_URL: postgres },
                maxWorkers: 1,
                sequence: { groupOrder: 1 },
              },
            },
          ]
        : []),
    ],
  },
});
