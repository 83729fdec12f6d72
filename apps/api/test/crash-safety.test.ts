/**
 * The embedded database of `npm start` survives crashes: the API is spawned as its own process (as
 * `npm start` runs it, on the embedded PostgreSQL, here on a temporary data folder and a random port),
 * driven with continuous writes (single creates and per-record bulk imports) and killed with SIGKILL at
 * random moments, sometimes together with its PostgreSQL server. After every restart the database opens,
 * every write acknowledged with 2xx before the kill is there, and every accepted bulk job finishes with
 * each of its lines written exactly once.
 *
 * It tests the embedded mode itself, not the API on a given database, so it runs once: in the `pglite`
 * project (no DATABASE_URL), and is skipped in the `postgresql` project.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EMBEDDED_SETTINGS } from '../src/db/embedded-postgres.js';
import { syntheticCohort, syntheticLearner } from '../src/demo/cohort.js';

const require = createRequire(import.meta.url);
const tsxLoader = pathToFileURL(require.resolve('tsx/esm')).href;
const apiDir = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(apiDir, 'src', 'main.ts');

// Twelve rounds in the suite (four also kill PostgreSQL); CELR_CRASH_KILLS=50 for a longer trial.
const KILLS = Number(process.env.CELR_CRASH_KILLS ?? 12);
const JOB_LINES = 1200;
const SYSTEM = 'la-child-id:990';
const value = (n: number) => `NB-${String(n).padStart(6, '0')}`;

const root = mkdtempSync(join(tmpdir(), 'celr-crash-'));
// Run as root, the server runs as `nobody`, which must be able to enter the folder (mkdtemp makes it 0700).
chmodSync(root, 0o755);
const dataDir = join(root, 'postgres');
let server: Server | undefined;
afterAll(async () => {
  // Stop whatever is left (a normal stop: SIGTERM drains and stops the PostgreSQL server too).
  if (server) await server.stop();
  const pid = postmasterPid();
  if (pid) await killAndWait(pid, 'SIGINT');
  rmSync(root, { recursive: true, force: true });
});

const onPostgres = !!process.env.DATABASE_URL;

describe.skipIf(onPostgres)(
  'the embedded database under SIGKILL (pglite project only: it tests the embedded server itself)',
  () => {
    it(`keeps every acknowledged write over ${KILLS} SIGKILLs at random moments, and bulk jobs finish without duplicates`, async () => {
      const singlesAcked: number[] = [];
      const jobs: Array<{ location: string; from: number; verified: boolean }> = [];
      let nextSingle = 200_000;
      let nextJob = 300_000;
      const figures = {
        runs: 0,
        alsoKilledPostgres: 0,
        lostRuns: 0,
        singlesAcked: 0,
        jobsAcked: 0,
        startMs: [] as number[],
        checkMs: [] as number[],
      };

      for (let round = 0; round <= KILLS; round++) {
        const started = Date.now();
        server = await Server.start(dataDir);
        figures.startMs.push(Date.now() - started);
        if (round === 0) expect(server.printed()).toContain('CELR_KEY_ENCRYPTION_KEY is not set');
        const token = await server.token();

        // The database opened (after recovery). Check what was acknowledged before the last kill.
        const checking = Date.now();
        const lostBefore = await missingSingles(singlesAcked);
        for (const job of jobs.filter((j) => !j.verified)) {
          const done = await server.waitForJob(token, job.location);
          expect(done.status, JSON.stringify(done)).toBe('succeeded');
          expect(done.counts).toMatchObject({ created: JOB_LINES, failed: 0 });
          expect(await written(job.from, JOB_LINES)).toEqual({
            learners: JOB_LINES,
            identifiers: JOB_LINES,
            created: JOB_LINES,
          });
          job.verified = true;
        }
        figures.checkMs.push(Date.now() - checking);
        if (lostBefore.length) figures.lostRuns++;
        expect(lostBefore, 'acknowledged single creates missing after a restart').toEqual([]);
        if (round === KILLS) break;

        // Continuous writes: two single writers and one bulk import, killed at a random moment.
        let writing = true;
        const single = async () => {
          while (writing) {
            const n = nextSingle++;
            const status = await server!.post(
              token,
              '/v1/learners',
              JSON.stringify(syntheticLearner(n)),
              'application/json',
            );
            if (status === undefined) return;
            if (status >= 200 && status < 300) singlesAcked.push(n);
            else if (writing) throw new Error(`POST /v1/learners answered ${status}`);
          }
        };
        const bulk = async () => {
          const from = nextJob;
          nextJob += JOB_LINES;
          const res = await server!.request(
            token,
            'POST',
            '/v1/bulk/import?mode=per-record',
            syntheticCohort(JOB_LINES, from),
            'application/x-ndjson',
          );
          if (res?.status === 202)
            jobs.push({ location: res.headers.get('location')!, from, verified: false });
          else if (res && writing) throw new Error(`POST /v1/bulk/import answered ${res.status}`);
        };
        const writers = [single(), single(), bulk()];
        await sleep(300 + Math.random() * 2200);
        const alsoPostgres = round % 3 === 2;
        writing = false;
        await server.kill(alsoPostgres);
        await Promise.allSettled(writers);
        for (const w of writers) await w; // a writer that met a non-2xx answer before the kill fails the test
        figures.runs++;
        if (alsoPostgres) figures.alsoKilledPostgres++;
        server = undefined;
      }

      // Everything, once more, on the last server; and the server runs with the durable settings.
      expect(await missingSingles(singlesAcked)).toEqual([]);
      const settings = await query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'listen_addresses')`,
        [],
      );
      expect(Object.fromEntries(settings.map((s) => [s.name, s.setting]))).toEqual({
        fsync: 'on',
        synchronous_commit: 'on',
        full_page_writes: 'on',
        listen_addresses: EMBEDDED_SETTINGS.listen_addresses,
      });
      figures.singlesAcked = singlesAcked.length;
      figures.jobsAcked = jobs.length;
      console.log(
        `crash safety: ${figures.runs} SIGKILL runs (${figures.alsoKilledPostgres} also killed PostgreSQL), ` +
          `${figures.lostRuns} lost an acknowledged write; ${figures.singlesAcked} single creates and ` +
          `${figures.jobsAcked} bulk jobs of ${JOB_LINES} lines acknowledged, all present once; ` +
          `starts ${Math.min(...figures.startMs)}-${Math.max(...figures.startMs)} ms (first ${figures.startMs[0]} ms), ` +
          `checks after a restart (jobs finished) ${Math.min(...figures.checkMs)}-${Math.max(...figures.checkMs)} ms`,
      );
      // A normal stop (SIGTERM) drains the API and stops its PostgreSQL server too.
      const postgresPid = postmasterPid();
      expect(postgresPid).toBeDefined();
      await server!.stop();
      server = undefined;
      await sleep(200);
      expect(alive(postgresPid!), 'PostgreSQL still running after the API stopped').toBe(false);
      expect(figures.runs).toBe(KILLS);
      expect(jobs.length).toBeGreaterThan(KILLS / 2);
      expect(singlesAcked.length).toBeGreaterThan(KILLS);
      // Each round starts the API from its sources (tsx) and PostgreSQL with recovery (5-10 s on two
      // cores) and waits for the killed bulk job to be taken up again and finish (up to about 20 s).
    }, 900_000);
  },
);

/** Acknowledged single creates whose learner is not in the database. */
async function missingSingles(ns: number[]): Promise<number[]> {
  if (!ns.length) return [];
  const rows = await query<{ value: string }>(
    `SELECT DISTINCT value FROM learner_identifier WHERE system = $1 AND value = ANY($2::text[])`,
    [SYSTEM, ns.map(value)],
  );
  const present = new Set(rows.map((r) => r.value));
  return ns.filter((n) => !present.has(value(n)));
}

/** The learners of synthetic numbers from..from+count, their identifier rows, and their 'created' changes. */
async function written(from: number, count: number) {
  const values = Array.from({ length: count }, (_, i) => value(from + i));
  const [row] = await query<{ learners: number; identifiers: number; created: number }>(
    `SELECT count(DISTINCT i.learner_id)::int AS learners, count(*)::int AS identifiers,
            (SELECT count(*)::int FROM change c WHERE c.change = 'created'
               AND c.record_id IN (SELECT learner_id FROM learner_identifier WHERE system = $1 AND value = ANY($2::text[]))) AS created
     FROM learner_identifier i WHERE i.system = $1 AND i.value = ANY($2::text[])`,
    [SYSTEM, values],
  );
  return row!;
}

/** A query on the embedded server, as an operator would connect (port from postmaster.pid, the stored password). */
async function query<T>(text: string, params: unknown[]): Promise<T[]> {
  const port = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
  const password = readFileSync(join(dataDir, 'celr-password'), 'utf8').trim();
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'celr', password, database: 'celr' });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function postmasterPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

class Server {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly output: () => string,
  ) {}

  /** What the process has printed so far (stdout and stderr). */
  printed(): string {
    return this.output();
  }

  static async start(dir: string): Promise<Server> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', tsxLoader, '--conditions=@celr/source', MAIN], {
      cwd: apiDir,
      env: {
        ...process.env,
        DATABASE_URL: '',
        CELR_DATA_DIR: dir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        CELR_DEMO: 'true',
        // Unset, so the first start must warn that keys are stored in clear (checked below).
        CELR_KEY_ENCRYPTION_KEY: '',
        CELR_RATE_LIMIT_MAX: '1000000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    const server = new Server(child, `http://127.0.0.1:${port}`, () => out);
    const until = Date.now() + 120_000;
    while (!out.includes('CELR API')) {
      if (child.exitCode !== null)
        throw new Error(`the API exited during start (${child.exitCode}):\n${out}`);
      if (Date.now() > until) throw new Error(`the API did not start in 120 s:\n${out}`);
      await sleep(50);
    }
    return server;
  }

  async token(): Promise<string> {
    const res = await fetch(`${this.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=demo-northbridge&client_secret=demo-northbridge-secret',
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** The response, or undefined when the connection failed (the server was killed). */
  async request(token: string, method: string, path: string, body?: string, type?: string) {
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
      await res.arrayBuffer();
      return res;
    } catch {
      return undefined;
    }
  }

  async post(token: string, path: string, body: string, type: string) {
    return (await this.request(token, 'POST', path, body, type))?.status;
  }

  async waitForJob(token: string, location: string) {
    const until = Date.now() + 90_000;
    for (;;) {
      const res = await fetch(`${this.baseUrl}${location}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const job = (await res.json()) as { status: string; counts: Record<string, number> };
      if (!['queued', 'running', 'receiving'].includes(job.status)) return job;
      if (Date.now() > until)
        throw new Error(`job ${location} still ${job.status}:\n${this.output().slice(-2000)}`);
      await sleep(200);
    }
  }

  /** SIGKILL the API; with `postgres`, its PostgreSQL server and every one of its processes too. */
  async kill(postgres: boolean) {
    const pid = postgres ? postmasterPid() : undefined;
    const victims = pid ? [pid, ...childrenOf(pid)] : [];
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    for (const p of victims) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await exited;
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

async function killAndWait(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
}

/** The pids whose parent is `pid` (PostgreSQL's backends and auxiliary processes). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
