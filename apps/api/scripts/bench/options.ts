/**
 * The benchmark's options (flags, or BENCH_* environment variables; the list is in the header of
 * scripts/bench.ts), read and checked once, when the benchmark starts, and the paths and clock every
 * part shares.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    learners: { type: 'string' },
    runs: { type: 'string' },
    'paced-rate': { type: 'string' },
    pairs: { type: 'string' },
    slice: { type: 'string' },
    only: { type: 'string' },
    'bulk-learners': { type: 'string' },
    'bulk-modes': { type: 'string' },
    transfers: { type: 'string' },
    'no-bulk-pglite': { type: 'boolean' },
    'no-idempotency': { type: 'boolean' },
    'log-level': { type: 'string' },
    profile: { type: 'boolean' },
    'node-flags': { type: 'string' },
    runner: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  // The options are documented once, in the header of scripts/bench.ts: print it.
  const header = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'bench.ts'), 'utf8');
  const doc = /^\/\*\*\n([\s\S]*?)\n \*\//.exec(header)?.[1] ?? '';
  console.log(doc.replace(/^ \* ?/gm, ''));
  process.exit(0);
}
export const env = process.env;
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
export const DURATION = numberOption(flags.duration, env.BENCH_DURATION, 10, 3);
export const WARMUP = numberOption(flags.warmup, env.BENCH_WARMUP, 2, 1);
export const CONNECTIONS = numberOption(flags.connections, env.BENCH_CONNECTIONS, 10, 10);
export const LEARNERS = Math.max(numberOption(flags.learners, env.BENCH_LEARNERS, 2000, 300), CONNECTIONS);
/**
 * The runs that are compared (`bare`, `read`, `read-no-audit`, `read-async-audit`; then `bare-paced`, `read-paced`: those
 * asked for, two or more of a group) are measured in PAIRS rounds of one SLICE-second slice each, their
 * servers all running (bench/requests.ts): the CPU's speed
 * on a cloud VM drifts by tens of percent within a minute, so two runs a minute apart compare the drift
 * as much as the servers; slices seconds apart share most of it. --duration is the other runs'.
 */
export const PAIRS = numberOption(flags.pairs, env.BENCH_PAIRS, 3, 3);
if (!Number.isInteger(PAIRS) || PAIRS < 1)
  throw new Error(`--pairs is a whole number, at least 1, not ${PAIRS}.`);
export const SLICE = numberOption(flags.slice, env.BENCH_SLICE, 5, 2);
if (!Number.isInteger(SLICE) || SLICE < 1)
  throw new Error(`--slice is whole seconds, at least 1, not ${SLICE}.`);
export const IDEMPOTENCY = !(flags['no-idempotency'] ?? env.BENCH_IDEMPOTENCY === '0');
export const LOG_LEVEL = flags['log-level'] ?? env.BENCH_LOG_LEVEL;
export const PROFILE = flags.profile ?? env.BENCH_PROFILE === '1';
// Profiles name the source files under tsx (the loader's work is done before a profile starts).
export const RUNNER = flags.runner ?? env.BENCH_RUNNER ?? (PROFILE ? 'tsx' : 'bundle');
if (RUNNER !== 'bundle' && RUNNER !== 'tsx')
  throw new Error(`--runner is 'bundle' or 'tsx', not '${RUNNER}'.`);
// The server processes run with the settings `npm start` uses (apps/api/package.json, "serve"),
// so the memory measured is the memory a deployment sees.
export const PRODUCTION_NODE_FLAGS = '--max-old-space-size=160';
export const PRODUCTION_ENV = { MALLOC_ARENA_MAX: '2' };
export const SERVER_NODE_FLAGS = flags['node-flags'] ?? env.BENCH_NODE_FLAGS ?? PRODUCTION_NODE_FLAGS;
export const JSON_FILE = flags.json ?? env.BENCH_JSON;
export const SERVER_URL = env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/**
 * The HTTP runs: closed loop (autocannon), and the two reads again open loop at one offered rate
 * (`-paced`, bench/paced.ts); `transfer` (bench/transfer.ts) and `bulk`, the bulk import phase, are the
 * others.
 */
export const ALL_RUNS = [
  'bare',
  'bare-paced',
  'read',
  'read-paced',
  'list',
  'create',
  'read-no-audit',
  'list-no-audit',
  'read-async-audit',
] as const;
export type RunKey = (typeof ALL_RUNS)[number];
export const ALL_PHASES = [...ALL_RUNS, 'transfer', 'bulk'] as const;
if (flags.runs && flags.only) throw new Error('--only is another name for --runs: give one of them.');
export const RUNS = new Set(
  (flags.only ?? flags.runs ?? env.BENCH_RUNS ?? ALL_PHASES.join(','))
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean),
);
for (const r of RUNS)
  if (!(ALL_PHASES as readonly string[]).includes(r))
    throw new Error(`Unknown run '${r}'; the runs are ${ALL_PHASES.join(', ')}.`);
export const HTTP_RUNS = ALL_RUNS.filter((r) => RUNS.has(r));
/**
 * The open-loop runs' offered rate, req/s, when given (--paced-rate); otherwise PACED_FRACTION of the
 * bare route's closed-loop throughput when `bare` runs first, else PACED_DEFAULT_RATE. Not a half: the
 * API's read serves 0.3 to 0.5 of the bare route's throughput (December 2026, 0.28 to 0.48 on a machine
 * shared with a CI run), so at half of the bare route it would be past saturation, its queue growing for
 * the whole run, and its latency would measure the run's length. A fifth leaves the API at about half
 * its capacity on a quiet machine, with room for a busy one; at a quarter it reached 0.9 of it on the
 * busy one. The API's own throughput cannot set the rate: the bare server's open-loop run comes first.
 */
const pacedRate = flags['paced-rate'] ?? env.BENCH_PACED_RATE;
export const PACED_RATE = pacedRate === undefined ? undefined : Number(pacedRate);
if (PACED_RATE !== undefined && !(PACED_RATE >= 1))
  throw new Error(`--paced-rate is requests per second, at least 1, not '${pacedRate}'.`);
export const PACED_FRACTION = 0.2;
/** About a fifth of the bare route's closed-loop throughput on a 2-CPU machine (5,000 to 8,000 req/s). */
export const PACED_DEFAULT_RATE = 1000;
/**
 * Most sockets an open-loop run opens. They are opened only as requests find the open ones busy, so the
 * cap matters only when the server falls behind; it is above what the rates here need (rate x latency:
 * 2,000 req/s x 10 ms is 20 at once) so that requests do not wait for a socket, and bounded so that a
 * stalled server is not sent hundreds of connections.
 */
export const PACED_CONNECTIONS = 64;
export const BULK = RUNS.has('bulk');
export const TRANSFER = RUNS.has('transfer');
/** Transfers accepted (and bundles imported) and measured by the transfer part, after one warm-up each. */
export const TRANSFERS = numberOption(flags.transfers, env.BENCH_TRANSFERS, 10, 5);
if (TRANSFER && TRANSFERS < 1) throw new Error('The transfer part needs --transfers >= 1.');
export const BULK_LEARNERS = numberOption(flags['bulk-learners'], env.BENCH_BULK_LEARNERS, 100_000, 2000);
export const BULK_MODE_NAMES = ['per-record', 'all-or-nothing'] as const;
export type BulkMode = (typeof BULK_MODE_NAMES)[number];
export const BULK_MODES = (flags['bulk-modes'] ?? env.BENCH_BULK_MODES ?? BULK_MODE_NAMES.join(','))
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean) as BulkMode[];
for (const m of BULK_MODES)
  if (!(BULK_MODE_NAMES as readonly string[]).includes(m))
    throw new Error(`Unknown import mode '${m}'; the modes are ${BULK_MODE_NAMES.join(', ')}.`);
/** The bulk phase also imports and exports on embedded PGlite (a server process of its own). */
export const BULK_PGLITE = !(flags['no-bulk-pglite'] ?? env.BENCH_BULK_PGLITE === '0');
if (BULK && (BULK_LEARNERS < 1 || BULK_MODES.length === 0))
  throw new Error('The bulk phase needs --bulk-learners >= 1 and at least one mode.');

/**
 * The aims the release note states next to the figures (issue 18). Missing them is reported, not an
 * error. The CPU aims are the API process's CPU time per request, the figure a busy shared machine
 * disturbs least; the ratios compare with the bare route measured in the same run.
 */
export const AIMS = {
  readRatio: 0.6,
  readP99Ratio: 1.3,
  createServerCpuMs: 2.5,
  listServerCpuMs: 1.5,
  peakRssMb: 300,
  bulkOverCopy: 0.6,
  exportEmbeddedSeconds: 15,
  exportPostgresRecordsPerSecond: 20_000,
  transferAcceptMs: 200,
};

export const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const serverEntry = join(apiDir, 'scripts', 'bench-server.ts');
// Inside the package, so that the bundle's imports of dependencies resolve as the sources' do.
export const bundleDir = join(apiDir, 'node_modules', '.cache', 'celr-bench');
export const startedAt = performance.now();
/** The 1-minute load average when the run began: other work on the machine skews every figure. */
export const loadAtStart = loadavg()[0] ?? 0;
export const log = (message: string) =>
  console.log(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);

export const MB = 1024 * 1024;
/** Where --profile keeps the .cpuprofile files. */
export const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'celr-bench-profile-')) : undefined;
