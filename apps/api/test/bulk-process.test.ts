/**
 * Bulk imports in a real API process (test/support/bulk-server.ts), where what the process holds
 * and how its event loop is shared can be seen: a small heap, and requests answered while a job runs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordLine } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_BYTES } from '../src/bulk/import-jobs.js';
import { createTestDatabase, type TestDatabase } from '../src/db/test-database.js';
import { syntheticLearner } from '../src/demo/cohort.js';
import { spawnBulkServer } from './support/spawn-bulk-server.js';

const NDJSON = 'application/x-ndjson';
const FINISHED = ['succeeded', 'partially-succeeded', 'failed'];

interface Job {
  status: string;
  lines: number;
  progress: { linesDone: number; percent: number };
  counts: { created: number; updated: number; unchanged: number; failed: number };
}

interface Server {
  base: string;
  child: ChildProcess;
  auth: { authorization: string };
  /** Why the process ended, if it has (its stderr's last lines). */
  exited(): string | undefined;
}

const cleanup: (() => Promise<void>)[] = [];
let server: Server;
beforeAll(async () => {
  // 96 MB of heap: about 40 MB above what the process idles at.
  server = await startServer(96);
});
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

/** The API in a process of its own, with `heapMb` of JavaScript heap, on a database of its own. */
async function startServer(heapMb: number): Promise<Server> {
  const testDb: TestDatabase = await createTestDatabase();
  const dataDir = testDb.url ? undefined : await mkdtemp(join(tmpdir(), 'celr-bulk-process-'));
  cleanup.push(async () => {
    await testDb.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  const { child, listening } = spawnBulkServer({
    heapMb,
    databaseUrl: testDb.url,
    dataDir,
    setup: true,
    stderr: 'pipe',
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = `exited (code ${code}, signal ${signal}): ${stderr.split('\n').slice(-25).join('\n')}`;
  });
  cleanup.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });
  const port = await listening.catch(() => {
    throw new Error(`the server ${exit}`);
  });
  const base = `http://127.0.0.1:${port}`;
  const token = (await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=bulk-test&client_secret=bulk-test-secret-of-some-length',
  }).then((r) => r.json())) as { access_token: string };
  return {
    base,
    child,
    auth: { authorization: `Bearer ${token.access_token}` },
    exited: () => exit,
  };
}

async function submit(server: Server, body: string) {
  const res = await fetch(`${server.base}/v1/bulk/import?mode=per-record`, {
    method: 'POST',
    headers: { ...server.auth, 'content-type': NDJSON },
    body,
  }).catch(async (error) => {
    // A process that died is seen to exit a moment after its connection is reset.
    await new Promise((r) => setTimeout(r, 1000));
    throw new Error(
      `the upload failed (${error}: ${(error as Error).cause}); the server ${server.exited() ?? 'is still up'}`,
    );
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return res.headers.get('location')!;
}

async function get(server: Server, location: string): Promise<Job> {
  const res = await fetch(`${server.base}${location}`, { headers: server.auth }).catch(async (error) => {
    await new Promise((r) => setTimeout(r, 1000));
    throw new Error(`GET ${location} failed (${error}); the server ${server.exited() ?? 'is still up'}`);
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Job;
}

async function finished(server: Server, location: string, ms: number): Promise<Job> {
  for (const started = Date.now(); ; ) {
    const job = await get(server, location);
    if (FINISHED.includes(job.status)) return job;
    if (Date.now() - started > ms) throw new Error(`the job did not finish in ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Learner `n` as a line of the file, with whitespace inside to make it `bytes` long (JSON allows it). */
function paddedLine(n: number, bytes: number) {
  const line = recordLine('learner', syntheticLearner(n));
  return line.replace('{', `{${' '.repeat(Math.max(0, bytes - line.length))}`);
}

describe('bulk import in a server process', () => {
  it('a file larger than the heap is stored and imported; the process holds none of it afterwards', async () => {
    // The file is 40 MB, the heap 96 MB. Prisma kept the values of its last hundred statements
    // (each stored block is one), so the upload held the file's last hundred blocks and the
    // process died of heap exhaustion before answering.
    // Lines of 10 KB (whitespace a pretty-printing exporter might leave), so that the file is
    // large while the records to write stay few.
    const count = 4000;
    const body = Array.from({ length: count }, (_, i) => paddedLine(70_000 + i, 10_000)).join('\n');
    expect(body.length).toBeGreaterThan(38_000_000);
    const location = await submit(server, body);
    const job = await finished(server, location, 240_000);
    expect(job).toMatchObject({ status: 'succeeded', lines: count, counts: { created: count, failed: 0 } });
    expect(server.exited()).toBeUndefined();
  }, 360_000);

  it('while a job runs, a GET of it is answered with its progress (PGlite: between two blocks)', async () => {
    // About a hundred lines per stored block, so that the job has a dozen blocks but few records.
    const count = 1200;
    const body = Array.from({ length: count }, (_, i) => paddedLine(80_000 + i, BLOCK_BYTES / 100)).join(
      '\n',
    );
    const location = await submit(server, body);
    // Polled without a pause: on PGlite a job's statements never let the process read a request,
    // so the GET sent as it started was answered when it ended (succeeded, 100 %).
    const seen: Job[] = [];
    for (;;) {
      const job = await get(server, location);
      seen.push(job);
      if (FINISHED.includes(job.status)) break;
    }
    expect(seen.at(-1)).toMatchObject({ status: 'succeeded', counts: { created: count } });
    const trail = JSON.stringify(seen.map((j) => [j.status, j.progress.percent]));
    const during = seen.filter(
      (j) => j.status === 'running' && j.progress.percent > 0 && j.progress.percent < 100,
    );
    expect(during.length, trail).toBeGreaterThan(0);
    for (const job of seen.filter((j) => j.status === 'running')) {
      expect(job.counts.created).toBe(job.progress.linesDone);
    }
  }, 240_000);
});
