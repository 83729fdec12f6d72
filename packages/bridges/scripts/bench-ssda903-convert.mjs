/**
 * The converting half of scripts/bench-ssda903.ts, in a process of its own so that its peak resident
 * memory is the converter's and Node's, not the generator's: converts the return in a folder
 * (header.csv, episodes.csv, names.csv) to NDJSON written to /dev/null and prints the time and the
 * memory. Plain JavaScript, so that plain Node runs it on the built package (dist, as `celr convert
 * ssda903` does); under tsx with --conditions=@celr/source the same import is the TypeScript source.
 *   node scripts/bench-ssda903-convert.mjs <folder> [spillAfterChildren]
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { convertSsda903 } from '@celr/bridges';

const mib = (n) => (n / 1024 / 1024).toFixed(0);
const [dir, spillAfter] = process.argv.slice(2);
if (!dir) throw new Error('usage: bench-ssda903-convert.mjs <folder> [spillAfterChildren]');
const loaded = process.memoryUsage().rss;

const out = createWriteStream('/dev/null');
const write = (text) =>
  out.write(text) ? undefined : new Promise((resolve) => out.once('drain', () => resolve()));
let peakHeap = 0;
let records = 0;
const started = performance.now();
const summary = await convertSsda903(
  ['header.csv', 'episodes.csv', 'names.csv'].map((name) => ({
    name,
    content: createReadStream(join(dir, name)),
  })),
  {
    authority: 'la-code:990',
    ...(spillAfter ? { spillAfterChildren: Number(spillAfter) } : {}),
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
    `peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB (${mib(loaded)} MiB once loaded), heap ${mib(peakHeap)} MiB while writing`,
);
