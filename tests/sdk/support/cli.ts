import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
/** tsx's ESM loader, by absolute URL, so the CLI runs from any working directory. */
const tsxLoader = pathToFileURL(require.resolve('tsx/esm')).href;
export const CLI_MAIN = fileURLToPath(new URL('../../../packages/sdk/src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `celr` as its own process (`node --import tsx --conditions=@celr/source .../main.ts`), as a
 * user would run the built bin. Asynchronous, so an API served by this test process keeps answering.
 */
export function celr(args: string[], options: RunOptions): Promise<CliResult> {
  return runTypeScript(CLI_MAIN, args, options);
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Sends SIGINT (Ctrl-C) once, when stderr first matches. */
  interruptWhen?: RegExp;
}

/** Runs a TypeScript file as its own process, with workspace packages resolved to their sources. */
export function runTypeScript(file: string, args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, '--conditions=@celr/source', file, ...args],
      {
        cwd: options.cwd,
        // Only what the CLI needs: no CELR_* from the environment running the tests.
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    let interrupted = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (options.interruptWhen && !interrupted && options.interruptWhen.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A folder for a test's files, removed by the returned function. */
export function scratchFolder(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'celr-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
