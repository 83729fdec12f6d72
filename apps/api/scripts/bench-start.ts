/**
 * Measures what issue 18 asks of starting CELR and of using @celr/schema from another program. Not part
 * of the test suite: run it by hand on a quiet machine, from the repository root, after `npm ci`:
 *
 *   npx tsx apps/api/scripts/bench-start.ts [--starts 2] [--idle 20] [--port 3917] [--data-dir DIR]
 *                                            [--fresh] [--no-start] [--no-tsc]
 *
 * 1. Start: runs `npm start` `--starts` times (default 2) on its own data folder (default
 *    apps/api/.data/bench-start; `--fresh` deletes it first, so the first start also creates the
 *    database and loads the demo data), each until the API prints its banner (it listens then), and
 *    prints the seconds each took, what the build step said (turbo's cache line, or that nothing had
 *    changed since the last build: scripts/build-if-changed.mjs), the demo data's log line, and where
 *    the seconds went: before the API's process started (npm, the build step, the shell), and in the
 *    API, the steps its `started` log line times (main.ts: load is Node's start and the loading of
 *    its modules, then the database server, migrations, the app, the docs, the demo check, listen).
 *    The last start is "the second `npm start` with nothing changed" when `--starts` is 2 or more.
 * 2. Memory: after the last start, waits `--idle` seconds (default 20), then reads, from /proc, the
 *    resident memory (RSS) and proportional set size (PSS: shared pages divided among the processes
 *    that map them, so PostgreSQL's shared buffers count once) of the API process, of every process of
 *    the embedded PostgreSQL, and of the npm process that `npm start` leaves waiting. Then it stops the
 *    API with SIGINT, as Ctrl-C does.
 * 3. Types: type-checks, with `tsc --strict` (no skipLibCheck), a one-line program that imports
 *    @celr/schema as a published package is read (its `types` entry, not the sources), and prints the
 *    wall time, the peak RSS of tsc, and `--extendedDiagnostics`' memory, type and instantiation counts;
 *    then the same for a program that imports nothing, the floor that TypeScript's own lib files set on
 *    this machine at this moment (on a busy machine, compare the two rather than the absolute seconds).
 *
 * Linux only (it reads /proc). Also prints the load average before each part, since the figures mean
 * little on a busy machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const { values: opts } = parseArgs({
  options: {
    starts: { type: 'string', default: '2' },
    idle: { type: 'string', default: '20' },
    port: { type: 'string', default: '3917' },
    'data-dir': { type: 'string', default: path.join(ROOT, 'apps/api/.data/bench-start') },
    fresh: { type: 'boolean', default: false },
    'no-start': { type: 'boolean', default: false },
    'no-tsc': { type: 'boolean', default: false },
  },
});

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function benchStart() {
  const dataDir = path.resolve(opts['data-dir']);
  if (opts.fresh) await rm(dataDir, { recursive: true, force: true });
  await mkdir(path.dirname(dataDir), { recursive: true });
  // Started by root, PostgreSQL runs as `nobody`, which must be able to enter the folder above its data.
  await chmod(path.dirname(dataDir), 0o755);
  const starts = Number(opts.starts);
  console.log(`npm start x${starts}, data in ${dataDir}, load average ${load()}`);
  for (let i = 1; i <= starts; i++) {
    const run = await npmStart(dataDir);
    console.log(
      `  start ${i}: ready in ${run.seconds.toFixed(1)} s; build: ${run.build ?? '?'}; ${run.demo ?? 'no demo line'}`,
    );
    if (run.apiMs !== undefined) {
      const steps = Object.entries(run.phases ?? {})
        .map(([name, ms]) => `${name} ${ms}`)
        .join(', ');
      console.log(
        `    before the API process: ${(run.seconds - run.apiMs / 1000).toFixed(1)} s (npm, build step, shell); ` +
          `API: ${(run.apiMs / 1000).toFixed(1)} s (ms: ${steps})`,
      );
    }
    try {
      if (i === starts) {
        console.log(`  idle ${opts.idle} s, load average ${load()}`);
        await sleep(Number(opts.idle) * 1000);
        printMemory(run.child.pid!, dataDir);
      }
    } finally {
      await stop(run.child);
    }
  }
}

interface Run {
  child: ChildProcess;
  seconds: number;
  build?: string | undefined;
  demo?: string | undefined;
  /** From the API's `started` log line: milliseconds since its process started, and per step. */
  apiMs?: number | undefined;
  phases?: Record<string, number> | undefined;
}

function npmStart(dataDir: string): Promise<Run> {
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    // Its own process group, so that stop() reaches npm, its shell and the API as Ctrl-C would.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: opts.port, CELR_DATA_DIR: dataDir, FORCE_COLOR: '0' },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    let readyAt: number | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      child.stderr!.resume();
      const startedLine = /^\{.*"msg":"started".*\}$/m.exec(output)?.[0];
      const timing = startedLine ? (JSON.parse(startedLine) as Pick<Run, 'phases'> & { ms?: number }) : {};
      resolve({
        child,
        seconds: (readyAt! - started) / 1000,
        build:
          /Cached: +(.*)/.exec(output)?.[1]?.trim() ??
          /^build: (nothing changed.*)$/m.exec(output)?.[1]?.trim(),
        demo: /"msg":"(demo data: [^"]*)"/.exec(output)?.[1],
        apiMs: timing.ms,
        phases: timing.phases,
      });
    };
    const onData = (chunk: Buffer) => {
      output += chunk;
      // The banner is printed in one write once the API listens; the log line with the timings may
      // come just before or just after it (the logger writes asynchronously), or never (older builds).
      if (readyAt === undefined && /^ {2}OpenAPI /m.test(output)) {
        readyAt = performance.now();
        setTimeout(finish, 2000);
      }
      if (readyAt !== undefined && /"msg":"started".*\n/.test(output)) finish();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) =>
      reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`)),
    );
  });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  // The API stops its PostgreSQL before exiting; give the group a moment to be gone.
  await sleep(500);
}

interface Memory {
  pid: number;
  name: string;
  rssKb: number;
  pssKb: number;
}

function printMemory(npmPid: number, dataDir: string) {
  const all = processes();
  const inGroup = all.filter((p) => p.pgid === npmPid);
  const api = inGroup.filter((p) => p.cmd.includes('dist/main.js') && p.cmd.startsWith('node'));
  const npm = inGroup.filter((p) => /^npm|\/npm/.test(p.cmd) || p.cmd.includes('npm-cli'));
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const postgres = all.filter((p) => p.pid === postmaster || p.ppid === postmaster);
  const rows = (label: string, list: typeof all) => {
    const m = list.map(memoryOf);
    const rss = m.reduce((s, x) => s + x.rssKb, 0);
    const pss = m.reduce((s, x) => s + x.pssKb, 0);
    console.log(`  ${label.padEnd(34)} ${mb(rss)} MB RSS, ${mb(pss)} MB PSS (${list.length} processes)`);
    return { rss, pss };
  };
  const a = rows('API (node dist/main.js)', api);
  const p = rows('embedded PostgreSQL', postgres);
  console.log(`  ${'API + PostgreSQL'.padEnd(34)} ${mb(a.rss + p.rss)} MB RSS, ${mb(a.pss + p.pss)} MB PSS`);
  const n = rows('npm (waiting for the API)', npm);
  console.log(
    `  ${'everything npm start left running'.padEnd(34)} ${mb(a.rss + p.rss + n.rss)} MB RSS, ${mb(a.pss + p.pss + n.pss)} MB PSS`,
  );
}

const mb = (kb: number) => (kb / 1024).toFixed(0).padStart(4);

function processes() {
  const list: Array<{ pid: number; ppid: number; pgid: number; cmd: string }> = [];
  for (const entry of readdirProc()) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      list.push({ pid: entry, ppid: Number(fields[1]), pgid: Number(fields[2]), cmd });
    } catch {
      // gone meanwhile
    }
  }
  return list;
}

function readdirProc(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

function memoryOf(p: { pid: number; cmd: string }): Memory {
  let rollup = '';
  try {
    rollup = readFileSync(`/proc/${p.pid}/smaps_rollup`, 'utf8');
  } catch {
    // exited since it was listed (PostgreSQL's autovacuum workers come and go): it holds nothing now
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  return { pid: p.pid, name: p.cmd, rssKb: kb('Rss'), pssKb: kb('Pss') };
}

async function benchTypes() {
  if (!existsSync(path.join(ROOT, 'packages/schema/dist/index.d.ts')))
    throw new Error('packages/schema is not built: run npm run build first');
  const consumer = await consumerProject(
    'bench-start-consumer',
    "import { type LearnerInput, validate } from '@celr/schema';\n" +
      "export const ok = (x: unknown): LearnerInput | undefined => { const r = validate('learner', x); return r.ok ? (r.value as LearnerInput) : undefined; };\n",
  );
  // The same settings with no import at all: what TypeScript's own lib files cost on this machine now.
  const empty = await consumerProject('bench-start-empty', 'export const one = 1;\n');
  console.log(`tsc --strict of a one-line program importing @celr/schema, load average ${load()}`);
  await runTsc(consumer, 'importing @celr/schema');
  await runTsc(empty, 'importing nothing (the floor)');
}

async function consumerProject(name: string, source: string): Promise<string> {
  const dir = path.join(ROOT, 'node_modules/.cache', name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  // What a consumer on current TypeScript settings writes: strict, NodeNext, and no skipLibCheck, so
  // that the .d.ts files of @celr/schema and of what they import are checked too.
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          noEmit: true,
          types: [],
        },
        files: ['main.ts'],
      },
      null,
      2,
    )}\n`,
  );
  await writeFile(path.join(dir, 'main.ts'), source);
  return dir;
}

async function runTsc(dir: string, label: string) {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const started = performance.now();
  const child = spawn(process.execPath, [tsc, '-p', dir, '--extendedDiagnostics'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  let peakKb = 0;
  const sampler = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (hwm) peakKb = Math.max(peakKb, Number(hwm));
    } catch {
      // exited
    }
  }, 50);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const field = (name: string) => new RegExp(`^${name}:\\s+(.+)$`, 'm').exec(output)?.[1]?.trim() ?? '?';
  const errors = output.split('\n').filter((l) => l.includes('error TS'));
  console.log(
    `  ${label}: ${seconds.toFixed(1)} s wall, peak RSS ${mb(peakKb).trim()} MB; tsc: ${field('Files')} files, ` +
      `${field('Types')} types, ${field('Instantiations')} instantiations, memory used ${field('Memory used')}, ` +
      `check time ${field('Check time')}, total ${field('Total time')}` +
      (code === 0 ? '' : `; exit ${code}:\n${errors.join('\n') || output}`),
  );
}

if (!opts['no-start']) await benchStart();
if (!opts['no-tsc']) await benchTypes();
