/**
 * The commands the packages install: `celr` (README: `npx celr --help` after a build), `celr-admin`
 * and `celr-conformance`. npm 11 links a workspace's bin into node_modules/.bin only if its file exists
 * when `npm ci` runs, before anything is built: a bin pointing into dist/ is never linked. So each bin
 * is a committed file that loads the built code, and says how to build it when it is not built yet.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, workspaces } from './support/workspace.js';

const bins = workspaces().flatMap(({ dir, manifest }) =>
  Object.entries(manifest.bin ?? {}).map(([name, target]) => ({ dir, name, file: join(dir, target) })),
);

const scratch = mkdtempSync(join(tmpdir(), 'celr-bins-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the commands the packages install', () => {
  it('are celr, celr-admin and celr-conformance', () => {
    expect(bins.map((b) => b.name).sort()).toEqual(['celr', 'celr-admin', 'celr-conformance']);
  });

  it.each(bins)('$name is a committed file ($file), so npm ci links it before the build', ({ file }) => {
    const tracked = execFileSync('git', ['ls-files', '--', file], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(tracked.trim()).toBe(file);
  });

  it('`npx celr --help` at the repository root prints the usage, as the README says', () => {
    // --no-install: never ask the registry for some other package called celr.
    const run = spawnSync('npx', ['--no-install', 'celr', '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, npm_config_offline: 'true', NO_COLOR: '1' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^celr: the CELR command-line tool\n\nUsage:\n {2}celr <command> \[options\]/);
  });

  it.each(bins)('$name before the build says how to build it', ({ dir, name, file }) => {
    // The bin as it is in a checkout that has not been built: its folder, without dist/.
    const copy = join(scratch, dir, file.slice(dir.length + 1));
    mkdirSync(join(copy, '..'), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), copy);
    const run = spawnSync(process.execPath, [copy, '--help'], { encoding: 'utf8', cwd: scratch });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${name}: `);
    expect(run.stderr).toContain('not built yet');
    expect(run.stderr).toContain('`npm run build`');
  });
});
