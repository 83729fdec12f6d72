/**
 * The conformance kit's README: its code example, run as a user would (tsx, the package by name)
 * against the reference API with an authority's client, prints what the README says it prints.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../sdk/support/api.js';

const README = fileURLToPath(new URL('../../packages/conformance/README.md', import.meta.url));
const run = promisify(execFile);
let api: RunningApi;
// Inside the tests workspace, so that '@celr/conformance' resolves as it would for a user.
const dir = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.readme-'));

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('runs the README example and prints what the README says', async () => {
  const readme = readFileSync(README, 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const says = /it prints:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  expect(says).toBeDefined();
  writeFileSync(join(dir, 'example.ts'), code!);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--conditions=@celr/source', join(dir, 'example.ts')],
    {
      cwd: dir,
      env: { ...process.env, ...api.env('northbridge') },
      timeout: 120_000,
    },
  );
  const lines = stdout.trimEnd().split('\n');
  const expected = says!.trimEnd().split('\n');
  expect(lines).toHaveLength(expected.length);
  // The run's duration differs each time: the README writes it as an ellipsis.
  for (const [i, line] of expected.entries()) {
    const [before, after] = line.split('…') as [string, string | undefined];
    if (after === undefined) expect(lines[i]).toBe(line);
    else expect(lines[i]!.startsWith(before) && lines[i]!.endsWith(after), lines[i]).toBe(true);
  }
});
