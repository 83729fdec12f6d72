#!/usr/bin/env node
/**
 * The build step of `npm start`: runs `turbo run build` unless no file of the repository differs from
 * what the last successful build of this checkout started from and its outputs are as it left them.
 *
 * Why: with nothing changed, turbo still takes 1.5-3 s to say so (it parses the lockfile, builds the
 * package graph, hashes every input of six packages and restores each task's outputs from its cache),
 * more than half of a second start. This check takes one `git status` and a walk of the output folders.
 *
 * What "nothing changed" means here (a superset of turbo's inputs, so it never skips a build turbo
 * would run): the same commit (HEAD); the same `git status` (modified, staged, deleted and untracked
 * files, ignored ones excepted, as turbo excepts them); the same content of each of those files (so
 * editing an already modified file counts); the same Node.js; and the same output folders (every
 * `outputs` root of turbo.json's build task in every workspace with a build script: file count, sizes
 * and modification times, so a deleted or edited `dist` goes back to turbo, which restores it). Any
 * difference, however small (a test, a Markdown page), hands over to turbo, which then decides per
 * package from its own hashes and cache as before.
 *
 * The stamp is written after a successful build only, with the state read before the build started,
 * and only if the sources read the same after it: a file saved during a build is built at the next
 * start. It lives in node_modules/.cache, so `npm ci` (a fresh clone) always builds. Outside a git
 * checkout (or without git) turbo always runs. `npm run build` runs turbo unconditionally.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const STAMP = path.join(ROOT, 'node_modules/.cache/celr/last-build.json');
const TURBO_ARGS = ['run', 'build', '--output-logs=errors-only'];
/** Files larger than this are compared by size and modification time rather than read. */
const HASH_LIMIT = 8 * 1024 * 1024;

/** What the sources look like now, or undefined when git cannot say (not a checkout, no git). */
function sources() {
  const status = spawnSync(
    'git',
    ['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all'],
    { cwd: ROOT, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  if (status.error || status.status !== 0) return undefined;
  const hash = createHash('sha256');
  hash.update(`node ${process.version} ${process.platform} ${process.arch}\0`);
  hash.update(status.stdout);
  const entries = status.stdout.toString('utf8').split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    // Porcelain v2: "1 XY sub mH mI mW hH hI path", "2 ... X<score> path" then the original path,
    // "u XY sub m1 m2 m3 mW h1 h2 h3 path", "? path"; "# ..." headers carry the commit.
    let file;
    if (entry.startsWith('1 ')) file = entry.split(' ').slice(8).join(' ');
    else if (entry.startsWith('2 ')) {
      file = entry.split(' ').slice(9).join(' ');
      i++;
    } else if (entry.startsWith('u ')) file = entry.split(' ').slice(10).join(' ');
    else if (entry.startsWith('? ')) file = entry.slice(2);
    if (file) hash.update(`${file}\0${contentOf(path.join(ROOT, file))}\0`);
  }
  return hash.digest('hex');
}

function contentOf(file) {
  try {
    const stat = lstatSync(file);
    if (stat.isSymbolicLink()) return `link ${readlinkSync(file)}`;
    if (!stat.isFile()) return `not a file ${stat.mode}`;
    if (stat.size > HASH_LIMIT) return `large ${stat.size} ${stat.mtimeMs} ${stat.ino}`;
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return 'missing';
  }
}

/** The output folders of every workspace that builds, as turbo.json names them. */
function outputs() {
  const rootPackage = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const turbo = JSON.parse(readFileSync(path.join(ROOT, 'turbo.json'), 'utf8'));
  const roots = (turbo.tasks?.build?.outputs ?? []).map((glob) => glob.replace(/\/\*\*$/, ''));
  const workspaces = (rootPackage.workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const dir = pattern.slice(0, -2);
    try {
      return readdirSync(path.join(ROOT, dir)).map((name) => `${dir}/${name}`);
    } catch {
      return [];
    }
  });
  const hash = createHash('sha256');
  for (const workspace of workspaces.sort()) {
    let scripts;
    try {
      scripts = JSON.parse(readFileSync(path.join(ROOT, workspace, 'package.json'), 'utf8')).scripts;
    } catch {
      continue;
    }
    if (!scripts?.build) continue;
    for (const root of roots)
      hash.update(`${workspace}/${root}\0${folderState(path.join(ROOT, workspace, root))}\0`);
  }
  return hash.digest('hex');
}

/** Number of files, bytes and the latest modification time under a folder; 'missing' without it. */
function folderState(dir) {
  let files = 0;
  let bytes = 0;
  let latest = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const stat = lstatSync(p);
        files++;
        bytes += stat.size;
        latest = Math.max(latest, stat.mtimeMs);
      }
    }
  };
  try {
    walk(dir);
  } catch (error) {
    if (files === 0 && error.code === 'ENOENT') return 'missing';
    throw error;
  }
  return `${files} ${bytes} ${latest}`;
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return undefined;
  }
}

const before = sources();
const stamp = readStamp();
if (before && stamp && stamp.sources === before && stamp.outputs === outputs()) {
  console.log('build: nothing changed since the last build; not running turbo');
  process.exit(0);
}

const turbo = spawn(
  path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'turbo.cmd' : 'turbo'),
  TURBO_ARGS,
  {
    cwd: ROOT,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  },
);
const code = await new Promise((resolve) => {
  turbo.once('error', (error) => {
    console.error(`build: could not run turbo: ${error.message}`);
    resolve(1);
  });
  turbo.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});
if (code !== 0) process.exit(code);
// Only what was built from is stamped: a file saved during the build makes the next start build again.
if (before && sources() === before) {
  mkdirSync(path.dirname(STAMP), { recursive: true });
  writeFileSync(STAMP, `${JSON.stringify({ sources: before, outputs: outputs() })}\n`);
}
