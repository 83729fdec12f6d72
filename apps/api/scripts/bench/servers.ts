/**
 * The servers under load, each its own Node process (scripts/bench-server.ts), run as production runs
 * (an esbuild bundle with plain node, or tsx), and what is asked of them: their memory, CPU profiles,
 * the SQL they timed, a token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { apiDir, bundleDir, MB, PRODUCTION_ENV, RUNNER, SERVER_NODE_FLAGS, serverEntry } from './options.js';

// ---------------------------------------------------------------------------------------------------
// Servers, each its own Node process (scripts/bench-server.ts)

export interface ServerStats {
  peakRss: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** What an API process with BENCH_SQL_TIMING=1 timed: SQL statements (call to result), and its event loop. */
export interface SqlTiming {
  statements: { label: string; calls: number; ms: number }[];
  /** Time the event loop ran JavaScript rather than waited for I/O, and that time's share of the whole. */
  eventLoop: { activeMs: number; utilization: number };
}

export interface Server {
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

export async function startServer(
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

  // A message sent to a process that has died fails as an 'error' event; the exit is what is reported.
  child.on('error', () => {});
  const reply = <T>(type: string, request: object, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      if (exited) {
        reject(new Error(`${label} has exited; it cannot answer '${type}'.`));
        return;
      }
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
async function serverCommandFor(): Promise<string[]> {
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

/**
 * What the tsx loader itself adds to a process's peak RSS: an idle process started as the servers are,
 * less a plain `node` one. The servers run TypeScript through tsx; production runs `node dist/main.js`.
 */
export async function loaderOverhead(): Promise<number | undefined> {
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

let serverCommand: string[] = [];
/** Builds the servers' command (the bundle, unless --runner tsx) once, before the first server starts. */
export async function prepareServerCommand(): Promise<void> {
  serverCommand = await serverCommandFor();
}

/** Stops every server still running (on an error or a signal). */
export async function stopAllServers(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
}

/** Each server's peak and idle memory, for the report, in the order they stopped. */
export const serverPeaks: { label: string; peakRssMb: number; idleRssMb: number; heapUsedMb: number }[] = [];
/** Stops a server, keeping its peak and idle memory for the report. */
export async function stopAndRecordPeak(server: Server, label: string, peak: number) {
  const stats = await server.stats();
  serverPeaks.push({
    label,
    peakRssMb: peak / MB,
    idleRssMb: stats.rss / MB,
    heapUsedMb: stats.heapUsed / MB,
  });
  await server.stop();
}

export async function bearer(server: Server, client: { clientId: string; secret: string }) {
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
