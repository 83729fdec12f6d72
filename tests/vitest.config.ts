import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests that cross packages: the SDK against a running API, the CLI as a process, the docs site in
// a browser. Workspace packages resolve to their TypeScript sources.
export default defineConfig({
  resolve: { conditions: ['@celr/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@celr/source', ...defaultServerConditions] } },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // Two files at a time on CI's two cores: each starts its own API (in-process, PGlite in memory,
    // a free port) and its own temporary folders, so files share nothing; one at a time took 7 minutes.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { DATABASE_URL: '' },
  },
});
