/**
 * The bulk phase: imports over HTTP (POST /v1/bulk/import, per record and all or nothing), and COPY
 * of the same records as the ceiling, in the same database.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { validate } from '@celr/schema';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createClient, createOrganisation } from '../../src/admin/organisations.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { syntheticCohort, syntheticLearner } from '../../src/demo/cohort.js';
import { indexedColumns } from '../../src/records/representation.js';
import { type CeilingResult, IMPORT_TABLES, type ImportTable, importCeiling } from './bulk-ceiling.js';
import {
  type ExportCeiling,
  type ExportResult,
  exportableRecords,
  exportCeiling,
  exportOnce,
} from './bulk-export.js';
import { cpuSnapshot } from './cpu.js';
import {
  BULK_LEARNERS,
  BULK_MODE_NAMES,
  BULK_MODES,
  BULK_PGLITE,
  type BulkMode,
  LOG_LEVEL,
  log,
  MB,
  profileDir,
} from './options.js';
import { bearer, type Server, type SqlTiming, startServer, stopAndRecordPeak } from './servers.js';

// The bulk phase: imports over HTTP, and COPY of the same records as the ceiling

export { IMPORT_TABLES, type ImportTable } from './bulk-ceiling.js';

type TableCounts = Record<ImportTable, number> & { bytes: number };

/** Rows in each of the import's tables, and the bytes of all of them with their indexes and TOAST. */
async function tableCounts(db: Database): Promise<TableCounts> {
  const [row] = await db.sql<Record<string, string>>(
    `SELECT ${IMPORT_TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')},
            ${IMPORT_TABLES.map((t) => `pg_total_relation_size('${t}')`).join(' + ')} AS bytes`,
    [],
  );
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)])) as TableCounts;
}

/** Each load starts from a clean checkpoint, so that neither pays for the other's dirty pages. */
async function checkpoint(db: Database) {
  try {
    await db.sql('CHECKPOINT', []);
  } catch {
    // Not a superuser: the loads share the checkpoints as they fall.
  }
}

/** Writes `count` lines, made a thousand at a time by `chunk(first, n)`, to `file`; returns its size. */
async function writeLines(file: string, count: number, chunk: (first: number, n: number) => string) {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i += 1000) {
    if (!out.write(chunk(i, Math.min(1000, count - i)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return statSync(file).size;
}

/** The record columns COPY fills; created_at and updated_at take their default, now(), as an import's do. */
const COPY_COLUMNS =
  'id, kind, learner_id, jurisdiction, type, status, owner_id, written_by_id, version, data';
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** A field in COPY's text format: NULL is \N; backslash, newline, carriage return and tab are escaped. */
const copyField = (value: string | null) =>
  value === null ? '\\N' : value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c] as string);

/** Learners `from` to `from + count - 1` as the `record` rows an import makes of them, in COPY text. */
function copyRows(from: number, count: number, orgId: string): string {
  let text = '';
  for (let n = from; n < from + count; n++) {
    const data = syntheticLearner(n);
    const id = randomUUID();
    const { jurisdiction, type, status } = indexedColumns('learner', data);
    const fields = [id, 'learner', id, jurisdiction, type, status, orgId, orgId, '1', JSON.stringify(data)];
    text += `${fields.map(copyField).join('\t')}\n`;
  }
  return text;
}

export interface CopyResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** The COPY text sent. */
  inputBytes: number;
  /** bench_copy afterwards, with its indexes and TOAST. */
  tableBytes: number;
  indexes: number;
  cpuSeconds: { postgres?: number | undefined; client: number };
}

/** The ceiling: one COPY of the records' rows into a table like `record`, in the bench's database. */
async function copyCeiling(db: Database, url: string, file: string, rows: number): Promise<CopyResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_copy');
    await client.query('CREATE TABLE bench_copy (LIKE record INCLUDING ALL)');
    const indexes = Number(
      (
        await client.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'bench_copy'",
        )
      ).rows[0]?.n,
    );
    await checkpoint(db);
    const cpuBefore = cpuSnapshot(process.pid);
    const started = performance.now();
    const copy = client.query(copyFrom(`COPY bench_copy (${COPY_COLUMNS}) FROM STDIN`));
    await pipeline(createReadStream(file), copy);
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuSnapshot(process.pid);
    const stored = await client.query<{ n: string; bytes: string }>(
      "SELECT count(*) AS n, pg_total_relation_size('bench_copy') AS bytes FROM bench_copy",
    );
    const counted = Number(stored.rows[0]?.n);
    if (counted !== rows || copy.rowCount !== rows)
      throw new Error(`COPY loaded ${copy.rowCount} rows (${counted} in bench_copy), not ${rows}.`);
    const cpu = (after?: number, before?: number) =>
      after === undefined || before === undefined ? undefined : (after - before) / 1000;
    return {
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      inputBytes: statSync(file).size,
      tableBytes: Number(stored.rows[0]?.bytes),
      indexes,
      cpuSeconds: {
        postgres: cpu(cpuAfter.postgres, cpuBefore.postgres),
        client: cpu(cpuAfter.client, cpuBefore.client) ?? 0,
      },
    };
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_copy').catch(() => {});
    await client.end();
  }
}

/** A job as GET /v1/bulk/import/{id} shows it (the parts read here). */
interface ImportJob {
  id: string;
  status: string;
  lines: number;
  progress: { linesDone: number };
  counts: { created: number; updated: number; unchanged: number; failed: number };
  startedAt?: string;
  finishedAt?: string;
  problem?: unknown;
  links: { errors: string };
}
const FINISHED = new Set(['succeeded', 'partially-succeeded', 'failed']);
const POLL_MS = 250;

/** Streams the file as the body of the POST; resolves with the answer once it has all arrived. */
function upload(url: string, headers: Record<string, string>, file: string, bytes: number) {
  return new Promise<{ status: number; location?: string | undefined; body: string }>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/x-ndjson',
          'content-length': String(bytes),
          'idempotency-key': randomUUID(),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    pipeline(createReadStream(file), req).catch(reject);
  });
}

export interface ImportResult {
  mode: BulkMode;
  database: 'postgresql' | 'pglite';
  jobId: string;
  startedAt: string;
  finishedAt: string;
  learners: number;
  firstLearner: number;
  /** POST sent -> 202 received: the file streamed into the job's blocks. */
  uploadSeconds: number;
  /** 202 received -> the worker's startedAt. */
  queuedSeconds: number;
  /** The worker's startedAt -> finishedAt. */
  workerSeconds: number;
  /** POST sent -> the job's finishedAt: what a client waits. */
  totalSeconds: number;
  recordsPerSecond: number;
  workerRecordsPerSecond: number;
  /** Records/s over each tenth of the file (from the job's progress, polled), when the file is large enough. */
  byTenth?: number[];
  peakRssMb: number;
  /** CPU seconds from the POST to the end: the API process, all PostgreSQL processes, this process. */
  cpuSeconds: { server?: number | undefined; postgres?: number | undefined; client: number };
  /** Rows the import added to each table, and the bytes the tables grew by (indexes and TOAST included). */
  rowsWritten: Record<ImportTable, number>;
  bytesWritten: number;
  upload: SqlTiming;
  worker: SqlTiming;
  profile?: string;
}

async function importOnce(
  db: Database | undefined,
  server: Server,
  headers: Record<string, string>,
  mode: BulkMode,
  file: string,
  firstLearner: number,
): Promise<ImportResult> {
  const bytes = statSync(file).size;
  const before = db ? await tableCounts(db) : undefined;
  if (db) await checkpoint(db);
  server.resetPeak();
  const profileFile = profileDir ? join(profileDir, `bulk-${mode}.cpuprofile`) : undefined;
  const cpuBefore = cpuSnapshot(server.pid);
  await server.timingStart();
  const postedAt = Date.now();
  const answer = await upload(`${server.url}/v1/bulk/import?mode=${mode}`, headers, file, bytes);
  const answeredAt = Date.now();
  const upload_ = await server.timingStop(true);
  if (answer.status !== 202 || !answer.location)
    throw new Error(`POST /v1/bulk/import?mode=${mode}: ${answer.status} ${answer.body.slice(0, 2000)}`);
  const stopProfile = profileFile ? await server.profile(profileFile) : undefined;

  // Progress over time, as the job reports it (a per-record job after each block's commit).
  const samples: { at: number; lines: number }[] = [];
  let job: ImportJob;
  let lastProgress = Date.now();
  for (;;) {
    const res = await fetch(`${server.url}${answer.location}`, { headers });
    if (res.status !== 200) throw new Error(`GET ${answer.location}: ${res.status} ${await res.text()}`);
    job = (await res.json()) as ImportJob;
    const now = Date.now();
    if (job.progress.linesDone !== samples.at(-1)?.lines) lastProgress = now;
    samples.push({ at: now, lines: job.progress.linesDone });
    if (FINISHED.has(job.status)) break;
    if (now - lastProgress > 10 * 60_000)
      throw new Error(`The ${mode} import made no progress for 10 minutes: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const worker = await server.timingStop();
  await stopProfile?.();
  const cpuAfter = cpuSnapshot(server.pid);
  const peak = await server.peakRss();

  if (job.status !== 'succeeded' || job.counts.created !== BULK_LEARNERS || job.counts.failed !== 0) {
    const errors = await fetch(`${server.url}${job.links.errors}?limit=5`, { headers })
      .then((r) => r.text())
      .catch((e) => String(e));
    throw new Error(
      `The ${mode} import did not create every learner: ${JSON.stringify(job)}; first errors: ${errors.slice(0, 2000)}`,
    );
  }
  const after = db ? await tableCounts(db) : undefined;
  const startedAt = Date.parse(job.startedAt as string);
  const finishedAt = Date.parse(job.finishedAt as string);
  const workerSeconds = (finishedAt - startedAt) / 1000;
  const totalSeconds = (finishedAt - postedAt) / 1000;
  const cpu = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : (a - b) / 1000);

  // Records/s by tenth: from the worker's start, each tenth ends at the first poll that saw it done.
  let byTenth: number[] | undefined;
  if (BULK_LEARNERS >= 20_000) {
    byTenth = [];
    let from = { at: startedAt, lines: 0 };
    for (let k = 1; k <= 10; k++) {
      const to = samples.find((s) => s.lines >= Math.round((BULK_LEARNERS * k) / 10));
      if (!to || to.at <= from.at) {
        byTenth = undefined;
        break;
      }
      byTenth.push((to.lines - from.lines) / ((to.at - from.at) / 1000));
      from = to;
    }
  }

  return {
    mode,
    database: db ? 'postgresql' : 'pglite',
    jobId: job.id,
    startedAt: job.startedAt as string,
    finishedAt: job.finishedAt as string,
    learners: BULK_LEARNERS,
    firstLearner,
    uploadSeconds: (answeredAt - postedAt) / 1000,
    queuedSeconds: Math.max(0, (startedAt - answeredAt) / 1000),
    workerSeconds,
    totalSeconds,
    recordsPerSecond: BULK_LEARNERS / totalSeconds,
    workerRecordsPerSecond: BULK_LEARNERS / workerSeconds,
    ...(byTenth ? { byTenth } : {}),
    peakRssMb: peak / MB,
    cpuSeconds: {
      server: cpu(cpuAfter.server, cpuBefore.server),
      postgres: cpu(cpuAfter.postgres, cpuBefore.postgres),
      client: cpu(cpuAfter.client, cpuBefore.client) ?? 0,
    },
    rowsWritten: Object.fromEntries(
      IMPORT_TABLES.map((t) => [t, after && before ? after[t] - before[t] : 0]),
    ) as Record<ImportTable, number>,
    bytesWritten: after && before ? after.bytes - before.bytes : 0,
    upload: upload_,
    worker,
    ...(profileFile ? { profile: profileFile } : {}),
  };
}

/** The bulk phase's NDJSON and COPY files, removed at the end. */
let bulkDir: string | undefined;
export function removeBulkFiles(): void {
  if (bulkDir) rmSync(bulkDir, { recursive: true, force: true });
}

export interface BulkResult {
  learners: number;
  ndjsonBytes: number;
  copy: CopyResult;
  /** COPY of every row the per-record import wrote, into the same tables (bulk-ceiling.ts). */
  ceiling?: CeilingResult | undefined;
  imports: ImportResult[];
  exports: { result: ExportResult; ceiling?: ExportCeiling }[];
  /** Why the PGlite import and export have no figures, when they failed. */
  pgliteFailure?: string | undefined;
}

export async function bulkPhase(
  db: Database,
  url: string,
  orgId: string,
  client: { clientId: string; secret: string },
): Promise<BulkResult> {
  bulkDir = mkdtempSync(join(tmpdir(), 'celr-bench-bulk-'));
  // Each import its own learners, all new (so every line creates), far from the HTTP runs' learners.
  const span = Math.ceil(BULK_LEARNERS / 1_000_000) * 1_000_000;
  const firstOf = (mode: BulkMode) => span * (BULK_MODE_NAMES.indexOf(mode) + 1);
  for (const mode of BULK_MODES) {
    for (const n of [firstOf(mode), firstOf(mode) + BULK_LEARNERS - 1]) {
      const check = validate('learner', syntheticLearner(n));
      if (!check.ok) throw new Error(`Learner ${n} is not valid: ${JSON.stringify(check.issues)}`);
    }
  }

  const generated = performance.now();
  const files = new Map<BulkMode, string>();
  let ndjsonBytes = 0;
  for (const mode of BULK_MODES) {
    const file = join(bulkDir, `${mode}.ndjson`);
    ndjsonBytes = await writeLines(file, BULK_LEARNERS, (i, n) => syntheticCohort(n, firstOf(mode) + i));
    files.set(mode, file);
  }
  // The same learners as the first import's, as the record rows it makes of them.
  const copyFile = join(bulkDir, 'record.copy');
  const copyFirst = firstOf(BULK_MODES[0] as BulkMode);
  await writeLines(copyFile, BULK_LEARNERS, (i, n) => copyRows(copyFirst + i, n, orgId));
  log(
    `bulk: ${BULK_MODES.length} NDJSON file(s) of ${BULK_LEARNERS} learners (${(ndjsonBytes / MB).toFixed(0)} MB each) ` +
      `and their COPY text written in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
  );

  const copy = await copyCeiling(db, url, copyFile, BULK_LEARNERS);
  log(
    `COPY of ${BULK_LEARNERS} record rows into bench_copy: ${copy.seconds.toFixed(1)} s, ${copy.rowsPerSecond.toFixed(0)} rows/s`,
  );

  const label = 'API (bulk import)';
  const extraEnv: Record<string, string> = {
    DATABASE_URL: url,
    BENCH_BULK_WORKER: '1',
    BENCH_SQL_TIMING: '1',
    // The API's limits, raised only if the file would not fit them.
    ...(BULK_LEARNERS > 200_000 ? { CELR_BULK_MAX_LINES: String(BULK_LEARNERS) } : {}),
    ...(ndjsonBytes > 256 * MB ? { CELR_BULK_MAX_BYTES: String(ndjsonBytes) } : {}),
  };
  if (LOG_LEVEL) extraEnv.BENCH_LOG_LEVEL = LOG_LEVEL;
  const server = await startServer(label, 'api', extraEnv);
  let peak = await server.peakRss();
  log(
    `${label} listening on ${server.url} (pid ${server.pid}, ${(peak / MB).toFixed(0)} MB peak RSS at start)`,
  );
  const headers = await bearer(server, client);
  const imports: ImportResult[] = [];
  let ceiling: CeilingResult | undefined;
  for (const mode of BULK_MODES) {
    const result = await importOnce(db, server, headers, mode, files.get(mode) as string, firstOf(mode));
    imports.push(result);
    peak = Math.max(peak, result.peakRssMb * MB);
    log(
      `${mode} import of ${BULK_LEARNERS} learners: ${result.recordsPerSecond.toFixed(0)} records/s from the POST ` +
        `(${result.totalSeconds.toFixed(1)} s; upload ${result.uploadSeconds.toFixed(1)} s, worker ${result.workerSeconds.toFixed(1)} s), ` +
        `${result.peakRssMb.toFixed(0)} MB peak RSS`,
    );
    if (mode === 'per-record') {
      // The rows it wrote, read back and COPYed into the same tables: what the import is measured against.
      ceiling = await importCeiling(
        url,
        bulkDir,
        {
          id: result.jobId,
          startedAt: result.startedAt,
          finishedAt: result.finishedAt,
          learners: BULK_LEARNERS,
        },
        files.get(mode) as string,
        () => checkpoint(db),
      );
      log(
        `COPY of every row the per-record import wrote (${Object.entries(ceiling.rows)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}): ${ceiling.seconds.toFixed(1)} s, ${ceiling.recordsPerSecond.toFixed(0)} learners/s`,
      );
    }
  }

  // Export: everything the organisation may see, and the same records in one COPY.
  const exports: BulkResult['exports'] = [];
  const records = await exportableRecords(url, orgId);
  const exportCopy = await exportCeiling(url, orgId);
  const exported = await exportOnce(server, headers, 'postgresql', records);
  peak = Math.max(peak, exported.peakRssMb * MB);
  exports.push({ result: exported, ceiling: exportCopy });
  log(
    `export of ${records} records on PostgreSQL: ${exported.seconds.toFixed(1)} s, ${exported.recordsPerSecond.toFixed(0)} records/s ` +
      `(COPY of their data: ${exportCopy.seconds.toFixed(1)} s), ${exported.peakRssMb.toFixed(0)} MB peak RSS`,
  );
  await stopAndRecordPeak(server, label, peak);

  let pgliteFailure: string | undefined;
  if (BULK_PGLITE) {
    const file = files.get('per-record') ?? (files.values().next().value as string);
    try {
      const pglite = await pglitePhase(file, extraEnv);
      imports.push(pglite.imported);
      exports.push({ result: pglite.exported });
    } catch (error) {
      // Reported with the figures (a server that runs out of its 160 MB heap, say), not lost with them.
      pgliteFailure = String((error as Error)?.message ?? error);
      log(`the PGlite part failed: ${pgliteFailure}`);
    }
  }
  rmSync(bulkDir, { recursive: true, force: true });
  return { learners: BULK_LEARNERS, ndjsonBytes, copy, ceiling, imports, exports, pgliteFailure };
}

/**
 * Embedded PGlite (CELR_EMBEDDED_DATABASE=pglite): a per-record import of the learners into a new
 * PGlite data folder, served by an API process of its own, then an export of them all.
 */
async function pglitePhase(file: string, env: Record<string, string>) {
  const dataDir = join(bulkDir as string, 'pglite');
  const setupDb = await openDatabase({ dataDir });
  let client: { clientId: string; secret: string };
  try {
    await setupDb.migrate();
    const org = await createOrganisation(setupDb.prisma, {
      kind: 'local-authority',
      name: 'Northbridge Borough Council',
      jurisdiction: 'england',
      laCode: '990',
    });
    client = await createClient(setupDb.prisma, { organisationId: org.id, name: 'bench client' });
  } finally {
    await setupDb.close();
  }
  const label = 'API (bulk, embedded PGlite)';
  const { DATABASE_URL: _, ...rest } = env;
  const server = await startServer(label, 'api', { ...rest, BENCH_PGLITE_DIR: dataDir });
  let peak = await server.peakRss();
  try {
    const headers = await bearer(server, client);
    const imported = await importOnce(undefined, server, headers, 'per-record', file, 0);
    peak = Math.max(peak, imported.peakRssMb * MB);
    log(
      `per-record import of ${BULK_LEARNERS} learners on PGlite: ${imported.recordsPerSecond.toFixed(0)} records/s from the POST ` +
        `(${imported.totalSeconds.toFixed(1)} s), ${imported.peakRssMb.toFixed(0)} MB peak RSS`,
    );
    const exported = await exportOnce(server, headers, 'pglite', BULK_LEARNERS);
    peak = Math.max(peak, exported.peakRssMb * MB);
    log(
      `export of ${BULK_LEARNERS} records on PGlite: ${exported.seconds.toFixed(1)} s, ${exported.recordsPerSecond.toFixed(0)} records/s, ` +
        `${exported.peakRssMb.toFixed(0)} MB peak RSS`,
    );
    return { imported, exported };
  } finally {
    await stopAndRecordPeak(server, label, peak).catch(() => server.stop());
  }
}
