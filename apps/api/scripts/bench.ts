/**
 * How fast the CELR API serves, how fast it imports, and how much memory it takes, on PostgreSQL:
 * `npm run bench -w @celr/api`. Not a test; run it by hand on a quiet machine and put the figures in
 * the release note.
 *
 * One run:
 *   1. creates a fresh PostgreSQL database (createTestDatabase), migrates it, creates an English local
 *      authority with an API client, and loads the learners through the service layer (RecordService);
 *   2. starts a bare Fastify server (scripts/bench-server.ts bare) whose one route runs the same SQL
 *      statement the API's read sends (READ_RECORD: the record with its access check and the caller epoch),
 *      prepared as the API prepares it, with `pg`: the ceiling for reads;
 *   3. starts the API (scripts/bench-server.ts api: buildApp on the database), each server a separate
 *      Node process, so the load generator does not share their event loop and their memory is their own;
 *   4. runs autocannon against each: the bare read; the API's GET /v1/learners/{id} (rotating over the
 *      learners), GET /v1/learners?limit=50 and POST /v1/learners (unique bodies, Idempotency-Key); then
 *      again the two reads on a second API process with read auditing switched off (BENCH_NO_AUDIT=1,
 *      set for that process only), to show what the audit insert on every read costs, and the read on a
 *      third API process whose connections commit asynchronously (`read-async-audit`: synchronous_commit
 *      off in the connection string; it serves only reads, so its only commits are the batches of read
 *      events), to show what waiting for each batch to reach the disk costs. autocannon runs a
 *      closed loop (each connection sends its next request when the last is answered), so each server is
 *      saturated and its latency is connections / throughput; so the bare read and the API's read are
 *      also run open loop (`bare-paced`, `read-paced`; bench/paced.ts): requests sent at one offered
 *      rate, below both servers' saturation, whether or not the earlier ones are answered, their p50 and
 *      p99 compared (the latency a user feels at that load) and the rate each achieved reported.
 *      The runs that are compared are interleaved (bench/slices.ts): on a cloud VM the CPU's speed drifts
 *      by tens of percent within a minute, so two 10 s runs a minute apart compare the drift as much as
 *      the servers. Their servers start first and stay up, each idle while another is measured; the
 *      closed-loop `bare`, `read`, `read-no-audit` and `read-async-audit` (those asked for, when two or
 *      more are) get one warm-up each, then --pairs rounds of one --slice s slice each, in that order; then `bare-paced`
 *      and `read-paced` likewise. Each round gives a ratio of slices taken seconds apart; the report
 *      states the median of the rounds' ratios (the aims are judged on it), their range, and the ratio of
 *      the pooled rows. A row pools its slices: req/s is their mean, p50 and p99 the median slice's.
 *      The other runs (`list`, `create`, `list-no-audit`, or a compared run asked for alone) then run
 *      once each for --duration s, a server at a time, each server stopped after its last run. Each
 *      server starts once, and its peak RSS is its own process's;
 *   5. the transfer part (`transfer`, bench/transfer.ts): a second authority, learners of the bench's
 *      authority each with 50 plans and 200 meetings (the schema's examples, validated, written through
 *      RecordStore.createBlock), one transfer each (responsibility-moves) sent over HTTP; the recipient
 *      accepts them one after the other on an API process of its own (median, min and max time, server
 *      and PostgreSQL CPU, SQL statements per accept; the aim is under 200 ms), then imports bundles of
 *      the same shape through POST /v1/bundles/import, measured the same way;
 *   6. the bulk phase (`bulk`), against a ceiling measured in the same run and database:
 *      - writes the learners (src/demo/cohort.ts, a range of their own) as NDJSON to a temporary file, and
 *        the same learners' `record` rows as COPY text (id, kind, learner_id, jurisdiction, type, status,
 *        owner_id, written_by_id, version, data as jsonb) to another;
 *      - COPY ... FROM STDIN (pg-copy-streams) of that file into `bench_copy`, a table created
 *        `LIKE record INCLUDING ALL` (the same columns, defaults and indexes, no foreign keys), dropped
 *        afterwards. It loads ONE table: the record rows and nothing else (the figure issue 18 began from);
 *      - the ceiling (bench/bulk-ceiling.ts): after the per-record import, every row it wrote (record,
 *        record_version, learner_access, learner_identifier, change, alert, audit_event, and the
 *        blocks the upload stored) read back and COPYed, in one transaction, into copies of the same
 *        tables with the same indexes and foreign keys; the import's aim is a share of this;
 *      - starts an API process with the bulk import worker running (as src/main.ts starts it) and, for
 *        each mode (per-record, then all-or-nothing; each its own range of learners, all new),
 *        streams the file to POST /v1/bulk/import?mode=..., polls the job (every 250 ms) until it
 *        finishes, and checks status `succeeded` and counts.created == the learners. An import writes,
 *        per learner, a `record` row and a `record_version` row, `change` rows, `learner_access` rows,
 *        `learner_identifier` rows and an `audit_event` row (the report counts them), all checked
 *        (validation, access rules, identifier clashes) in the API;
 *      - reports records/s from the POST to the job's finishedAt (upload included) and over the worker's
 *        own startedAt -> finishedAt, the upload time, records/s by tenth of the file, the CPU used by
 *        the API process and PostgreSQL, the API's peak RSS, the ratio import/COPY against the aim, and
 *        where the worker's time went: every SQL statement the API process sent, timed from call to
 *        result in the process (scripts/bench-server.ts, BENCH_SQL_TIMING), the rest, and how busy the
 *        API's event loop was (JavaScript: parsing, validation, deciding, building parameters, Prisma);
 *        --profile says which JavaScript;
 *      - exports (bench/bulk-export.ts): GET /v1/bulk/export of everything the organisation sees, read
 *        to the last byte, beside COPY (SELECT the same records' data) TO STDOUT; then, unless
 *        --no-bulk-pglite, the same per-record import and export on embedded PGlite (a new data folder,
 *        an API process of its own);
 *   7. prints the table and the aims, stops the servers, drops the database.
 *
 * Options (flags, or the BENCH_* environment variable in brackets):
 *   --duration <s>     measured seconds per run that is not interleaved (BENCH_DURATION, default 10)
 *   --pairs <n>        rounds of the interleaved runs (step 4): each compared run measured once per round
 *                      (BENCH_PAIRS, default 3)
 *   --slice <s>        measured whole seconds per slice of an interleaved run (BENCH_SLICE, default 5)
 *   --warmup <s>       unmeasured seconds before each run, once per interleaved run (BENCH_WARMUP, default 2)
 *   --connections <n>  concurrent connections of the closed-loop runs (BENCH_CONNECTIONS, default 10)
 *   --learners <n>     learners loaded before the runs (BENCH_LEARNERS, default 2000)
 *   --runs <list>      which runs, comma-separated, of: bare,bare-paced,read,read-paced,list,create,
 *                      read-no-audit,list-no-audit,read-async-audit,transfer,bulk (BENCH_RUNS, default all); the learners are
 *                      loaded only for the HTTP runs
 *   --paced-rate <n>   requests per second offered by the open-loop runs, bare-paced and read-paced
 *                      (BENCH_PACED_RATE; default 20 % of the bare read's closed-loop throughput when `bare`
 *                      runs, else 1000: the API's read serves 0.3 to 0.5 of the bare read's throughput, so
 *                      half would be past its saturation). They open up to 64 connections, as needed;
 *                      --connections is the closed-loop runs'. The report flags a run whose server fell
 *                      behind (NOT BELOW SATURATION): its latency measures a queue
 *   --transfers <n>    transfers accepted and bundles imported, each measured, after one warm-up each
 *                      (BENCH_TRANSFERS, default 10)
 *   --only <list>      the same as --runs: `npm run bench -w @celr/api -- --only bulk` is the bulk phase alone
 *   --bulk-learners <n>  learners per import and in the COPY (BENCH_BULK_LEARNERS, default 100000)
 *   --bulk-modes <list>  import modes, of per-record,all-or-nothing (BENCH_BULK_MODES, default both)
 *   --no-bulk-pglite   skip the import and export on embedded PGlite (BENCH_BULK_PGLITE=0)
 *   --no-idempotency   POST without Idempotency-Key (BENCH_IDEMPOTENCY=0)
 *   --log-level <lvl>  the API logs as src/main.ts does, at this level, to /dev/null (BENCH_LOG_LEVEL;
 *                      default: no logger, as buildApp's default)
 *   --runner <r>       how the servers run (BENCH_RUNNER): `bundle` (default) compiles bench-server.ts with
 *                      the API's sources into one file with esbuild and runs it with plain node, as
 *                      production runs dist/main.js; `tsx` runs the sources with `node --import tsx`,
 *                      whose loader adds to the servers' memory (the report says about how much);
 *                      `tsx` is the default with --profile, so that profiles name the source files
 *   --node-flags=<f>   extra Node/V8 flags for the server processes, e.g. --node-flags='--max-semi-space-size=8'
 *                      (BENCH_NODE_FLAGS); the environment (e.g. MALLOC_ARENA_MAX) is passed on too
 *   --profile          CPU-profile each API run (measured part only: for an interleaved run, its first slice
 *                      to its last, the idle time between left out; for an import, the worker's run)
 *                      and print where the time goes;
 *                      the .cpuprofile files are kept (open them in Chrome DevTools). Lowers the figures.
 *   --json <file>      also write the results as JSON: each interleaved run's slices (results[].slices), and
 *                      each ratio's rounds, median, range and pooled figure (ratios.paired, ratios.openLoop)
 *   --quick            --duration 3 --slice 2 --warmup 1 --learners 300 --bulk-learners 2000 --transfers 5,
 *                      unless given
 *   --help, -h         print this text
 *   BENCH_DATABASE_URL the PostgreSQL server to create the database on
 *                      (default postgresql://postgres@127.0.0.1:5432/postgres)
 *
 * The parts are in scripts/bench/: options.ts (the options above), servers.ts (the server processes),
 * setup.ts (step 1), requests.ts (steps 2-4) with slices.ts (the interleaved runs' rounds and ratios),
 * transfer.ts (step 5), bulk.ts (step 6), report.ts and
 * bulk-report.ts (step 7),
 * with cpu.ts, profile.ts, autocannon.ts and paced.ts (the open-loop load generator) beside them.
 *
 * Exits 0 when the runs complete, whether or not the aims are met; non-zero only on errors (an import
 * that does not succeed with every learner created is one).
 */
import { availableParallelism, cpus } from 'node:os';
import { type Database, openDatabase } from '../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../src/db/test-database.js';
import { bulkPhase, removeBulkFiles } from './bench/bulk.js';
import {
  BULK,
  BULK_LEARNERS,
  BULK_MODES,
  CONNECTIONS,
  DURATION,
  HTTP_RUNS,
  LEARNERS,
  log,
  PACED_DEFAULT_RATE,
  PACED_FRACTION,
  PACED_RATE,
  RUNNER,
  RUNS,
  SERVER_URL,
  TRANSFER,
  TRANSFERS,
  WARMUP,
} from './bench/options.js';
import { report } from './bench/report.js';
import { requestRuns } from './bench/requests.js';
import { loaderOverhead, prepareServerCommand, stopAllServers } from './bench/servers.js';
import { setUp } from './bench/setup.js';
import { transferPhase } from './bench/transfer.js';

let testDb: TestDatabase | undefined;
let db: Database | undefined;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAllServers();
    await db?.close().catch(() => {});
    await testDb?.drop();
    removeBulkFiles();
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and dropping the database.`);
    cleanup().finally(() => process.exit(130));
  });
}

async function main() {
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const closedLoop = HTTP_RUNS.filter((r) => !r.endsWith('-paced'));
  const openLoop = HTTP_RUNS.filter((r) => r.endsWith('-paced'));
  const phases = [
    ...(closedLoop.length
      ? [
          `${closedLoop.join(', ')}: ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, ${LEARNERS} learners`,
        ]
      : []),
    ...(openLoop.length
      ? [
          `${openLoop.join(', ')}: open loop at ${PACED_RATE ?? (RUNS.has('bare') ? `${100 * PACED_FRACTION} % of bare's` : PACED_DEFAULT_RATE)} req/s, ${DURATION} s per run after ${WARMUP} s warm-up`,
        ]
      : []),
    ...(TRANSFER
      ? [`transfer: ${TRANSFERS} accepts and imports of 1 learner with 50 plans and 200 meetings`]
      : []),
    ...(BULK ? [`bulk: ${BULK_LEARNERS} learners, ${BULK_MODES.join(' and ')} imports against COPY`] : []),
  ];
  console.log(
    `CELR API benchmark: ${phases.join('; ')}; ` +
      `Node ${process.version}, ${availableParallelism()} CPUs (${cpuModel}); load generator, servers and PostgreSQL share them.`,
  );

  await prepareServerCommand();

  // 1. Database, organisation, client, learners.
  testDb = await createTestDatabase(SERVER_URL);
  const url = testDb.url as string;
  log(`database ${new URL(url).pathname.slice(1)} created`);
  db = await openDatabase({ url, poolSize: 10 });
  await db.migrate();
  const setup = await setUp(db);

  // 2-4. The servers and the runs.
  const results = await requestRuns(db.prisma, url, setup);

  // 5. The transfer part.
  const transfer = TRANSFER ? await transferPhase(db, url, setup) : undefined;

  // 6. The bulk phase.
  const bulk = BULK ? await bulkPhase(db, url, setup.org.id, setup.client) : undefined;

  const tsxOverhead = RUNNER === 'tsx' ? await loaderOverhead() : undefined;

  // 7. The report.
  report({ cpuModel, pgVersion: setup.pgVersion, results, transfer, bulk, tsxOverhead });
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error('\nThe benchmark failed:', error);
} finally {
  await cleanup();
  if (testDb) log('servers stopped, database dropped');
}
process.exit(failed ? 1 : 0);
