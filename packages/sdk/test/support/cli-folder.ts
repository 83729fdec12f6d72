/**
 * The `celr` command run in process over files in a temporary folder of its own: what the offline
 * commands' tests (convert ssda903, convert ctf) need, without a server or a child process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runCli } from '../../src/cli/app.js';
import type { CliIO } from '../../src/cli/command.js';

export function cliFolder(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a file into the folder and returns its name, as a command line would give it. */
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };

  /** Runs `celr <args>` with the folder as its working directory; its exit code and both outputs. */
  async function run(args: string[]) {
    const out = { stdout: '', stderr: '' };
    const sink = (key: 'stdout' | 'stderr') => ({
      write: (s: string) => {
        out[key] += s;
        return true;
      },
    });
    const io: CliIO = {
      stdout: sink('stdout'),
      stderr: sink('stderr'),
      env: {},
      cwd: dir,
      signal: new AbortController().signal,
    };
    const code = await runCli(args, io);
    return { code, ...out };
  }

  return { dir, file, run };
}
