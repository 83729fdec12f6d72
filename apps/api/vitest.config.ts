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
    // Booting PGlite takes about 2 s; PostgreSQL databases are created per test file.
    testTimeout: 30_000,
    hookTimeout: 60_000,
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
