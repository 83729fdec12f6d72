/**
 * The honest ceiling of an import: COPY of every row a per-record import of the learners really wrote,
 * into copies of the same tables with the same indexes, constraints and foreign keys, in one
 * transaction. The rows are the import's own (read back from the tables after it ran), so the ceiling
 * writes exactly what the import wrote, only without checking anything and in the fastest way
 * PostgreSQL has.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { cpuSnapshot } from './cpu.js';

/**
 * The tables an import writes (src/bulk/block-import.ts through the record store), in an order in
 * which each row's foreign keys are to rows before it. Every one of them names the learner.
 */
export const IMPORT_TABLES = [
  'record',
  'record_version',
  'learner_access',
  'learner_identifier',
  'change',
  'alert',
  'audit_event',
] as const;
export type ImportTable = (typeof IMPORT_TABLES)[number];

/** The schema the ceiling's tables are made in, dropped afterwards. */
const SCHEMA = 'bench_ceiling';

export interface CeilingResult {
  /** Learners of the import the rows are of. */
  learners: number;
  rows: Record<ImportTable, number> & { bulk_import_block: number };
  seconds: number;
  /** Learners per second: each learner's rows in every table. */
  recordsPerSecond: number;
  inputBytes: number;
  tableBytes: number;
  indexes: number;
  foreignKeys: number;
  cpuSeconds: { postgres?: number | undefined; client: number };
}

/**
 * Reads back the rows the import wrote (every row of its learners: those created between its
 * startedAt and finishedAt), as COPY text, one file per table, and the NDJSON file as the blocks
 * the upload stored; then times the COPY of all of them into copies of the tables.
 */
export async function importCeiling(
  url: string,
  dir: string,
  job: { id: string; startedAt: string; finishedAt: string; learners: number },
  ndjson: string,
  checkpoint: () => Promise<void>,
): Promise<CeilingResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.query(
      `CREATE TEMP TABLE bench_learners AS
      SELECT id FROM record WHERE kind = 'learner' AND created_at BETWEEN $1::timestamptz AND $2::timestamptz`,
      [job.startedAt, job.finishedAt],
    );
    const [{ n }] = (await client.query<{ n: string }>('SELECT count(*) AS n FROM bench_learners')).rows as [
      { n: string },
    ];
    if (Number(n) !== job.learners)
      throw new Error(`The ceiling found ${n} learners of the import, not ${job.learners}.`);

    // The rows, as COPY text (not timed).
    const files: { table: string; file: string; columns: string }[] = [];
    for (const table of IMPORT_TABLES) {
      const file = join(dir, `${table}.copy`);
      const columns = (
        await client.query<{ name: string }>(
          `SELECT quote_ident(attname) AS name FROM pg_attribute
           WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
          [table],
        )
      ).rows
        .map((r) => r.name)
        .join(', ');
      const out = client.query(
        copyTo(
          `COPY (SELECT ${columns} FROM ${table} WHERE learner_id IN (SELECT id FROM bench_learners)) TO STDOUT`,
        ),
      );
      await pipeline(out, createWriteStream(file));
      files.push({ table, file, columns });
    }
    // What the upload stored: the file in blocks of 1000 lines, under the import's job.
    const blocks = join(dir, 'bulk_import_block.copy');
    await writeBlocks(ndjson, blocks, job.id);
    files.push({ table: 'bulk_import_block', file: blocks, columns: 'import_id, seq, first_line, text' });

    // The tables: the same columns, defaults, indexes and checks, and the same foreign keys (to the
    // ceiling's own tables where the import writes the table referred to, else to the real one).
    const tables = [...IMPORT_TABLES, 'bulk_import_block'];
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const table of tables)
      await client.query(`CREATE TABLE ${SCHEMA}.${table} (LIKE public.${table} INCLUDING ALL)`);
    const fks = (
      await client.query<{ name: string; table: string; target: string; definition: string }>(
        `SELECT conname AS name, conrelid::regclass::text AS table, confrelid::regclass::text AS target,
                pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY($1::text[])`,
        [tables],
      )
    ).rows;
    for (const fk of fks) {
      const target = tables.includes(fk.target) ? `${SCHEMA}.${fk.target}` : `public.${fk.target}`;
      const definition = fk.definition.replace(
        new RegExp(`REFERENCES (?:public\\.)?"?${fk.target}"?\\(`),
        `REFERENCES ${target}(`,
      );
      if (definition === fk.definition) throw new Error(`Cannot retarget ${fk.name}: ${fk.definition}`);
      await client.query(`ALTER TABLE ${SCHEMA}.${fk.table} ADD CONSTRAINT ${fk.name} ${definition}`);
    }
    const indexes = Number(
      (
        await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_indexes WHERE schemaname = $1', [
          SCHEMA,
        ])
      ).rows[0]?.n,
    );

    await checkpoint();
    const cpuBefore = cpuSnapshot(process.pid);
    const started = performance.now();
    await client.query('BEGIN');
    const rows: Record<string, number> = {};
    for (const { table, file, columns } of files) {
      const copy = client.query(copyFrom(`COPY ${SCHEMA}.${table} (${columns}) FROM STDIN`));
      await pipeline(createReadStream(file), copy);
      rows[table] = copy.rowCount;
    }
    await client.query('COMMIT');
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuSnapshot(process.pid);
    const tableBytes = Number(
      (
        await client.query<{ bytes: string }>(
          `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
          [SCHEMA],
        )
      ).rows[0]?.bytes,
    );
    const cpu = (after?: number, before?: number) =>
      after === undefined || before === undefined ? undefined : (after - before) / 1000;
    return {
      learners: job.learners,
      rows: rows as CeilingResult['rows'],
      seconds,
      recordsPerSecond: job.learners / seconds,
      inputBytes: files.reduce((sum, f) => sum + statSync(f.file).size, 0),
      tableBytes,
      indexes,
      foreignKeys: fks.length,
      cpuSeconds: {
        postgres: cpu(cpuAfter.postgres, cpuBefore.postgres),
        client: cpu(cpuAfter.client, cpuBefore.client) ?? 0,
      },
    };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => {});
    await client.end();
  }
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const copyField = (value: string) => value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c] as string);

/** The NDJSON file as the upload stores it (src/bulk/import-jobs.ts): blocks of 1000 lines. */
async function writeBlocks(ndjson: string, file: string, importId: string) {
  const { createInterface } = await import('node:readline');
  const { BLOCK_LINES } = await import('../../src/bulk/import-jobs.js');
  const out = createWriteStream(file);
  let block: string[] = [];
  let seq = 0;
  let line = 0;
  let first = 1;
  const flush = () => {
    if (!block.length) return;
    out.write(`${importId}\t${seq++}\t${first}\t${copyField(block.join('\n'))}\n`);
    block = [];
  };
  for await (const text of createInterface({ input: createReadStream(ndjson), crlfDelay: Infinity })) {
    line++;
    if (!block.length) first = line;
    block.push(text);
    if (block.length === BLOCK_LINES) flush();
  }
  flush();
  out.end();
  await new Promise((resolve) => out.once('close', resolve));
}
