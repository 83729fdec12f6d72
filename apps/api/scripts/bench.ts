/**
 * How fast the CELR API serves, how fast it imports, and how much memory it takes, on PostgreSQL:
 * `npm run bench -w @celr/api`. Not a test; run it by hand on a quiet machine and put the figures in
 * the release note.
 *
 * One run:
 *   1. creates a fresh PostgreSQL database (createTestDatabase), migrates it, creates an English local
 *      authority with an API client, and loads the learners through the service layer (RecordService);
 *   2. starts a bare Fastify server (scripts/bench-server.ts bare) whose one route runs the same SQL
 *      statement the API's read sends (the record with its access check) with `pg`: the ceiling for reads;
 *   3. starts the API (scripts/bench-server.ts api: buildApp on the database), each server a separate
 *      Node process, so the load generator does not share their event loop and their memory is their own;
 *   4. runs autocannon against each: the bare read; the API's GET /v1/learners/{id} (rotating over the
 *      learners), GET /v1/learners?limit=50 and POST /v1/learners (unique bodies, Idempotency-Key); then
 *      again the two reads on a second API process with read auditing switched off (BENCH_NO_AUDIT=1,
 *      set for that process only), to show what the audit insert on every read costs;
 *   5. the bulk phase (`bulk`), against a ceiling measured in the same run and database:
 *      - writes the learners (src/demo/cohort.ts, a range of their own) as NDJSON to a temporary file, and
 *        the same learners' `record` rows as COPY text (id, kind, learner_id, jurisdiction, type, status,
 *        owner_id, written_by_id, version, data as jsonb) to another;
 *      - the ceiling: COPY ... FROM STDIN (pg-copy-streams) of that file into `bench_copy`, a table
 *        created `LIKE record INCLUDING ALL` (the same columns, defaults and indexes, no foreign keys),
 *        dropped afterwards. It loads ONE table: the record rows and nothing else;
 *      - starts an API process with the bulk import worker running (as src/main.ts starts it) and, for
 *        each mode (per-record, then all-or-nothing; each its own range of learners, all new),
 *        streams the file to POST /v1/bulk/import?mode=..., polls the job (every 250 ms) until it
 *        finishes, and checks status `succeeded` and counts.created == the learners. An import writes,
 *        per learner, a `record` row and a `record_version` row, `change` rows, `learner_access` rows,
 *        `learner_identifier` rows and an `audit_event` row (the report counts them), all checked
 *        (validation, access rules, identifier clashes) in the API;
 *      - reports records/s from the POST to the job's finishedAt (upload included) and over the worker's
 *        own startedAt -> finishedAt, the upload time, records/s by tenth of the file, the CPU used by
 *        the API process and PostgreSQL, the API's peak RSS, the ratio import/COPY against the aim, and
 *        where the worker's time went: every SQL statement the API process sent, timed from call to
 *        result in the process (scripts/bench-server.ts, BENCH_SQL_TIMING), the rest, and how busy the
 *        API's event loop was (JavaScript: parsing, validation, deciding, building parameters, Prisma);
 *        --profile says which JavaScript;
 *   6. prints the table and the aims, stops the servers, drops the database.
 *
 * Options (flags, or the BENCH_* environment variable in brackets):
 *   --duration <s>     measured seconds per run (BENCH_DURATION, default 10)
 *   --warmup <s>       unmeasured seconds before each run (BENCH_WARMUP, default 2)
 *   --connections <n>  concurrent connections (BENCH_CONNECTIONS, default 10)
 *   --learners <n>     learners loaded before the runs (BENCH_LEARNERS, default 2000)
 *   --runs <list>      which runs, comma-separated, of: bare,read,list,create,read-no-audit,list-no-audit,bulk
 *                      (BENCH_RUNS, default all); the learners are loaded only for the HTTP runs
 *   --only <list>      the same as --runs: `npm run bench -w @celr/api -- --only bulk` is the bulk phase alone
 *   --bulk-learners <n>  learners per import and in the COPY (BENCH_BULK_LEARNERS, default 100000)
 *   --bulk-modes <list>  import modes, of per-record,all-or-nothing (BENCH_BULK_MODES, default both)
 *   --no-idempotency   POST without Idempotency-Key (BENCH_IDEMPOTENCY=0)
 *   --log-level <lvl>  the API logs as src/main.ts does, at this level, to /dev/null (BENCH_LOG_LEVEL;
 *                      default: no logger, as buildApp's default)
 *   --runner <r>       how the servers run (BENCH_RUNNER): `bundle` (default) compiles bench-server.ts with
 *                      the API's sources into one file with esbuild and runs it with plain node, as
 *                      production runs dist/main.js; `tsx` runs the sources with `node --import tsx`,
 *                      whose loader adds to the servers' memory (the report says about how much);
 *                      `tsx` is the default with --profile, so that profiles name the source files
 *   --node-flags=<f>   extra Node/V8 flags for the server processes, e.g. --node-flags='--max-semi-space-size=8'
 *                      (BENCH_NODE_FLAGS); the environment (e.g. MALLOC_ARENA_MAX) is passed on too
 *   --profile          CPU-profile each API run (measured part only; for an import, the worker's run)
 *                      and print where the time goes;
 *                      the .cpuprofile files are kept (open them in Chrome DevTools). Lowers the figures.
 *   --json <file>      also write the results as JSON
 *   --quick            --duration 3 --warmup 1 --learners 300 --bulk-learners 2000, unless given
 *   BENCH_DATABASE_URL the PostgreSQL server to create the database on
 *                      (default postgresql://postgres@127.0.0.1:5432/postgres)
 *
 * Exits 0 when the runs complete, whether or not the aims are met; non-zero only on errors (an import
 * that does not succeed with every learner created is one).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { validate } from '@celr/schema';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createClient, createOrganisation } from '../src/admin/organisations.js';
import { AuditTrail } from '../src/audit/audit-trail.js';
import type { Caller } from '../src/auth/caller.js';
import { type Database, openDatabase, sqlThrough } from '../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../src/db/test-database.js';
import { syntheticCohort, syntheticLearner } from '../src/demo/cohort.js';
import { RecordService } from '../src/records/record-service.js';
import { indexedColumns } from '../src/records/representation.js';

// ---------------------------------------------------------------------------------------------------
// Options

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    learners: { type: 'string' },
    runs: { type: 'string' },
    only: { type: 'string' },
    'bulk-learners': { type: 'string' },
    'bulk-modes': { type: 'string' },
    'no-idempotency': { type: 'boolean' },
    'log-level': { type: 'string' },
    profile: { type: 'boolean' },
    'node-flags': { type: 'string' },
    runner: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean' },
  },
});
const env = process.env;
const quick = flags.quick ?? env.BENCH_QUICK === '1';
const numberOption = (
  flag: string | undefined,
  variable: string | undefined,
  normal: number,
  quickValue: number,
) => {
  const value = Number(flag ?? variable ?? (quick ? quickValue : normal));
  if (!Number.isFinite(value) || value < 0) throw new Error(`Not a number: ${flag ?? variable}`);
  return value;
};
const DURATION = numberOption(flags.duration, env.BENCH_DURATION, 10, 3);
const WARMUP = numberOption(flags.warmup, env.BENCH_WARMUP, 2, 1);
const CONNECTIONS = numberOption(flags.connections, env.BENCH_CONNECTIONS, 10, 10);
const LEARNERS = Math.max(numberOption(flags.learners, env.BENCH_LEARNERS, 2000, 300), CONNECTIONS);
const IDEMPOTENCY = !(flags['no-idempotency'] ?? env.BENCH_IDEMPOTENCY === '0');
const LOG_LEVEL = flags['log-level'] ?? env.BENCH_LOG_LEVEL;
const PROFILE = flags.profile ?? env.BENCH_PROFILE === '1';
// Profiles name the source files under tsx (the loader's work is done before a profile starts).
const RUNNER = flags.runner ?? env.BENCH_RUNNER ?? (PROFILE ? 'tsx' : 'bundle');
if (RUNNER !== 'bundle' && RUNNER !== 'tsx')
  throw new Error(`--runner is 'bundle' or 'tsx', not '${RUNNER}'.`);
// The server processes run with the settings `npm start` uses (apps/api/package.json, "serve"),
// so the memory measured is the memory a deployment sees.
const PRODUCTION_NODE_FLAGS = '--max-old-space-size=160';
const PRODUCTION_ENV = { MALLOC_ARENA_MAX: '2' };
const SERVER_NODE_FLAGS = flags['node-flags'] ?? env.BENCH_NODE_FLAGS ?? PRODUCTION_NODE_FLAGS;
const JSON_FILE = flags.json ?? env.BENCH_JSON;
const SERVER_URL = env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** The HTTP runs (autocannon); `bulk`, the bulk import phase, is the other. */
const ALL_RUNS = ['bare', 'read', 'list', 'create', 'read-no-audit', 'list-no-audit'] as const;
type RunKey = (typeof ALL_RUNS)[number];
const ALL_PHASES = [...ALL_RUNS, 'bulk'] as const;
if (flags.runs && flags.only) throw new Error('--only is another name for --runs: give one of them.');
const RUNS = new Set(
  (flags.only ?? flags.runs ?? env.BENCH_RUNS ?? ALL_PHASES.join(','))
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean),
);
for (const r of RUNS)
  if (!(ALL_PHASES as readonly string[]).includes(r))
    throw new Error(`Unknown run '${r}'; the runs are ${ALL_PHASES.join(', ')}.`);
const HTTP_RUNS = ALL_RUNS.filter((r) => RUNS.has(r));
const BULK = RUNS.has('bulk');
const BULK_LEARNERS = numberOption(flags['bulk-learners'], env.BENCH_BULK_LEARNERS, 100_000, 2000);
const BULK_MODE_NAMES = ['per-record', 'all-or-nothing'] as const;
type BulkMode = (typeof BULK_MODE_NAMES)[number];
const BULK_MODES = (flags['bulk-modes'] ?? env.BENCH_BULK_MODES ?? BULK_MODE_NAMES.join(','))
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean) as BulkMode[];
for (const m of BULK_MODES)
  if (!(BULK_MODE_NAMES as readonly string[]).includes(m))
    throw new Error(`Unknown import mode '${m}'; the modes are ${BULK_MODE_NAMES.join(', ')}.`);
if (BULK && (BULK_LEARNERS < 1 || BULK_MODES.length === 0))
  throw new Error('The bulk phase needs --bulk-learners >= 1 and at least one mode.');

/** The aims the release note states next to the figures. Missing them is reported, not an error. */
const AIMS = { readRatio: 0.5, peakRssMb: 300, bulkOverCopy: 0.2 };

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const serverEntry = join(apiDir, 'scripts', 'bench-server.ts');
// Inside the package, so that the bundle's imports of dependencies resolve as the sources' do.
const bundleDir = join(apiDir, 'node_modules', '.cache', 'celr-bench');
const startedAt = performance.now();
/** The 1-minute load average when the run began: other work on the machine skews every figure. */
const loadAtStart = loadavg()[0] ?? 0;
const log = (message: string) =>
  console.log(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);

// ---------------------------------------------------------------------------------------------------
// autocannon (no type declarations are installed; these are the parts used here)

interface Histogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
}
interface AutocannonResult {
  requests: Histogram;
  latency: Histogram;
  throughput: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}
interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  timeout?: number;
  headers?: Record<string, string>;
  method?: string;
  requests?: { method?: string; path?: string; setupRequest?: (request: RawRequest) => RawRequest }[];
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: AutocannonOptions,
) => Promise<AutocannonResult>;

// ---------------------------------------------------------------------------------------------------
// Servers, each its own Node process (scripts/bench-server.ts)

interface ServerStats {
  peakRss: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** What an API process with BENCH_SQL_TIMING=1 timed: SQL statements (call to result), and its event loop. */
interface SqlTiming {
  statements: { label: string; calls: number; ms: number }[];
  /** Time the event loop ran JavaScript rather than waited for I/O, and that time's share of the whole. */
  eventLoop: { activeMs: number; utilization: number };
}

interface Server {
  label: string;
  url: string;
  pid: number;
  /** Peak RSS in bytes since the last resetPeak(): VmHWM where /proc has it, else sampled every 100 ms. */
  peakRss(): Promise<number>;
  resetPeak(): void;
  stats(): Promise<ServerStats>;
  profile(file: string): Promise<() => Promise<void>>;
  /** BENCH_SQL_TIMING: start timing afresh. */
  timingStart(): Promise<void>;
  /** BENCH_SQL_TIMING: what was timed since the last start; `restart` goes on timing afresh. */
  timingStop(restart?: boolean): Promise<SqlTiming>;
  stop(): Promise<void>;
}

const running = new Set<Server>();

async function startServer(
  label: string,
  mode: 'api' | 'bare',
  extraEnv: Record<string, string>,
): Promise<Server> {
  const nodeFlags = SERVER_NODE_FLAGS ? SERVER_NODE_FLAGS.split(/\s+/).filter(Boolean) : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, ...serverCommand, mode], {
    cwd: apiDir,
    // Tokens outlive the run, and the per-client rate limit (src/http/hardening.ts) is raised out of reach:
    // the limiter still runs on every request, it just never refuses one.
    env: {
      ...PRODUCTION_ENV,
      ...process.env,
      CELR_TOKEN_TTL_SECONDS: '86400',
      CELR_RATE_LIMIT_MAX: '1000000000',
      ...extraEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${label}: could not start a Node process.`);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    exited = true;
  });

  const reply = <T>(type: string, request: object, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`${label}: no '${type}' message within ${timeoutMs / 1000} s.`)),
        timeoutMs,
      );
      const onMessage = (message: { type?: string; error?: string }) => {
        if (message.type !== type) return;
        done(message.error ? new Error(`${label}: ${message.error}`) : undefined, message as T);
      };
      const onExit = (code: number | null) =>
        done(new Error(`${label} exited (code ${code}) before answering '${type}'.`));
      function done(error?: Error, value?: T) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(value as T);
      }
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (Object.keys(request).length) child.send(request);
    });

  let port: number;
  try {
    ({ port } = await reply<{ port: number }>('ready', {}, 120_000));
  } catch (error) {
    if (!exited) child.kill('SIGKILL');
    throw error;
  }

  const stats = () => reply<ServerStats>('stats', { type: 'stats' });
  const server: Server = {
    label,
    url: `http://127.0.0.1:${port}`,
    pid,
    stats,
    async peakRss() {
      const hwm = readVmHwm(pid);
      return hwm ?? (await stats()).peakRss;
    },
    resetPeak() {
      try {
        // Resets VmHWM to the current RSS (Linux, own processes).
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // Not Linux: the sampled peak (reset below) is what there is.
      }
      child.send({ type: 'reset-peak' });
    },
    async profile(file: string) {
      await reply('profile-started', { type: 'profile-start' });
      return async () => {
        await reply('profile-written', { type: 'profile-stop', file }, 60_000);
      };
    },
    async timingStart() {
      await reply('timing-started', { type: 'timing-start' });
    },
    timingStop(restart = false) {
      return reply<SqlTiming>('timing', { type: 'timing-stop', restart });
    },
    async stop() {
      running.delete(server);
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
  running.add(server);
  return server;
}

function readVmHwm(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How the servers run. `bundle` (the default): scripts/bench-server.ts and the API's sources (and
 * @celr/schema's) compiled by esbuild into one ES module, dependencies left as imports, run by plain
 * `node` as `node dist/main.js` runs in production; no loader sits in the process, so its memory is the
 * API's own. `tsx`: `node --import tsx` on the sources; the tsx loader then adds to each server's RSS
 * (reported), and more the more code it loads.
 */
async function prepareServerCommand(): Promise<string[]> {
  if (RUNNER === 'tsx') return ['--conditions=@celr/source', '--import', 'tsx', serverEntry];
  // esbuild comes with tsx; it is not a dependency of this package, so it is looked up, not imported.
  type Esbuild = { build(options: object): Promise<unknown> };
  const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
  const workspace = ['@celr/schema'];
  rmSync(bundleDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [serverEntry],
    outdir: bundleDir,
    outExtension: { '.js': '.mjs' },
    // The API's modules in their own chunk, loaded only by `api` mode (bench-server imports them dynamically).
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    conditions: ['@celr/source'],
    plugins: [
      // Every package import stays an import, resolved from node_modules at run time, except the workspace's.
      {
        name: 'dependencies-external',
        setup(build: {
          onResolve(options: object, callback: (args: { path: string }) => object | undefined): void;
        }) {
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            workspace.some((w) => args.path === w || args.path.startsWith(`${w}/`))
              ? undefined
              : { path: args.path, external: true },
          );
        },
      },
    ],
    logLevel: 'warning',
  });
  return [join(bundleDir, 'bench-server.mjs')];
}
let serverCommand: string[] = [];

/**
 * What the tsx loader itself adds to a process's peak RSS: an idle process started as the servers are,
 * less a plain `node` one. The servers run TypeScript through tsx; production runs `node dist/main.js`.
 */
async function loaderOverhead(): Promise<number | undefined> {
  const idlePeak = async (args: string[]) => {
    const child = spawn(process.execPath, [...args, '-e', 'setTimeout(() => {}, 5000)'], {
      cwd: apiDir,
      stdio: 'ignore',
    });
    const exit = new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const peak = child.pid === undefined ? undefined : readVmHwm(child.pid);
    child.kill();
    await exit;
    return peak;
  };
  const [withTsx, plain] = [
    await idlePeak(['--conditions=@celr/source', '--import', 'tsx']),
    await idlePeak([]),
  ];
  return withTsx !== undefined && plain !== undefined ? withTsx - plain : undefined;
}

/**
 * CPU time used so far, in ms: the server process, all local PostgreSQL processes, and this process
 * (the load generator). Linux only (/proc); elsewhere the server and PostgreSQL figures are undefined.
 * PostgreSQL's includes the backends that have exited (the postmaster's reaped children), so a
 * connection closed between two snapshots does not take its CPU time with it.
 */
interface CpuSnapshot {
  server?: number;
  postgres?: number;
  client: number;
}
const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10;
  }
})();
function cpuOf(pid: number | string, withExitedChildren = false): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces): state is field 3, utime 14, stime 15,
    // and the children waited for: cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const children = withExitedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (Number(fields[11]) + Number(fields[12]) + children) * TICK_MS;
  } catch {
    return undefined;
  }
}
function cpuSnapshot(serverPid: number): CpuSnapshot {
  let postgres: number | undefined;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let comm: string;
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (comm !== 'postgres') continue;
      postgres = (postgres ?? 0) + (cpuOf(pid, true) ?? 0);
    }
  } catch {
    // No /proc.
  }
  const self = process.cpuUsage();
  return { server: cpuOf(serverPid), postgres, client: (self.user + self.system) / 1000 };
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

// ---------------------------------------------------------------------------------------------------
// CPU profiles: where the time goes

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const path = url.replace(/^file:\/\//, '');
  const inApi = /\/apps\/api\/(src\/.*)$/.exec(path)?.[1];
  if (inApi) return `api ${inApi.replace(/\.ts$/, '')}`;
  if (/\/packages\/schema\//.test(path)) return '@celr/schema';
  return relative(apiDir, path);
}

function summariseProfile(file: string, top = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfByNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const onStackByArea = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfByNode) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += micros;
    const frame = node.callFrame;
    const where = frame.url ? `${areaOf(frame)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where ? `  ${where}` : ''}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + micros);
    selfByArea.set(areaOf(frame), (selfByArea.get(areaOf(frame)) ?? 0) + micros);
    // Time with each area anywhere on the stack (its own code and what it calls).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n && n.callFrame.functionName !== '(root)') seen.add(areaOf(n.callFrame));
    }
    for (const area of seen) onStackByArea.set(area, (onStackByArea.get(area) ?? 0) + micros);
  }
  const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`;
  const ranked = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => `    ${pct(micros)}  ${name}`);
  return [
    `  CPU busy ${(busy / 1e6).toFixed(1)} s in the measured run. Self time by function (top ${top}):`,
    ...ranked(selfByFunction, top),
    '  Self time by package or file:',
    ...ranked(selfByArea, 15),
    '  Time on the stack (the code and everything it calls, synchronously):',
    ...ranked(onStackByArea, 15),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The run

interface RunResult {
  key: RunKey;
  label: string;
  server: string;
  requestsPerSecond: number;
  requests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  peakRssMb: number;
  auditEvents?: number;
  /** CPU time per request, in ms, of the server process, PostgreSQL and the load generator. */
  cpuMsPerRequest: { server?: number; postgres?: number; client: number };
  profile?: string;
}

const LABELS: Record<RunKey, string> = {
  bare: 'bare  GET /learners/{id}  (pg, same SQL)',
  read: 'API   GET /v1/learners/{id}',
  list: 'API   GET /v1/learners?limit=50',
  create: `API   POST /v1/learners${IDEMPOTENCY ? ' (Idempotency-Key)' : ''}`,
  'read-no-audit': 'API   GET /v1/learners/{id}       no read audit',
  'list-no-audit': 'API   GET /v1/learners?limit=50   no read audit',
};

const MB = 1024 * 1024;
const results: RunResult[] = [];
const serverPeaks: { label: string; peakRssMb: number; idleRssMb: number; heapUsedMb: number }[] = [];
/** Stops a server, keeping its peak and idle memory for the report. */
async function stopAndRecordPeak(server: Server, label: string, peak: number) {
  const stats = await server.stats();
  serverPeaks.push({
    label,
    peakRssMb: peak / MB,
    idleRssMb: stats.rss / MB,
    heapUsedMb: stats.heapUsed / MB,
  });
  await server.stop();
}
let testDb: TestDatabase | undefined;
let db: Database | undefined;
const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'celr-bench-profile-')) : undefined;
/** The bulk phase's NDJSON and COPY files, removed at the end. */
let bulkDir: string | undefined;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled([...running].map((s) => s.stop()));
    await db?.close().catch(() => {});
    await testDb?.drop();
    if (bulkDir) rmSync(bulkDir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and dropping the database.`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------------
// The bulk phase: imports over HTTP, and COPY of the same records as the ceiling

async function bearer(server: Server, client: { clientId: string; secret: string }) {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.secret,
    }),
  });
  if (res.status !== 200) throw new Error(`POST /oauth/token: ${res.status} ${await res.text()}`);
  return { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
}

/** The tables an import of learners writes (src/bulk/block-import.ts). */
const IMPORT_TABLES = [
  'record',
  'record_version',
  'change',
  'learner_access',
  'learner_identifier',
  'audit_event',
] as const;
type ImportTable = (typeof IMPORT_TABLES)[number];
type TableCounts = Record<ImportTable, number> & { bytes: number };

/** Rows in each of the import's tables, and the bytes of all of them with their indexes and TOAST. */
async function tableCounts(): Promise<TableCounts> {
  const [row] = await (db as Database).sql<Record<string, string>>(
    `SELECT ${IMPORT_TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')},
            ${IMPORT_TABLES.map((t) => `pg_total_relation_size('${t}')`).join(' + ')} AS bytes`,
    [],
  );
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)])) as TableCounts;
}

/** Each load starts from a clean checkpoint, so that neither pays for the other's dirty pages. */
async function checkpoint() {
  try {
    await (db as Database).sql('CHECKPOINT', []);
  } catch {
    // Not a superuser: the loads share the checkpoints as they fall.
  }
}

/** Writes `count` lines, made a thousand at a time by `chunk(first, n)`, to `file`; returns its size. */
async function writeLines(file: string, count: number, chunk: (first: number, n: number) => string) {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i += 1000) {
    if (!out.write(chunk(i, Math.min(1000, count - i)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return statSync(file).size;
}

/** The record columns COPY fills; created_at and updated_at take their default, now(), as an import's do. */
const COPY_COLUMNS =
  'id, kind, learner_id, jurisdiction, type, status, owner_id, written_by_id, version, data';
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** A field in COPY's text format: NULL is \N; backslash, newline, carriage return and tab are escaped. */
const copyField = (value: string | null) =>
  value === null ? '\\N' : value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c] as string);

/** Learners `from` to `from + count - 1` as the `record` rows an import makes of them, in COPY text. */
function copyRows(from: number, count: number, orgId: string): string {
  let text = '';
  for (let n = from; n < from + count; n++) {
    const data = syntheticLearner(n);
    const id = randomUUID();
    const { jurisdiction, type, status } = indexedColumns('learner', data);
    const fields = [id, 'learner', id, jurisdiction, type, status, orgId, orgId, '1', JSON.stringify(data)];
    text += `${fields.map(copyField).join('\t')}\n`;
  }
  return text;
}

interface CopyResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** The COPY text sent. */
  inputBytes: number;
  /** bench_copy afterwards, with its indexes and TOAST. */
  tableBytes: number;
  indexes: number;
  cpuSeconds: { postgres?: number; client: number };
}

/** The ceiling: one COPY of the records' rows into a table like `record`, in the bench's database. */
async function copyCeiling(url: string, file: string, rows: number): Promise<CopyResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_copy');
    await client.query('CREATE TABLE bench_copy (LIKE record INCLUDING ALL)');
    const indexes = Number(
      (
        await client.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'bench_copy'",
        )
      ).rows[0]?.n,
    );
    await checkpoint();
    const cpuBefore = cpuSnapshot(process.pid);
    const started = performance.now();
    const copy = client.query(copyFrom(`COPY bench_copy (${COPY_COLUMNS}) FROM STDIN`));
    await pipeline(createReadStream(file), copy);
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuSnapshot(process.pid);
    const stored = await client.query<{ n: string; bytes: string }>(
      "SELECT count(*) AS n, pg_total_relation_size('bench_copy') AS bytes FROM bench_copy",
    );
    const counted = Number(stored.rows[0]?.n);
    if (counted !== rows || copy.rowCount !== rows)
      throw new Error(`COPY loaded ${copy.rowCount} rows (${counted} in bench_copy), not ${rows}.`);
    const cpu = (after?: number, before?: number) =>
      after === undefined || before === undefined ? undefined : (after - before) / 1000;
    return {
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      inputBytes: statSync(file).size,
      tableBytes: Number(stored.rows[0]?.bytes),
      indexes,
      cpuSeconds: {
        postgres: cpu(cpuAfter.postgres, cpuBefore.postgres),
        client: cpu(cpuAfter.client, cpuBefore.client) ?? 0,
      },
    };
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_copy').catch(() => {});
    await client.end();
  }
}

/** A job as GET /v1/bulk/import/{id} shows it (the parts read here). */
interface ImportJob {
  id: string;
  status: string;
  lines: number;
  progress: { linesDone: number };
  counts: { created: number; updated: number; unchanged: number; failed: number };
  startedAt?: string;
  finishedAt?: string;
  problem?: unknown;
  links: { errors: string };
}
const FINISHED = new Set(['succeeded', 'partially-succeeded', 'failed']);
const POLL_MS = 250;

/** Streams the file as the body of the POST; resolves with the answer once it has all arrived. */
function upload(url: string, headers: Record<string, string>, file: string, bytes: number) {
  return new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/x-ndjson',
          'content-length': String(bytes),
          'idempotency-key': randomUUID(),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    pipeline(createReadStream(file), req).catch(reject);
  });
}

interface ImportResult {
  mode: BulkMode;
  learners: number;
  firstLearner: number;
  /** POST sent -> 202 received: the file streamed into the job's blocks. */
  uploadSeconds: number;
  /** 202 received -> the worker's startedAt. */
  queuedSeconds: number;
  /** The worker's startedAt -> finishedAt. */
  workerSeconds: number;
  /** POST sent -> the job's finishedAt: what a client waits. */
  totalSeconds: number;
  recordsPerSecond: number;
  workerRecordsPerSecond: number;
  /** Records/s over each tenth of the file (from the job's progress, polled), when the file is large enough. */
  byTenth?: number[];
  peakRssMb: number;
  /** CPU seconds from the POST to the end: the API process, all PostgreSQL processes, this process. */
  cpuSeconds: { server?: number; postgres?: number; client: number };
  /** Rows the import added to each table, and the bytes the tables grew by (indexes and TOAST included). */
  rowsWritten: Record<ImportTable, number>;
  bytesWritten: number;
  upload: SqlTiming;
  worker: SqlTiming;
  profile?: string;
}

async function importOnce(
  server: Server,
  headers: Record<string, string>,
  mode: BulkMode,
  file: string,
  firstLearner: number,
): Promise<ImportResult> {
  const bytes = statSync(file).size;
  const before = await tableCounts();
  await checkpoint();
  server.resetPeak();
  const profileFile = profileDir ? join(profileDir, `bulk-${mode}.cpuprofile`) : undefined;
  const cpuBefore = cpuSnapshot(server.pid);
  await server.timingStart();
  const postedAt = Date.now();
  const answer = await upload(`${server.url}/v1/bulk/import?mode=${mode}`, headers, file, bytes);
  const answeredAt = Date.now();
  const upload_ = await server.timingStop(true);
  if (answer.status !== 202 || !answer.location)
    throw new Error(`POST /v1/bulk/import?mode=${mode}: ${answer.status} ${answer.body.slice(0, 2000)}`);
  const stopProfile = profileFile ? await server.profile(profileFile) : undefined;

  // Progress over time, as the job reports it (a per-record job after each block's commit).
  const samples: { at: number; lines: number }[] = [];
  let job: ImportJob;
  let lastProgress = Date.now();
  for (;;) {
    const res = await fetch(`${server.url}${answer.location}`, { headers });
    if (res.status !== 200) throw new Error(`GET ${answer.location}: ${res.status} ${await res.text()}`);
    job = (await res.json()) as ImportJob;
    const now = Date.now();
    if (job.progress.linesDone !== samples.at(-1)?.lines) lastProgress = now;
    samples.push({ at: now, lines: job.progress.linesDone });
    if (FINISHED.has(job.status)) break;
    if (now - lastProgress > 10 * 60_000)
      throw new Error(`The ${mode} import made no progress for 10 minutes: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const worker = await server.timingStop();
  await stopProfile?.();
  const cpuAfter = cpuSnapshot(server.pid);
  const peak = await server.peakRss();

  if (job.status !== 'succeeded' || job.counts.created !== BULK_LEARNERS || job.counts.failed !== 0) {
    const errors = await fetch(`${server.url}${job.links.errors}?limit=5`, { headers })
      .then((r) => r.text())
      .catch((e) => String(e));
    throw new Error(
      `The ${mode} import did not create every learner: ${JSON.stringify(job)}; first errors: ${errors.slice(0, 2000)}`,
    );
  }
  const after = await tableCounts();
  const startedAt = Date.parse(job.startedAt as string);
  const finishedAt = Date.parse(job.finishedAt as string);
  const workerSeconds = (finishedAt - startedAt) / 1000;
  const totalSeconds = (finishedAt - postedAt) / 1000;
  const cpu = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : (a - b) / 1000);

  // Records/s by tenth: from the worker's start, each tenth ends at the first poll that saw it done.
  let byTenth: number[] | undefined;
  if (BULK_LEARNERS >= 20_000) {
    byTenth = [];
    let from = { at: startedAt, lines: 0 };
    for (let k = 1; k <= 10; k++) {
      const to = samples.find((s) => s.lines >= Math.round((BULK_LEARNERS * k) / 10));
      if (!to || to.at <= from.at) {
        byTenth = undefined;
        break;
      }
      byTenth.push((to.lines - from.lines) / ((to.at - from.at) / 1000));
      from = to;
    }
  }

  return {
    mode,
    learners: BULK_LEARNERS,
    firstLearner,
    uploadSeconds: (answeredAt - postedAt) / 1000,
    queuedSeconds: Math.max(0, (startedAt - answeredAt) / 1000),
    workerSeconds,
    totalSeconds,
    recordsPerSecond: BULK_LEARNERS / totalSeconds,
    workerRecordsPerSecond: BULK_LEARNERS / workerSeconds,
    ...(byTenth ? { byTenth } : {}),
    peakRssMb: peak / MB,
    cpuSeconds: {
      server: cpu(cpuAfter.server, cpuBefore.server),
      postgres: cpu(cpuAfter.postgres, cpuBefore.postgres),
      client: cpu(cpuAfter.client, cpuBefore.client) ?? 0,
    },
    rowsWritten: Object.fromEntries(IMPORT_TABLES.map((t) => [t, after[t] - before[t]])) as Record<
      ImportTable,
      number
    >,
    bytesWritten: after.bytes - before.bytes,
    upload: upload_,
    worker,
    ...(profileFile ? { profile: profileFile } : {}),
  };
}

interface BulkResult {
  learners: number;
  ndjsonBytes: number;
  copy: CopyResult;
  imports: ImportResult[];
}

async function bulkPhase(
  url: string,
  orgId: string,
  client: { clientId: string; secret: string },
): Promise<BulkResult> {
  bulkDir = mkdtempSync(join(tmpdir(), 'celr-bench-bulk-'));
  // Each import its own learners, all new (so every line creates), far from the HTTP runs' learners.
  const span = Math.ceil(BULK_LEARNERS / 1_000_000) * 1_000_000;
  const firstOf = (mode: BulkMode) => span * (BULK_MODE_NAMES.indexOf(mode) + 1);
  for (const mode of BULK_MODES) {
    for (const n of [firstOf(mode), firstOf(mode) + BULK_LEARNERS - 1]) {
      const check = validate('learner', syntheticLearner(n));
      if (!check.ok) throw new Error(`Learner ${n} is not valid: ${JSON.stringify(check.issues)}`);
    }
  }

  const generated = performance.now();
  const files = new Map<BulkMode, string>();
  let ndjsonBytes = 0;
  for (const mode of BULK_MODES) {
    const file = join(bulkDir, `${mode}.ndjson`);
    ndjsonBytes = await writeLines(file, BULK_LEARNERS, (i, n) => syntheticCohort(n, firstOf(mode) + i));
    files.set(mode, file);
  }
  // The same learners as the first import's, as the record rows it makes of them.
  const copyFile = join(bulkDir, 'record.copy');
  const copyFirst = firstOf(BULK_MODES[0] as BulkMode);
  await writeLines(copyFile, BULK_LEARNERS, (i, n) => copyRows(copyFirst + i, n, orgId));
  log(
    `bulk: ${BULK_MODES.length} NDJSON file(s) of ${BULK_LEARNERS} learners (${(ndjsonBytes / MB).toFixed(0)} MB each) ` +
      `and their COPY text written in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
  );

  const copy = await copyCeiling(url, copyFile, BULK_LEARNERS);
  log(
    `COPY of ${BULK_LEARNERS} record rows into bench_copy: ${copy.seconds.toFixed(1)} s, ${copy.rowsPerSecond.toFixed(0)} rows/s`,
  );

  const label = 'API (bulk import)';
  const extraEnv: Record<string, string> = {
    DATABASE_URL: url,
    BENCH_BULK_WORKER: '1',
    BENCH_SQL_TIMING: '1',
    // The API's limits, raised only if the file would not fit them.
    ...(BULK_LEARNERS > 200_000 ? { CELR_BULK_MAX_LINES: String(BULK_LEARNERS) } : {}),
    ...(ndjsonBytes > 256 * MB ? { CELR_BULK_MAX_BYTES: String(ndjsonBytes) } : {}),
  };
  if (LOG_LEVEL) extraEnv.BENCH_LOG_LEVEL = LOG_LEVEL;
  const server = await startServer(label, 'api', extraEnv);
  let peak = await server.peakRss();
  log(
    `${label} listening on ${server.url} (pid ${server.pid}, ${(peak / MB).toFixed(0)} MB peak RSS at start)`,
  );
  const headers = await bearer(server, client);
  const imports: ImportResult[] = [];
  for (const mode of BULK_MODES) {
    const result = await importOnce(server, headers, mode, files.get(mode) as string, firstOf(mode));
    imports.push(result);
    peak = Math.max(peak, result.peakRssMb * MB);
    log(
      `${mode} import of ${BULK_LEARNERS} learners: ${result.recordsPerSecond.toFixed(0)} records/s from the POST ` +
        `(${result.totalSeconds.toFixed(1)} s; upload ${result.uploadSeconds.toFixed(1)} s, worker ${result.workerSeconds.toFixed(1)} s), ` +
        `${result.peakRssMb.toFixed(0)} MB peak RSS`,
    );
  }
  await stopAndRecordPeak(server, label, peak);
  rmSync(bulkDir, { recursive: true, force: true });
  return { learners: BULK_LEARNERS, ndjsonBytes, copy, imports };
}

/** The bulk phase's part of the report. */
function bulkReport(bulk: BulkResult, pgVersion: string): string[] {
  const { copy } = bulk;
  const s = (v: number | undefined, digits = 1) => (v === undefined ? '?' : v.toFixed(digits));
  const row = (cells: string[], widths: number[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const widths = [16, 9, 9, 13, 10, 12, 8, 9, 16];
  const lines = [
    `Bulk import of ${bulk.learners} learners on PostgreSQL ${pgVersion} (NDJSON ${(bulk.ndjsonBytes / MB).toFixed(0)} MB, ` +
      `uploaded over HTTP as a stream; each import its own ${bulk.learners} new learners; COPY first, then the imports)`,
    '',
    row(
      [
        'load',
        'upload s',
        'worker s',
        'POST->end s',
        'records/s',
        'worker rec/s',
        '/ COPY',
        'peak RSS',
        'CPU s API / pg',
      ],
      widths,
    ),
    row(
      widths.map((w) => '-'.repeat(w)),
      widths,
    ),
    row(
      [
        'COPY (ceiling)',
        '-',
        '-',
        s(copy.seconds),
        copy.rowsPerSecond.toFixed(0),
        '-',
        '1.00',
        '-',
        `- / ${s(copy.cpuSeconds.postgres)}`,
      ],
      widths,
    ),
    ...bulk.imports.map((r) =>
      row(
        [
          r.mode,
          s(r.uploadSeconds),
          s(r.workerSeconds),
          s(r.totalSeconds),
          r.recordsPerSecond.toFixed(0),
          r.workerRecordsPerSecond.toFixed(0),
          (r.recordsPerSecond / copy.rowsPerSecond).toFixed(2),
          `${r.peakRssMb.toFixed(0)} MB`,
          `${s(r.cpuSeconds.server)} / ${s(r.cpuSeconds.postgres)}`,
        ],
        widths,
      ),
    ),
    '',
    'records/s: learners / (POST sent -> the job finishedAt), upload included; worker rec/s: over the job startedAt -> finishedAt.',
    'CPU s: CPU seconds of the API process and of all PostgreSQL processes from the POST to the end (for COPY, of the COPY).',
    '',
    'What is compared (they are not the same work):',
    `  COPY loads ONE table: ${copy.rows} rows into bench_copy (LIKE record INCLUDING ALL: record's columns, defaults and ` +
      `${copy.indexes} indexes; no foreign keys, no checks), ${(copy.inputBytes / MB).toFixed(0)} MB of COPY text, ` +
      `${(copy.tableBytes / MB).toFixed(0)} MB stored; one statement, one transaction; the text made beforehand, not timed.`,
  ];
  for (const r of bulk.imports) {
    const rows = IMPORT_TABLES.map((t) => `${t} ${r.rowsWritten[t]}`).join(', ');
    const total = IMPORT_TABLES.reduce((sum, t) => sum + r.rowsWritten[t], 0);
    lines.push(
      `  The ${r.mode} import checks every line (JSON, validation, scope, access, identifier clashes) and writes ` +
        `${total} rows in ${IMPORT_TABLES.length} tables (${rows}), ${(r.bytesWritten / MB).toFixed(0)} MB with indexes, ` +
        `with foreign keys checked; ${r.mode === 'per-record' ? 'a transaction per block of 1000 lines' : 'one transaction'}; ` +
        'and the upload stores the file in bulk_import_block first.',
    );
  }
  lines.push('');
  for (const r of bulk.imports) {
    const ratio = r.recordsPerSecond / copy.rowsPerSecond;
    lines.push(
      `${`Bulk ${r.mode} / COPY:`.padEnd(39)}${ratio.toFixed(2)}   (aim >= ${AIMS.bulkOverCopy}: ${ratio >= AIMS.bulkOverCopy ? 'met' : 'MISSED'}; ` +
        `worker time alone: ${(r.workerRecordsPerSecond / copy.rowsPerSecond).toFixed(2)})`,
    );
  }
  for (const r of bulk.imports) {
    lines.push('', `Where the ${r.mode} import's time went:`);
    const uploadSql = r.upload.statements.reduce((sum, t) => sum + t.ms, 0);
    const blocks = r.upload.statements.find((t) => t.label.startsWith('INSERT INTO bulk_import_block'));
    lines.push(
      `  upload ${s(r.uploadSeconds)} s (POST -> 202): SQL ${s(uploadSql / 1000)} s` +
        (blocks
          ? `, of which INSERT INTO bulk_import_block ${blocks.calls} x ${(blocks.ms / blocks.calls).toFixed(1)} ms`
          : '') +
        `; queued ${s(r.queuedSeconds, 2)} s before the worker took it`,
    );
    if (r.byTenth)
      lines.push(`  records/s by tenth of the file: ${r.byTenth.map((v) => v.toFixed(0)).join(', ')}`);
    if (r.cpuSeconds.server !== undefined && r.cpuSeconds.postgres !== undefined) {
      lines.push(
        `  CPU over the ${s(r.totalSeconds)} s: API process ${s(r.cpuSeconds.server)} s (${((100 * r.cpuSeconds.server) / r.totalSeconds).toFixed(0)} % of one core), ` +
          `PostgreSQL ${s(r.cpuSeconds.postgres)} s (${((100 * r.cpuSeconds.postgres) / r.totalSeconds).toFixed(0)} %), ` +
          `this process ${s(r.cpuSeconds.client)} s; ${availableParallelism()} cores in all`,
      );
    }
    const workerMs = r.workerSeconds * 1000;
    const sqlMs = r.worker.statements.reduce((sum, t) => sum + t.ms, 0);
    const pct = (ms: number) => `${((100 * ms) / workerMs).toFixed(1).padStart(5)} %`;
    lines.push(
      `  worker ${s(r.workerSeconds)} s = 100 %. SQL statements, wall time from call to result in the API process ` +
        '(polls of the job included; they run beside the worker):',
      `    ${'total s'.padStart(8)}  ${'share'.padStart(7)}  ${'calls'.padStart(6)}  ${'ms/call'.padStart(8)}  statement`,
    );
    const ranked = [...r.worker.statements].sort((a, b) => b.ms - a.ms);
    const shown = ranked.slice(0, 20);
    for (const t of shown) {
      lines.push(
        `    ${s(t.ms / 1000, 2).padStart(8)}  ${pct(t.ms)}  ${String(t.calls).padStart(6)}  ${(t.ms / t.calls).toFixed(2).padStart(8)}  ${t.label}`,
      );
    }
    const rest = ranked.slice(shown.length);
    if (rest.length) {
      const ms = rest.reduce((sum, t) => sum + t.ms, 0);
      lines.push(
        `    ${s(ms / 1000, 2).padStart(8)}  ${pct(ms)}  ${String(rest.reduce((n, t) => n + t.calls, 0)).padStart(6)}  ${''.padStart(8)}  (${rest.length} other statements)`,
      );
    }
    const loop = r.worker.eventLoop;
    lines.push(
      `    ${s(sqlMs / 1000, 2).padStart(8)}  ${pct(sqlMs)}  all SQL (statements that overlap, e.g. the polls beside the worker, count each)`,
      `    ${s((workerMs - sqlMs) / 1000, 2).padStart(8)}  ${pct(workerMs - sqlMs)}  the rest: the worker not waiting for a statement`,
      `  The API's event loop ran JavaScript for ${s(loop.activeMs / 1000)} s (${(100 * loop.utilization).toFixed(0)} % of the time from the 202 to the end): ` +
        "parsing and validating lines, deciding, building parameters, Prisma's engine, the polls. A statement's time " +
        'above includes any wait for the loop to take its result; --profile says which JavaScript.',
    );
  }
  return lines;
}

async function main() {
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const phases = [
    ...(HTTP_RUNS.length
      ? [
          `${HTTP_RUNS.join(', ')}: ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, ${LEARNERS} learners`,
        ]
      : []),
    ...(BULK ? [`bulk: ${BULK_LEARNERS} learners, ${BULK_MODES.join(' and ')} imports against COPY`] : []),
  ];
  console.log(
    `CELR API benchmark: ${phases.join('; ')}; ` +
      `Node ${process.version}, ${availableParallelism()} CPUs (${cpuModel}); load generator, servers and PostgreSQL share them.`,
  );

  serverCommand = await prepareServerCommand();

  // 1. Database, organisation, client, learners.
  testDb = await createTestDatabase(SERVER_URL);
  const url = testDb.url as string;
  log(`database ${new URL(url).pathname.slice(1)} created`);
  db = await openDatabase({ url, poolSize: 10 });
  await db.migrate();
  const { prisma } = db;
  const pgVersion =
    (await prisma.$queryRawUnsafe<{ server_version: string }[]>('SHOW server_version'))[0]?.server_version ??
    '?';
  const org = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: 'Northbridge Borough Council',
    jurisdiction: 'england',
    laCode: '990',
  });
  const client = await createClient(prisma, { organisationId: org.id, name: 'bench client' });
  const caller: Caller = {
    clientId: client.clientId,
    organisationId: org.id,
    organisationKind: 'local-authority',
    actingForId: org.id,
    actingForKind: 'local-authority',
    scopes: new Set(client.scopes),
    requestId: 'bench-seed',
  };

  const invalid = validate('learner', syntheticLearner(0));
  if (!invalid.ok) throw new Error(`The generated learner is not valid: ${JSON.stringify(invalid.issues)}`);
  const service = new RecordService(prisma, new AuditTrail(sqlThrough(prisma)), sqlThrough(prisma));
  const ids: string[] = [];
  const seedStarted = performance.now();
  // The HTTP runs read and list these; the bulk phase imports learners of its own.
  const seeded = HTTP_RUNS.length ? LEARNERS : 0;
  await mapLimit(
    Array.from({ length: seeded }, (_, n) => n),
    8,
    async (n) => {
      const body = syntheticLearner(n);
      const check = validate('learner', body);
      if (!check.ok) throw new Error(`Learner ${n} is not valid: ${JSON.stringify(check.issues)}`);
      const result = await service.create('learner', { ...caller, requestId: `bench-seed-${n}` }, body);
      ids.push((result.body as { id: string }).id);
    },
  );
  await prisma.$executeRawUnsafe('VACUUM ANALYZE');
  log(
    `${seeded} learners loaded through RecordService in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (PostgreSQL ${pgVersion})`,
  );
  shuffle(ids);
  let nextLearner = seeded;

  const auditCount = async () =>
    Number(
      (await prisma.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM audit_event'))[0]?.n ?? 0,
    );

  // 2-4. The servers and the runs.
  let bareBody: unknown;
  const plan: { server: 'bare' | 'api' | 'api-no-audit'; runs: RunKey[] }[] = [
    { server: 'bare', runs: ['bare'] },
    { server: 'api', runs: ['read', 'list', 'create'] },
    { server: 'api-no-audit', runs: ['read-no-audit', 'list-no-audit'] },
  ];
  for (const step of plan) {
    const runs = step.runs.filter((r) => RUNS.has(r));
    if (runs.length === 0) continue;
    const label =
      step.server === 'bare' ? 'bare server' : step.server === 'api' ? 'API' : 'API (no read audit)';
    const extraEnv: Record<string, string> = { DATABASE_URL: url };
    if (step.server === 'bare') extraEnv.BENCH_ORG_ID = org.id;
    if (step.server === 'api-no-audit') extraEnv.BENCH_NO_AUDIT = '1';
    if (step.server !== 'bare' && LOG_LEVEL) extraEnv.BENCH_LOG_LEVEL = LOG_LEVEL;
    const server = await startServer(label, step.server === 'bare' ? 'bare' : 'api', extraEnv);
    const startupPeak = await server.peakRss();
    log(
      `${label} listening on ${server.url} (pid ${server.pid}, ${(startupPeak / MB).toFixed(0)} MB peak RSS at start)`,
    );
    let peak = startupPeak;

    const headers = step.server === 'bare' ? {} : await bearer(server, client);

    // Each run's request, checked once before any load: a run of errors would measure nothing.
    let readIndex = 0;
    const readPath = (prefix: string) => `${prefix}/${ids[readIndex++ % ids.length]}`;
    const requestFor = (key: RunKey): AutocannonOptions['requests'] => {
      switch (key) {
        case 'bare':
          return [{ method: 'GET', setupRequest: (r) => ({ ...r, path: readPath('/learners') }) }];
        case 'read':
        case 'read-no-audit':
          return [{ method: 'GET', setupRequest: (r) => ({ ...r, path: readPath('/v1/learners') }) }];
        case 'list':
        case 'list-no-audit':
          return [{ method: 'GET', path: '/v1/learners?limit=50' }];
        case 'create':
          return [
            {
              method: 'POST',
              path: '/v1/learners',
              setupRequest: (r) => ({
                ...r,
                headers: {
                  ...r.headers,
                  'content-type': 'application/json',
                  ...(IDEMPOTENCY ? { 'idempotency-key': randomUUID() } : {}),
                },
                body: JSON.stringify(syntheticLearner(nextLearner++)),
              }),
            },
          ];
      }
    };
    const probe = ids[0] as string;
    if (step.server === 'bare') {
      const res = await fetch(`${server.url}/learners/${probe}`);
      if (res.status !== 200) throw new Error(`bare GET /learners/{id}: ${res.status} ${await res.text()}`);
      bareBody = await res.json();
    } else {
      const res = await fetch(`${server.url}/v1/learners/${probe}`, { headers });
      if (res.status !== 200) throw new Error(`API GET /v1/learners/{id}: ${res.status} ${await res.text()}`);
      const body = await res.json();
      if (bareBody !== undefined && !isDeepStrictEqual(body, bareBody)) {
        throw new Error(
          'The bare route and the API return different representations of the same learner; the comparison would be unfair.',
        );
      }
      const list = await fetch(`${server.url}/v1/learners?limit=50`, { headers });
      const items = list.status === 200 ? ((await list.json()) as { items: unknown[] }).items.length : 0;
      if (list.status !== 200 || items !== Math.min(50, LEARNERS))
        throw new Error(`API GET /v1/learners?limit=50: ${list.status}, ${items} items`);
      if (runs.includes('create')) {
        const created = await fetch(`${server.url}/v1/learners`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify(syntheticLearner(nextLearner++)),
        });
        if (created.status !== 201)
          throw new Error(`API POST /v1/learners: ${created.status} ${await created.text()}`);
      }
    }

    for (const key of runs) {
      const options: AutocannonOptions = {
        url: server.url,
        connections: CONNECTIONS,
        duration: DURATION,
        timeout: 10,
        headers,
        requests: requestFor(key),
      };
      if (WARMUP > 0) await autocannon({ ...options, duration: WARMUP });
      // The process's peak so far (warm-up included) counts; each run then gets a peak of its own.
      peak = Math.max(peak, await server.peakRss());
      server.resetPeak();
      const auditBefore = await auditCount();
      const profileFile =
        profileDir && step.server !== 'bare' ? join(profileDir, `${key}.cpuprofile`) : undefined;
      const stopProfile = profileFile ? await server.profile(profileFile) : undefined;
      const cpuBefore = cpuSnapshot(server.pid);
      const r = await autocannon(options);
      const cpuAfter = cpuSnapshot(server.pid);
      await stopProfile?.();
      const perRequest = (after: number | undefined, before: number | undefined) =>
        after === undefined || before === undefined || r.requests.total === 0
          ? undefined
          : (after - before) / r.requests.total;
      const phasePeak = await server.peakRss();
      peak = Math.max(peak, phasePeak);
      const statusCodes = Object.fromEntries(
        Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
      );
      const result: RunResult = {
        key,
        label: LABELS[key],
        server: label,
        requestsPerSecond: r.requests.average,
        requests: r.requests.total,
        latencyP50Ms: r.latency.p50,
        latencyP99Ms: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        statusCodes,
        peakRssMb: phasePeak / MB,
        auditEvents: (await auditCount()) - auditBefore,
        cpuMsPerRequest: {
          server: perRequest(cpuAfter.server, cpuBefore.server),
          postgres: perRequest(cpuAfter.postgres, cpuBefore.postgres),
          client: perRequest(cpuAfter.client, cpuBefore.client) ?? 0,
        },
        ...(profileFile ? { profile: profileFile } : {}),
      };
      results.push(result);
      log(
        `${LABELS[key].trim()}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.latencyP99Ms} ms, ` +
          `${result.non2xx} non-2xx, ${result.errors} errors, ${result.auditEvents} audit events, ${(phasePeak / MB).toFixed(0)} MB peak RSS`,
      );
    }
    await stopAndRecordPeak(server, label, peak);
  }

  // 5. The bulk phase.
  const bulk = BULK ? await bulkPhase(url, org.id, client) : undefined;

  const tsxOverhead = RUNNER === 'tsx' ? await loaderOverhead() : undefined;

  // 6. The report.
  const byKey = new Map(results.map((r) => [r.key, r]));
  const row = (cells: string[], widths: number[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const widths = [48, 10, 6, 6, 7, 6, 10, 8, 20];
  const ms = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(2));
  const httpSettings = results.length
    ? `${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up, ${LEARNERS} learners, `
    : '';
  const lines = [
    '',
    `Results (${httpSettings}PostgreSQL ${pgVersion}, ` +
      `Node ${process.version}, ${availableParallelism()} CPUs${LOG_LEVEL ? `, API logging at ${LOG_LEVEL}` : ''}${PROFILE ? ', CPU-profiled' : ''}` +
      `, servers run by ${RUNNER === 'tsx' ? 'node --import tsx' : 'node (esbuild bundle)'}` +
      `${SERVER_NODE_FLAGS ? `, server flags ${SERVER_NODE_FLAGS}` : ''}${env.MALLOC_ARENA_MAX ? `, MALLOC_ARENA_MAX=${env.MALLOC_ARENA_MAX}` : ''}` +
      `; load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end)`,
    ...(results.length ? [''] : []),
    ...(results.length
      ? [
          row(
            [
              'run',
              'req/s mean',
              'p50 ms',
              'p99 ms',
              'non-2xx',
              'errors',
              'audit rows',
              'peak RSS',
              'CPU ms/req srv/pg/ac',
            ],
            widths,
          ),
          row(
            widths.map((w) => '-'.repeat(w)),
            widths,
          ),
        ]
      : []),
    ...results.map((r) =>
      row(
        [
          r.label,
          r.requestsPerSecond.toFixed(0),
          String(r.latencyP50Ms),
          String(r.latencyP99Ms),
          String(r.non2xx),
          String(r.errors + r.timeouts),
          r.key === 'bare' ? '-' : String(r.auditEvents),
          `${r.peakRssMb.toFixed(0)} MB`,
          `${ms(r.cpuMsPerRequest.server)} / ${ms(r.cpuMsPerRequest.postgres)} / ${ms(r.cpuMsPerRequest.client)}`,
        ],
        widths,
      ),
    ),
    ...(results.length
      ? [
          '',
          'CPU ms/req: CPU time per request of the server process / all PostgreSQL processes / the load generator (autocannon).',
        ]
      : []),
    '',
  ];
  const failedRuns = results.filter(
    (r) => r.non2xx + r.errors + r.timeouts > 0.01 * (r.requests + r.errors + r.timeouts),
  );
  for (const r of failedRuns) {
    const codes = Object.entries(r.statusCodes)
      .map(([code, n]) => `${code}: ${n}`)
      .join(', ');
    lines.push(
      `INVALID: ${r.label.trim()} had ${r.non2xx} non-2xx responses and ${r.errors + r.timeouts} errors (${codes}); its figures do not measure successful requests.`,
    );
  }
  if (failedRuns.length) lines.push('');
  const bare = byKey.get('bare');
  const read = byKey.get('read');
  const readNoAudit = byKey.get('read-no-audit');
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  if (bare && read) {
    const ratio = read.requestsPerSecond / bare.requestsPerSecond;
    lines.push(
      `API read / bare read:                  ${ratio.toFixed(2)}   (aim >= ${AIMS.readRatio}: ${verdict(ratio >= AIMS.readRatio)})`,
    );
  }
  if (bare && readNoAudit) {
    const ratio = readNoAudit.requestsPerSecond / bare.requestsPerSecond;
    lines.push(`API read without read audit / bare:    ${ratio.toFixed(2)}`);
  }
  if (read && readNoAudit) {
    lines.push(
      `Read audit insert costs:               ${(100 * (1 - read.requestsPerSecond / readNoAudit.requestsPerSecond)).toFixed(0)} % of API read throughput`,
    );
  }
  if (bulk) lines.push(...(lines.at(-1) === '' ? [] : ['']), ...bulkReport(bulk, pgVersion), '');
  const apiPeaks = serverPeaks.filter((s) => s.label !== 'bare server');
  for (const s of serverPeaks) {
    const aim =
      s.label === 'API' ? `   (aim < ${AIMS.peakRssMb} MB: ${verdict(s.peakRssMb < AIMS.peakRssMb)})` : '';
    lines.push(
      `${`Peak RSS, ${s.label}:`.padEnd(39)}${s.peakRssMb.toFixed(0)} MB${aim}   (idle at the end: RSS ${s.idleRssMb.toFixed(0)} MB, heap ${s.heapUsedMb.toFixed(0)} MB)`,
    );
  }
  if (tsxOverhead !== undefined) {
    lines.push(
      `${'Of which the tsx loader:'.padEnd(39)}about ${(tsxOverhead / MB).toFixed(0)} MB in each server (an idle tsx process less plain node; production runs node dist/main.js)`,
    );
  }
  const seconds = (performance.now() - startedAt) / 1000;
  lines.push(`Run time:                              ${seconds.toFixed(0)} s`);
  console.log(lines.join('\n'));

  if (profileDir) {
    for (const r of results.filter((x) => x.profile)) {
      console.log(`\nCPU profile of the API, ${r.label.trim()} (${r.profile}):`);
      console.log(summariseProfile(r.profile as string));
    }
    for (const r of bulk?.imports.filter((x) => x.profile) ?? []) {
      console.log(`\nCPU profile of the API, ${r.mode} bulk import, from the 202 to the end (${r.profile}):`);
      console.log(summariseProfile(r.profile as string));
    }
    const left = readdirSync(profileDir).length;
    if (left) console.log(`\n${left} profile(s) kept in ${profileDir}`);
  }

  if (JSON_FILE) {
    writeFileSync(
      JSON_FILE,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cpus: availableParallelism(),
          cpuModel,
          postgres: pgVersion,
          options: {
            duration: DURATION,
            warmup: WARMUP,
            connections: CONNECTIONS,
            learners: LEARNERS,
            idempotency: IDEMPOTENCY,
            logLevel: LOG_LEVEL ?? null,
            profile: PROFILE,
            runner: RUNNER,
            serverNodeFlags: SERVER_NODE_FLAGS ?? null,
            mallocArenaMax: env.MALLOC_ARENA_MAX ?? null,
            runs: [...RUNS],
            bulkLearners: BULK ? BULK_LEARNERS : null,
            bulkModes: BULK ? BULK_MODES : null,
          },
          aims: AIMS,
          results,
          bulk: bulk ?? null,
          servers: serverPeaks,
          ratios: {
            apiReadOverBare: bare && read ? read.requestsPerSecond / bare.requestsPerSecond : null,
            apiReadNoAuditOverBare:
              bare && readNoAudit ? readNoAudit.requestsPerSecond / bare.requestsPerSecond : null,
            bulkOverCopy: bulk
              ? Object.fromEntries(
                  bulk.imports.map((r) => [r.mode, r.recordsPerSecond / bulk.copy.rowsPerSecond]),
                )
              : null,
          },
          apiPeakRssMb: apiPeaks.length ? Math.max(...apiPeaks.map((s) => s.peakRssMb)) : null,
          tsxLoaderRssMb: tsxOverhead === undefined ? null : tsxOverhead / MB,
          runSeconds: seconds,
          valid: failedRuns.length === 0,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nResults written to ${JSON_FILE}`);
  }

  // A run made mostly of refusals measures nothing: that is an error, not a missed aim.
  if (failedRuns.length)
    throw new Error(`${failedRuns.length} run(s) had more than 1 % failed requests; see INVALID above.`);
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error('\nThe benchmark failed:', error);
} finally {
  await cleanup();
  if (testDb) log('servers stopped, database dropped');
}
process.exit(failed ? 1 : 0);
