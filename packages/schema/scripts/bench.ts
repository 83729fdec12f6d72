/**
 * How fast `validate('learner', v)` is, against Ajv (2020-12) compiled from the emitted JSON Schema
 * files, on the same valid learner records. Run with `npm run bench -w @celr/schema`.
 *
 * Records come from the property tests' generator (test/support/arbitrary.ts) with a fixed seed,
 * half England and half Scotland, so every run measures the same data. Options:
 *   --records <n>  how many records (default 100000)
 *   --rounds <n>   timed passes over all records per validator; the best is reported (default 5)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import fc from 'fast-check';
import { checkRules, compiledValidator, JURISDICTIONS, SCHEMA_VERSION, validate } from '../src/index.js';
import { validRecord } from '../test/support/arbitrary.js';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } },
});
const RECORDS = Number(args.records);
const ROUNDS = Number(args.rounds);
const SEED = 20_250_901;

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const format = (n: number) => n.toLocaleString('en-GB');

// 1. Data: valid learner records, generated once.
let started = performance.now();
const records: unknown[] = JURISDICTIONS.flatMap((j, i) =>
  fc.sample(validRecord('learner', j), {
    numRuns: Math.ceil(RECORDS / JURISDICTIONS.length),
    seed: SEED + i,
  }),
);
console.log(
  `Generated ${format(records.length)} learner records (${JURISDICTIONS.join(', ')}) in ${Math.round(performance.now() - started)} ms; ` +
    `${format(Math.round(JSON.stringify(records).length / records.length))} bytes of JSON each on average.`,
);

// 2. Ajv, compiled from the emitted files (emitted afresh, as `npm run build` does).
execFileSync(process.execPath, ['--import', 'tsx', join('scripts', 'emit-json-schema.ts')], {
  cwd: packageDir,
  stdio: 'pipe',
});
const schemaDir = join(packageDir, 'dist', 'json-schema');
const ajv = new Ajv2020({ strict: false });
formats.default(ajv);
for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'))) {
  ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')));
}
const ajvLearner = ajv.getSchema(`https://schema.celr.dev/${SCHEMA_VERSION}/learner-input.schema.json`)!;

// 3. Both must accept every record, or the comparison means nothing.
const celrRejects = records.filter((r) => !validate('learner', r).ok).length;
const ajvRejects = records.filter((r) => !ajvLearner(r)).length;
if (celrRejects || ajvRejects) {
  console.error(`Not all records are valid: @celr/schema rejects ${celrRejects}, Ajv rejects ${ajvRejects}.`);
  process.exit(1);
}

// 4. Timing: warm up, then alternate the contenders and keep each one's best pass.
const today = new Date().toISOString().slice(0, 10);
const contenders: { name: string; run: (r: unknown) => unknown }[] = [
  { name: "@celr/schema validate('learner', v)", run: (r) => validate('learner', r) },
  { name: 'Ajv 2020 (learner-input.schema.json)', run: (r) => ajvLearner(r) },
  // Where @celr/schema's time goes: its two parts on their own.
  {
    name: '  of which: TypeBox compiled Check',
    run: (r) =>
      compiledValidator('learner', 'input', (r as { jurisdiction: 'england' }).jurisdiction).Check(r),
  },
  { name: '  of which: CELR rules (checkRules)', run: (r) => checkRules('learner', r, { today }) },
];

let sink = 0;
const pass = (run: (r: unknown) => unknown) => {
  started = performance.now();
  for (const record of records) if (run(record)) sink++;
  return performance.now() - started;
};
for (const { run } of contenders) for (let i = 0; i < 3; i++) pass(run);

const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  for (const { name, run } of contenders) best.set(name, Math.min(best.get(name) ?? Infinity, pass(run)));
}

const width = Math.max(...contenders.map((c) => c.name.length));
console.log(`\nBest of ${ROUNDS} passes over ${format(records.length)} records (Node ${process.version}):`);
for (const { name } of contenders) {
  const ms = best.get(name)!;
  console.log(
    `  ${name.padEnd(width)}  ${format(rate(records.length, ms)).padStart(11)} records/s  (${ms.toFixed(0)} ms)`,
  );
}
const celr = rate(records.length, best.get(contenders[0]!.name)!);
const ajvRate = rate(records.length, best.get(contenders[1]!.name)!);
console.log(`\n@celr/schema / Ajv = ${(celr / ajvRate).toFixed(2)}  (above 1: @celr/schema is faster)`);
if (sink < 0) console.log(sink); // keeps the results observable, so no pass is optimised away
