import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Unit tests of the SDK and the CLI, without an API; tests against a running API are in tests/sdk.
export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, as with `tsx --conditions=@celr/source`.
  resolve: { conditions: ['@celr/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@celr/source', ...defaultServerConditions] } },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // The type tests: tsc checks test/**/*.test-d.ts, and an unused @ts-expect-error fails the run.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
