/**
 * Writes a fictional SSDA903 return of many children (100,000 by default; the first argument sets
 * it) to a temporary folder, then converts it from disk to NDJSON written to /dev/null in a fresh
 * Node process (scripts/bench-ssda903-convert.mjs), which prints the time taken and its peak resident
 * memory. That process runs the built package, as `celr convert ssda903` does (run `npm run build`
 * first); with --source it runs the TypeScript source under tsx instead, whose loader alone adds
 * about 50 MiB. --spill-after N sets spillAfterChildren (N larger than the children: all in memory).
 * Not part of the test suite:
 *   npx tsx --conditions=@celr/source scripts/bench-ssda903.ts [children] [--spill-after N] [--source]
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { fictionalReturn } from '../test/support/fictional-return.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'spill-after': { type: 'string' }, source: { type: 'boolean' } },
});
const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
const children = Number(positionals[0] ?? 100_000);
const newest = (dir: URL): number =>
  Math.max(
    ...readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  );
if (
  !values.source &&
  newest(new URL('../dist/', import.meta.url)) < newest(new URL('../src/', import.meta.url))
)
  throw new Error('dist is older than src: run `npm run build` first, or bench the source with --source.');

const dir = mkdtempSync(join(tmpdir(), 'celr-bench-ssda903-'));
try {
  const tables = fictionalReturn(children);
  for (const table of tables) await pipeline(table.content, createWriteStream(join(dir, table.name)));
  const bytes = tables.reduce((sum, t) => sum + statSync(join(dir, t.name)).size, 0);
  console.log(
    `${children.toLocaleString('en-GB')} children: ${mib(bytes)} MiB of CSV; converting ${values.source ? 'the source under tsx' : 'the built package'}`,
  );
  const convert = new URL('./bench-ssda903-convert.mjs', import.meta.url).pathname;
  // The process's own Node flags (tsx's loader, the source condition) only when benching the source.
  const flags = values.source ? process.execArgv : [];
  const args = [...flags, convert, dir, ...(values['spill-after'] ? [values['spill-after']] : [])];
  execFileSync(process.execPath, args, { stdio: 'inherit' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
