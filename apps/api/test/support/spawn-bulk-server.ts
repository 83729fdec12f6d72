import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BulkServerOptions {
  /** The process's JavaScript heap, in MB (--max-old-space-size). */
  heapMb: number;
  /** PostgreSQL (the test database's url), or else the PGlite data folder; either may be undefined. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** Create the schema, organisation and client first (the first start on a database). */
  setup: boolean;
  /** Hand its stderr to the caller (a heap-exhaustion report, if it dies); otherwise it is dropped. */
  stderr: 'pipe' | 'ignore';
}

/**
 * The API with its bulk import worker in a process of its own (test/support/bulk-server.ts, run from
 * the sources), for tests of what a real process holds or survives. `listening` gives its port once it
 * prints it, or fails if the process ends first.
 */
export function spawnBulkServer(options: BulkServerOptions): {
  child: ChildProcess;
  listening: Promise<number>;
} {
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${options.heapMb}`,
      '--conditions=@celr/source',
      '--import',
      'tsx',
      'test/support/bulk-server.ts',
    ],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        ...process.env,
        DATABASE_URL: options.databaseUrl ?? '',
        CELR_DATA_DIR: options.dataDir ?? '',
        CELR_TEST_SETUP: options.setup ? '1' : '0',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', options.stderr],
    },
  );
  const listening = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const first = out.split('\n').find((l) => l.startsWith('{"port"'));
      if (first) resolve((JSON.parse(first) as { port: number }).port);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the server exited (code ${code}, signal ${signal}) before it listened`)),
    );
  });
  return { child, listening };
}
