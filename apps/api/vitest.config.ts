import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, as with `tsx --conditions=@celr/source`.
  resolve: { conditions: ['@celr/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@celr/source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Booting PGlite takes about 2 s; PostgreSQL databases are created per test file.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
