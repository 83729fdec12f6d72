/**
 * `npm start` builds only when something changed (apps/api/scripts/build-if-changed.mjs): with nothing
 * changed since the last successful build it skips turbo, and any change to the sources or the outputs
 * still builds. The script runs here on a small git repository of its own, laid out like this one,
 * whose `turbo` is a stand-in that counts its runs and writes a `dist`, so no real build is needed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = 'apps/api/scripts/build-if-changed.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'celr-build-if-changed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (file: string) => path.join(dir, file);
const write = (file: string, content: string) => {
  mkdirSync(path.dirname(at(file)), { recursive: true });
  writeFileSync(at(file), content);
};
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
const turboRuns = () => readFileSync(at('turbo-runs.log'), 'utf8').split('\n').filter(Boolean).length;

/** Runs the script as `npm start` does; returns whether it ran turbo, and its exit code. */
function start(): { built: boolean; code: number | null } {
  const before = turboRuns();
  const run = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: 'utf8' });
  return { built: turboRuns() > before, code: run.status };
}

describe('npm start builds only when something changed', () => {
  it('is what the root package.json runs before serving', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(scripts.start).toBe(`node ${SCRIPT} && sh apps/api/scripts/serve.sh`);
    expect(readFileSync(path.join(REPO, SCRIPT), 'utf8')).toContain(
      "['run', 'build', '--output-logs=errors-only']",
    );
  });

  it('skips turbo only while sources and outputs are as the last build left them', () => {
    write('package.json', JSON.stringify({ workspaces: ['packages/*', 'apps/*'] }));
    write('turbo.json', readFileSync(path.join(REPO, 'turbo.json'), 'utf8'));
    write('.gitignore', 'node_modules/\ndist/\n');
    write('packages/lib/package.json', JSON.stringify({ scripts: { build: 'tsc' } }));
    write('packages/lib/src/index.ts', 'export const one = 1;\n');
    write('apps/api/package.json', JSON.stringify({ scripts: { build: 'tsc' } }));
    write('apps/api/src/main.ts', 'console.log(1);\n');
    mkdirSync(at('apps/api/scripts'), { recursive: true });
    copyFileSync(path.join(REPO, SCRIPT), at(SCRIPT));
    // The stand-in turbo: logs its run, builds each package's dist from its src, and fails on demand.
    write(
      'node_modules/.bin/turbo',
      `#!/bin/sh
cd "$(dirname "$0")/../.."
echo "$*" >> turbo-runs.log
[ -f fail-build ] && exit 3
for p in packages/lib apps/api; do mkdir -p $p/dist && cat $p/src/* > $p/dist/out.js; done
[ -f touch-during-build ] && echo changed-during-build >> packages/lib/src/index.ts
exit 0
`,
    );
    chmodSync(at('node_modules/.bin/turbo'), 0o755);
    write('turbo-runs.log', '');
    git('init', '-q');
    // The stand-in's log and switches are not sources: ignored, like node_modules.
    write('.git/info/exclude', 'turbo-runs.log\nfail-build\ntouch-during-build\n');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'first');

    expect(start()).toEqual({ built: true, code: 0 }); // first start: no record of a build
    expect(readFileSync(at('turbo-runs.log'), 'utf8')).toBe('run build --output-logs=errors-only\n');
    expect(start()).toEqual({ built: false, code: 0 }); // nothing changed

    write('packages/lib/src/index.ts', 'export const one = 2;\n'); // a source edited
    expect(start().built).toBe(true);
    expect(readFileSync(at('packages/lib/dist/out.js'), 'utf8')).toBe('export const one = 2;\n');
    expect(start().built).toBe(false);
    write('packages/lib/src/index.ts', 'export const one = 3;\n'); // edited again: same git status
    expect(start().built).toBe(true);
    expect(start().built).toBe(false);

    write('apps/api/src/new.ts', 'export {};\n'); // a new file
    expect(start().built).toBe(true);
    expect(start().built).toBe(false);

    git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'second'); // a new commit
    expect(start().built).toBe(true);
    expect(start().built).toBe(false);

    rmSync(at('apps/api/dist'), { recursive: true }); // outputs deleted
    expect(start().built).toBe(true);
    expect(start().built).toBe(false);
    write('apps/api/dist/out.js', 'edited by hand\n'); // outputs edited
    expect(start().built).toBe(true);
    expect(start().built).toBe(false);

    // A failed build stops `npm start` and is tried again next time.
    write('fail-build', '');
    write('apps/api/src/main.ts', 'console.log(2);\n');
    expect(start()).toEqual({ built: true, code: 3 });
    expect(start()).toEqual({ built: true, code: 3 });
    rmSync(at('fail-build'));
    expect(start()).toEqual({ built: true, code: 0 });
    expect(start().built).toBe(false);

    // A source saved while the build ran is built at the next start.
    write('touch-during-build', '');
    write('apps/api/src/main.ts', 'console.log(3);\n');
    expect(start().built).toBe(true);
    rmSync(at('touch-during-build'));
    expect(start().built).toBe(true);
    expect(start().built).toBe(false);

    // Without git (a downloaded archive), every start runs turbo.
    rmSync(at('.git'), { recursive: true });
    expect(start().built).toBe(true);
    expect(start().built).toBe(true);
  });
});
