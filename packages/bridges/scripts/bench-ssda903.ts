/**
 * Writes a fictional SSDA903 return of many children (100,000 by default; the first argument sets
 * it) to a temporary folder, converts it from disk to NDJSON written to /dev/null, and prints the
 * time taken and the peak resident memory of the process. Not part of the test suite:
 *   npx tsx --conditions=@celr/source scripts/bench-ssda903.ts [children]
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { convertSsda903 } from '../src/index.js';
import { fictionalReturn } from '../test/support/fictional-return.js';

const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
const children = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'celr-bench-ssda903-'));
try {
  const tables = fictionalReturn(children);
  for (const table of tables) await pipeline(table.content, createWriteStream(join(dir, table.name)));
  const bytes = tables.reduce((sum, t) => sum + statSync(join(dir, t.name)).size, 0);
  console.log(
    `${children.toLocaleString('en-GB')} children: ${mib(bytes)} MiB of CSV; rss ${mib(process.memoryUsage().rss)} MiB before converting`,
  );

  const out = createWriteStream('/dev/null');
  const write = (text: string) =>
    out.write(text) ? undefined : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  let peakHeap = 0;
  let records = 0;
  const started = performance.now();
  const summary = await convertSsda903(
    tables.map((t) => ({ name: t.name, content: createReadStream(join(dir, t.name)) })),
    {
      authority: 'la-code:990',
      onRecord: (kind, record) => {
        if (++records % 10_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        return write(`${JSON.stringify({ kind, record })}\n`);
      },
      onProblem: (p) => {
        throw new Error(`${p.file}:${p.line}: ${p.message}`);
      },
    },
  );
  out.end();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `converted ${summary.converted.toLocaleString('en-GB')} children and ${summary.transitions.toLocaleString('en-GB')} moves in ${seconds.toFixed(1)} s; ` +
      `peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB, heap ${mib(peakHeap)} MiB while writing`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
