/**
 * The server side of `npm run bench -w @celr/api` (scripts/bench.ts), run as its own Node process so
 * that the load generator and the server do not share an event loop and the server's memory can be
 * measured on its own. Not meant to be run by hand:
 *
 *   node --conditions=@celr/source --import tsx scripts/bench-server.ts api    # the CELR API (buildApp)
 *   node --conditions=@celr/source --import tsx scripts/bench-server.ts bare   # one route, one SQL query
 *
 * Environment (set by bench.ts):
 *   DATABASE_URL         the PostgreSQL database to serve (required, unless BENCH_PGLITE_DIR)
 *   BENCH_PGLITE_DIR     api only: serve embedded PGlite from this data folder instead (the bulk phase's
 *                        PGlite part); SQL timing (BENCH_SQL_TIMING) sees none of its statements
 *   BENCH_POOL_SIZE      connection pool size (default 10, as the API's default)
 *   BENCH_NO_AUDIT=1     api only: read audit events are not written (AuditTrail.prototype.read is a
 *                        no-op), to measure what the audit insert costs. Only this file reads the flag.
 *   BENCH_LOG_LEVEL      api only: log as src/main.ts does, at this level, to /dev/null (default: no logger)
 *   BENCH_ORG_ID         bare only: the organisation whose access grants the query checks
 *   BENCH_BULK_WORKER=1  api only: start the bulk import worker (app.bulkImports.start()), as src/main.ts does
 *   BENCH_SQL_TIMING=1   time every SQL statement this process sends (pg's Client.prototype.query, which
 *                        Prisma's pg adapter and Database.sql both go through), from the call to the result,
 *                        between timing-start and timing-stop, and measure how busy the event loop was
 *                        (performance.eventLoopUtilization); measurement only, microseconds per statement
 *
 * It listens on 127.0.0.1 on a free port and talks to its parent over the IPC channel:
 *   -> { type: 'ready', port }                          once listening
 *   <- { type: 'stats' }  -> { type: 'stats', ... }     memory: sampled peak RSS (every 100 ms), RSS, heap
 *   <- { type: 'reset-peak' }                           start a new sampled peak
 *   <- { type: 'profile-start' } -> { type: 'profile-started' }        start the V8 CPU profiler
 *   <- { type: 'profile-stop', file } -> { type: 'profile-written' }   stop it, write a .cpuprofile
 *   <- { type: 'timing-start' } -> { type: 'timing-started' }          BENCH_SQL_TIMING: start afresh
 *   <- { type: 'timing-stop', restart? } -> { type: 'timing', statements, eventLoop }   what it timed since
 *                                                        (restart: and start afresh at once)
 * On SIGTERM it closes the server and the pool and exits 0 (so `--cpu-prof` gets written).
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import pg from 'pg';

const mode = process.argv[2];
const databaseUrl = process.env.DATABASE_URL;
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? 10);
const pgliteDir = mode === 'api' ? process.env.BENCH_PGLITE_DIR : undefined;
if (!databaseUrl && !pgliteDir) throw new Error('bench-server: DATABASE_URL is required.');
if (mode !== 'api' && mode !== 'bare')
  throw new Error(`bench-server: mode must be 'api' or 'bare', not '${mode}'.`);

// Peak resident set size, sampled (the parent also reads the exact VmHWM from /proc where it can).
let peakRss = process.memoryUsage.rss();
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100).unref();

const send = (message: object) => process.send?.(message);
// The CPU profiler, started and stopped by the parent around a measured run (not start-up or warm-up).
let profiler: Session | undefined;
async function profileCommand(message: { type?: string; file?: string }) {
  try {
    if (message.type === 'profile-start') {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      send({ type: 'profile-started' });
    } else if (message.type === 'profile-stop' && profiler && message.file) {
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      await writeFile(message.file, JSON.stringify(profile));
      send({ type: 'profile-written' });
    }
  } catch (error) {
    send({
      type: message.type === 'profile-start' ? 'profile-started' : 'profile-written',
      error: String(error),
    });
  }
}
// SQL timing (BENCH_SQL_TIMING=1): wall time from each query's call to its result, by statement.
interface Timed {
  calls: number;
  ms: number;
}
const sqlTiming = process.env.BENCH_SQL_TIMING === '1';
let timing = false;
let statements = new Map<string, Timed>();
let eventLoopSince = performance.eventLoopUtilization();
/**
 * A statement's first 90 characters, whitespace collapsed: enough to tell the import's statements
 * apart; for one that starts WITH, the tables it writes instead (what its CTEs hide).
 */
function statementLabel(text: string) {
  const flat = text.replace(/\s+/g, ' ').trim();
  const writes = /^WITH\b/i.test(flat)
    ? [...flat.matchAll(/\b(INSERT INTO|UPDATE|DELETE FROM)\s+("?[\w.]+"?)/gi)].map(
        (m) => `${(m[1] as string).toUpperCase()} ${m[2]}`,
      )
    : [];
  return writes.length ? `WITH ... ${writes.join(', ')}` : flat.slice(0, 90);
}
if (sqlTiming) {
  type Query = (this: unknown, ...args: unknown[]) => unknown;
  const prototype = pg.Client.prototype as unknown as { query: Query };
  const query = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: unknown } | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (!timing || typeof text !== 'string') return query.apply(this, args);
    const label = statementLabel(text);
    const started = performance.now();
    const done = () => {
      const entry = statements.get(label) ?? { calls: 0, ms: 0 };
      statements.set(label, entry);
      entry.calls++;
      entry.ms += performance.now() - started;
    };
    // Callback style (pg.Pool.query uses it) or a promise (Prisma's adapter).
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (...results: unknown[]) => {
        done();
        return (callback as (...r: unknown[]) => unknown)(...results);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function')
      (result as Promise<unknown>).then(done, done);
    return result;
  };
}
function timingCommand(message: { type?: string; restart?: boolean }) {
  const loop = performance.eventLoopUtilization(eventLoopSince);
  const timed = {
    statements: [...statements].map(([label, t]) => ({ label, ...t })),
    // Time the event loop was running JavaScript (not waiting for I/O), and its share of the time since.
    eventLoop: { activeMs: loop.active, utilization: loop.utilization },
  };
  statements = new Map();
  eventLoopSince = performance.eventLoopUtilization();
  if (message.type === 'timing-start') {
    timing = sqlTiming;
    send({ type: 'timing-started', ...(sqlTiming ? {} : { error: 'BENCH_SQL_TIMING is not set' }) });
  } else {
    timing = sqlTiming && message.restart === true;
    send({ type: 'timing', ...timed });
  }
}

process.on('message', (message: { type?: string; file?: string; restart?: boolean }) => {
  if (message.type === 'profile-start' || message.type === 'profile-stop') void profileCommand(message);
  if (message.type === 'timing-start' || message.type === 'timing-stop') timingCommand(message);
  if (message.type === 'reset-peak') peakRss = process.memoryUsage.rss();
  if (message.type === 'stats') {
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    send({ type: 'stats', peakRss, ...memory });
  }
});
// The parent going away (crash, Ctrl-C) must not leave a server behind.
process.on('disconnect', () => void stop());

let close: () => Promise<void> = async () => {};
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

if (mode === 'api') {
  // Imported here, not at the top, so that the bare server's memory holds none of the API's modules.
  const [{ buildApp }, { AuditTrail }, { configFromEnv }, { openDatabase }] = await Promise.all([
    import('../src/app.js'),
    import('../src/audit/audit-trail.js'),
    import('../src/config.js'),
    import('../src/db/database.js'),
  ]);
  if (process.env.BENCH_NO_AUDIT === '1') {
    // Measurement only: skip the read audit insert. Writes are still audited (AuditTrail.write).
    AuditTrail.prototype.read = async () => {};
  }
  const config = {
    ...configFromEnv(),
    databaseUrl: pgliteDir ? undefined : databaseUrl,
    host: '127.0.0.1',
    port: 0,
    demo: false,
  };
  const level = process.env.BENCH_LOG_LEVEL;
  const logger = level
    ? {
        level,
        stream: createWriteStream('/dev/null'),
        serializers: {
          req: (req: { method: string; url: string; id: string }) => ({
            method: req.method,
            path: req.url.split('?')[0],
            id: req.id,
          }),
        },
        redact: ['req.headers.authorization'],
      }
    : false;
  const db = await openDatabase(pgliteDir ? { dataDir: pgliteDir } : { url: databaseUrl, poolSize });
  const app = await buildApp({ db, config, logger });
  // Take up the token key before serving: it is made now (on a new database) rather than inside the
  // first request, and a key this process cannot use (sealed under another CELR_KEY_ENCRYPTION_KEY)
  // stops the start with its cause on stderr, instead of a bare 500 from POST /oauth/token (the server
  // logs nothing unless BENCH_LOG_LEVEL is set).
  await app.signingKeys.signer('token');
  close = async () => {
    await app.close();
    await db.close();
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  // Bulk imports run in the API process, as src/main.ts starts them (and app.close() stops them).
  if (process.env.BENCH_BULK_WORKER === '1') app.bulkImports?.start();
  const address = app.server.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
} else {
  const orgId = process.env.BENCH_ORG_ID;
  if (!orgId) throw new Error('bench-server: BENCH_ORG_ID is required in bare mode.');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  pool.on('error', () => {});
  // The API's own single-record read (READ_RECORD of src/records/record-service.ts: the record with its
  // access check and the caller epoch), prepared once per connection as the API prepares it
  // (Database.sql with a name), so the ceiling is the same statement sent the same way.
  const { READ_RECORD } = await import('../src/records/record-service.js');
  type Row = {
    id: string | null;
    version: number;
    createdAt: Date;
    updatedAt: Date;
    deletedAt: Date | null;
    writtenById: string;
    data: Record<string, unknown>;
  };

  const app = Fastify({ logger: false });
  app.get('/learners/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const { rows } = await pool.query<Row>({
      name: 'bench_bare_read_record',
      text: READ_RECORD,
      values: [id, 'learner', orgId],
    });
    const row = rows[0];
    if (!row?.id || row.deletedAt) return reply.code(404).send({ status: 404, title: 'Not found' });
    reply.header('etag', `"v${row.version}"`);
    // The API's representation (src/records/representation.ts present()), so both send the same bytes.
    return {
      id: row.id,
      meta: {
        version: row.version,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
        recordedBy: { organisationId: row.writtenById },
      },
      ...row.data,
    };
  });
  close = async () => {
    await app.close();
    await pool.end();
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
}
