#!/usr/bin/env node
/**
 * Generates Prisma Client (src/generated/prisma) from prisma/schema.prisma, offline.
 *
 * Why a script rather than `prisma generate`:
 * - The Prisma CLI insists on locating (and otherwise downloading) its native schema-engine binary before
 *   any command, although `generate` never runs it. Without internet the download fails, so this points
 *   PRISMA_SCHEMA_ENGINE_BINARY at an existing file (this Node binary) unless it is already set. The API
 *   runs migrations with the WebAssembly engine instead (src/db/schema-engine.ts).
 * - Telemetry and update checks are switched off: they would only time out offline.
 * - It runs before every build, typecheck and test, so it does nothing when the generated client is
 *   newer than the schema. `--force` regenerates anyway.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schema = path.join(apiDir, 'prisma/schema.prisma');
const generatedClient = path.join(apiDir, 'src/generated/prisma/client.ts');

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

if (!process.argv.includes('--force') && mtime(generatedClient) > mtime(schema)) {
  process.exit(0);
}

const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schema], {
  cwd: apiDir,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
