import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@celr/source'] },
  ssr: { resolve: { conditions: ['@celr/source'] } },
  test: { include: ['test/**/*.test.ts'] },
});
