import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The database tests run on in-memory PGlite, and also on PostgreSQL when TEST_DATABASE_URL names
// a server where they may create (and drop) a database per test file.
const postgres = process.env.TEST_DATABASE_URL;

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, as with `tsx --conditions=@celr/source`.
  resolve: { conditions: ['@celr/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@celr/source', ...defaultServerConditions] } },
  test: {
    environment: 'node',
    // Two test files at a time on CI's two cores: the suite runs on both databases and took 18
    // minutes one file at a time. Each file has its own database (PGlite in memory, or a PostgreSQL
    // database of its own), so files never share state.
    maxWorkers: 2,
    // Limits for a hung test, not for a slow one: booting PGlite takes about 2 s, but with two files
    // at a time a test that spawns a process (Spectral, the schema engine) takes several times as long.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: 'pglite', include: ['test/**/*.test.ts'], env: { DATABASE_URL: '' } } },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgresql',
                include: ['test/**/*.test.ts'],
                exclude: ['test/openapi.test.ts'],
                env: { DATABASE_URL: postgres },
              },
            },
          ]
        : []),
    ],
  },
});
