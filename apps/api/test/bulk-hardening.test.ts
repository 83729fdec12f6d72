import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordLine } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../src/audit/audit-trail.js';
import type { SourceLine } from '../src/bulk/block-import.js';
import { BulkImportWorker, type BulkWorkerFaults } from '../src/bulk/import-worker.js';
import { createTestDatabase } from '../src/db/test-database.js';
import { syntheticLearner } from '../src/demo/cohort.js';
import { startTestApi, type TestApi } from './support/api.js';
import { spawnBulkServer } from './support/spawn-bulk-server.js';

// Lines are capped at 128 KiB here (1 MiB by default), so an over-long line is cheap to send.
const MAX_LINE = 128 * 1024;
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ bulk: { maxBytes: 10_000_000, maxLines: 200_000, maxLineBytes: MAX_LINE } });
});
afterAll(() => api.close());

const NDJSON = 'application/x-ndjson';
const line = (n: number) => recordLine('learner', syntheticLearner(n));
const idOf = (location: string) => location.split('/').at(-1)!;

async function submit(body: string | Buffer, mode = 'per-record') {
  const res = await api.as('northbridge', {
    method: 'POST',
    url: `/v1/bulk/import?mode=${mode}`,
    headers: { 'content-type': NDJSON },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.headers.location as string;
}

const job = async (location: string) =>
  (await api.as('northbridge', { method: 'GET', url: location })).json();

async function errorsOf(location: string) {
  const res = await api.as('northbridge', { method: 'GET', url: `${location}/errors` });
  expect(res.statusCode).toBe(200);
  return res.json().items as { line: number; pointer: string; rule: string; message: string }[];
}

/** Learners of the synthetic cohort numbered `ns` that exist, and how many 'created' feed entries they have. */
async function written(ns: number[]) {
  const values = ns.map((n) => `NB-${String(n).padStart(6, '0')}`);
  const [row] = await api.db.sql<{ learners: number; created: number; identifiers: number }>(
    `SELECT count(DISTINCT i.learner_id)::int AS learners, count(*)::int AS identifiers,
            (SELECT count(*)::int FROM change c WHERE c.change = 'created'
               AND c.record_id IN (SELECT learner_id FROM learner_identifier WHERE system = 'la-child-id:990' AND value = ANY($1::text[]))) AS created
     FROM learner_identifier i WHERE i.system = 'la-child-id:990' AND i.value = ANY($1::text[])`,
    [values],
  );
  return row!;
}

const worker = (faults: BulkWorkerFaults, leaseMs = 60_000) =>
  new BulkImportWorker(api.db, new AuditTrail(api.db.sql), { leaseMs }, () => {}, faults);

const has = (lines: SourceLine[], n: number) =>
  lines.some((l) => l.text.includes(`NB-${String(n).padStart(6, '0')}`));

/** A fault for the lines of learner `n`: the database refuses the write (a real error, raised by the database). */
const refuse = (n: number): BulkWorkerFaults => ({
  async beforeWrite(tx, lines) {
    if (has(lines, n)) await tx.$executeRawUnsafe('SELECT 1 / (SELECT count(*) - count(*) FROM bulk_import)');
  },
});

const until = async (check: () => boolean, ms = 60_000) => {
  for (const start = Date.now(); !check(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - start > ms) throw new Error('timed out');
  }
};

describe('bulk import: a line the database refuses', () => {
  it('per-record: the block is written again line by line, every good line lands and the bad one is reported', async () => {
    const ns = [60_001, 60_002, 60_003, 60_004, 60_005];
    const location = await submit(ns.map(line).join('\n'));
    expect(await worker(refuse(60_003)).tick()).toBe(1);
    expect(await job(location)).toMatchObject({
      status: 'partially-succeeded',
      progress: { linesDone: 5 },
      counts: { created: 4, failed: 1 },
    });
    const errors = await errorsOf(location);
    expect(errors).toEqual([
      { line: 3, pointer: '', rule: 'database-refused', message: expect.stringContaining('refused') },
    ]);
    // Nothing of the database's own words reaches the client.
    expect(errors[0]!.message).not.toMatch(/division|SQLSTATE|22012|bulk_import/i);
    expect(await written(ns)).toEqual({ learners: 4, created: 4, identifiers: 4 });
  });

  it('per-record: a NUL in a string, whether validation or the database refuses it, fails that line only', async () => {
    const bad = syntheticLearner(60_102);
    bad.name = { given: 'Ann\u0000e', family: 'Smith' };
    const location = await submit([line(60_101), recordLine('learner', bad), line(60_103)].join('\n'));
    await api.app.bulkImports!.tick();
    expect(await job(location)).toMatchObject({
      status: 'partially-succeeded',
      counts: { created: 2, failed: 1 },
    });
    const errors = await errorsOf(location);
    expect(errors.map((e) => e.line)).toEqual([2]);
    expect(['text-characters', 'database-refused']).toContain(errors[0]!.rule);
    expect(await written([60_101, 60_102, 60_103])).toEqual({ learners: 2, created: 2, identifiers: 2 });
  });

  it('all-or-nothing: nothing is written, and the refused line is reported among the bad lines', async () => {
    const ns = [60_201, 60_202, 60_203];
    const location = await submit(`${ns.map(line).join('\n')}\n{"kind":"learner"`, 'all-or-nothing');
    await worker(refuse(60_202)).tick();
    expect(await job(location)).toMatchObject({ status: 'failed', counts: { created: 0, failed: 2 } });
    expect((await errorsOf(location)).map((e) => [e.line, e.rule])).toEqual([
      [2, 'database-refused'],
      [4, 'json'],
    ]);
    expect(await written(ns)).toEqual({ learners: 0, created: 0, identifiers: 0 });
  });

  it('a line that throws while it is read fails alone (line-unprocessable)', async () => {
    const ns = [60_301, 60_302, 60_303];
    const location = await submit(ns.map(line).join('\n'));
    await worker({
      beforeRead(lines) {
        if (has(lines, 60_302)) throw new RangeError('Maximum call stack size exceeded');
      },
    }).tick();
    expect(await job(location)).toMatchObject({
      status: 'partially-succeeded',
      counts: { created: 2, failed: 1 },
    });
    expect((await errorsOf(location)).map((e) => [e.line, e.rule])).toEqual([[2, 'line-unprocessable']]);
    expect(await written(ns)).toEqual({ learners: 2, created: 2, identifiers: 2 });
  });
});

describe('bulk import: a line that kills the worker', () => {
  /** A worker that, on reading learner n, stops for good without cleaning up: as a process that died. */
  const dying = (n: number, reached: { count: number }) =>
    worker(
      {
        beforeRead(lines) {
          if (!has(lines, n)) return;
          reached.count++;
          return new Promise<void>(() => {});
        },
      },
      500,
    );
  const expire = () => new Promise((r) => setTimeout(r, 700));

  it('per-record: after a death the block goes line by line; the line in hand at the next death is skipped; the rest land once', async () => {
    const ns = [60_401, 60_402, 60_403, 60_404, 60_405, 60_406];
    const location = await submit(ns.map(line).join('\n'));
    const reached = { count: 0 };
    // 1. A worker dies reading the block as a whole: nothing is written.
    void dying(60_403, reached).tick();
    await until(() => reached.count === 1);
    expect((await job(location)).counts.created).toBe(0);
    // 2. The next claim writes the block line by line and dies at line 3, lines 1 and 2 committed.
    await expire();
    void dying(60_403, reached).tick();
    await until(() => reached.count === 2);
    expect(await job(location)).toMatchObject({
      status: 'running',
      progress: { linesDone: 2 },
      counts: { created: 2 },
    });
    // 3. The next claim skips line 3, reports it, and writes the rest.
    await expire();
    expect(await dying(60_403, reached).tick()).toBe(1);
    expect(reached.count).toBe(2);
    expect(await job(location)).toMatchObject({
      status: 'partially-succeeded',
      progress: { linesDone: 6 },
      counts: { created: 5, failed: 1 },
    });
    expect((await errorsOf(location)).map((e) => [e.line, e.rule])).toEqual([[3, 'line-crashed-worker']]);
    expect(await written(ns)).toEqual({ learners: 5, created: 5, identifiers: 5 });
    const [row] = await api.db.sql<{ attempts: number }>(
      'SELECT attempts FROM bulk_import WHERE id = $1::uuid',
      [idOf(location)],
    );
    expect(row!.attempts).toBe(3);
  });

  it('per-record: a large line that kills the worker as its block is read whole fails at the next claim, unread', async () => {
    const large = recordLine('learner', { ...syntheticLearner(60_452), note: 'x'.repeat(80_000) });
    const location = await submit([line(60_451), large, line(60_453)].join('\n'));
    const reached = { count: 0 };
    const dyingOnLarge = () =>
      worker(
        {
          beforeRead(lines) {
            if (lines.length !== 1 || !has(lines, 60_452)) return;
            reached.count++;
            return new Promise<void>(() => {});
          },
        },
        500,
      );
    void dyingOnLarge().tick();
    await until(() => reached.count === 1);
    await expire();
    // One death is enough: the next claim knows the line and does not read it again.
    expect(await dyingOnLarge().tick()).toBe(1);
    expect(reached.count).toBe(1);
    expect(await job(location)).toMatchObject({
      status: 'partially-succeeded',
      progress: { linesDone: 3 },
      counts: { created: 2, failed: 1 },
    });
    expect((await errorsOf(location)).map((e) => [e.line, e.rule])).toEqual([[2, 'line-crashed-worker']]);
    expect(await written([60_451, 60_452, 60_453])).toEqual({ learners: 2, created: 2, identifiers: 2 });
  });

  it('per-record: a worker stopped cleanly while going line by line hands on its place, and no line is blamed', async () => {
    const ns = [60_501, 60_502, 60_503, 60_504];
    const location = await submit(ns.map(line).join('\n'));
    const refusing = worker(refuse(60_501));
    // Stopped as it writes line 2 line by line: line 2 still commits, the rest is left.
    let stopped: Promise<void> | undefined;
    const leaving = worker({
      ...refuse(60_501),
      beforeRead(lines) {
        if (lines.length === 1 && has(lines, 60_502)) stopped = leaving.stop();
      },
    });
    await leaving.tick();
    await stopped;
    expect(await job(location)).toMatchObject({ status: 'running', progress: { linesDone: 2 } });
    expect(await refusing.tick()).toBe(1);
    expect(await job(location)).toMatchObject({
      status: 'partially-succeeded',
      counts: { created: 3, failed: 1 },
    });
    expect((await errorsOf(location)).map((e) => [e.line, e.rule])).toEqual([[1, 'database-refused']]);
    expect(await written(ns)).toEqual({ learners: 3, created: 3, identifiers: 3 });
  });

  it('all-or-nothing: a line that kills the worker fails the job, reported, with nothing written', async () => {
    const ns = [60_601, 60_602, 60_603];
    const location = await submit(ns.map(line).join('\n'), 'all-or-nothing');
    // As a worker that died inside the job's transaction leaves it: claimed, its lines in hand.
    await api.db.sql(
      `UPDATE bulk_import SET status = 'running', attempts = 1, lease = gen_random_uuid(), block_in_hand = 0,
              locked_until = now() - interval '1 second' WHERE id = $1::uuid`,
      [idOf(location)],
    );
    const reached = { count: 0 };
    // The next claim reads the lines one at a time before writing, and dies at line 2.
    void dying(60_602, reached).tick();
    await until(() => reached.count === 1);
    await expire();
    expect(await dying(60_602, reached).tick()).toBe(1);
    expect(reached.count).toBe(1);
    expect(await job(location)).toMatchObject({ status: 'failed', counts: { created: 0, failed: 1 } });
    expect((await errorsOf(location)).map((e) => [e.line, e.rule])).toEqual([[2, 'line-crashed-worker']]);
    expect(await written(ns)).toEqual({ learners: 0, created: 0, identifiers: 0 });
  });
});

describe('bulk import: lines refused before they are parsed', () => {
  it('an over-long line fails as line-too-long without being held whole; the lines around it land, numbered right', async () => {
    const long = recordLine('learner', { ...syntheticLearner(60_702), note: 'x'.repeat(MAX_LINE) });
    const body = [line(60_701), long, '', line(60_703), '{"kind":"learner"'].join('\r\n');
    const location = await submit(body);
    await api.app.bulkImports!.tick();
    expect(await job(location)).toMatchObject({
      status: 'partially-succeeded',
      lines: 4,
      counts: { created: 2, failed: 2 },
    });
    const errors = await errorsOf(location);
    expect(errors.map((e) => [e.line, e.rule])).toEqual([
      [2, 'line-too-long'],
      [5, 'json'],
    ]);
    expect(errors[0]!.message).toContain('131,072');
    expect(await written([60_701, 60_702, 60_703])).toEqual({ learners: 2, created: 2, identifiers: 2 });
  });

  it('a line nested too deep fails as json-depth; a raw NUL byte fails as text-characters', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const nul = Buffer.from(`{"kind":"learner","record":{"a":"\u0000"}}`);
    const body = Buffer.concat([
      Buffer.from(`${line(60_801)}\n${deep}\n`),
      nul,
      Buffer.from(`\n${line(60_803)}\n`),
    ]);
    const location = await submit(body);
    await api.app.bulkImports!.tick();
    expect(await job(location)).toMatchObject({
      status: 'partially-succeeded',
      counts: { created: 2, failed: 2 },
    });
    expect((await errorsOf(location)).map((e) => [e.line, e.rule])).toEqual([
      [2, 'json-depth'],
      [3, 'text-characters'],
    ]);
    expect(await written([60_801, 60_803])).toEqual({ learners: 2, created: 2, identifiers: 2 });
  });
});

describe('bulk import in a real server process with 160 MB of heap', () => {
  it('the 1 MB line of 340,000 empty objects: the server stays up or dies of it at most once, and the good lines land', async () => {
    const testDb = await createTestDatabase();
    const dataDir = testDb.url ? undefined : await mkdtemp(join(tmpdir(), 'celr-bulk-'));
    let child: ChildProcess | undefined;
    let crashes = 0;
    const start = async (setup: boolean) => {
      const spawned = spawnBulkServer({
        heapMb: 160,
        databaseUrl: testDb.url,
        dataDir,
        setup,
        // Its stderr (a heap-exhaustion report, if it dies) is not the test's output.
        stderr: 'ignore',
      });
      child = spawned.child;
      return `http://127.0.0.1:${await spawned.listening}`;
    };
    try {
      let base = await start(true);
      const token = (
        (await (
          await fetch(`${base}/oauth/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials&client_id=bulk-test&client_secret=bulk-test-secret-of-some-length',
          })
        ).json()) as { access_token: string }
      ).access_token;
      const auth = { authorization: `Bearer ${token}` };
      const poison = `{"jurisdiction":"england","views":[${'{},'.repeat(339_999)}{}]}`;
      expect(poison.length).toBeGreaterThan(1_000_000);
      const body = [line(60_901), line(60_902), poison, line(60_903), line(60_904)].join('\n');
      const submitted = await fetch(`${base}/v1/bulk/import?mode=per-record&kind=learner`, {
        method: 'POST',
        headers: { ...auth, 'content-type': NDJSON },
        body,
      });
      expect(submitted.status).toBe(202);
      const location = submitted.headers.get('location')!;
      let view: { status: string; counts: { created: number; failed: number } } | undefined;
      for (const started = Date.now(); Date.now() - started < 480_000; ) {
        await new Promise((r) => setTimeout(r, 500));
        if (child!.exitCode !== null || child!.signalCode !== null) {
          crashes++;
          expect(crashes, 'the job killed the server more than once').toBeLessThanOrEqual(1);
          base = await start(false);
          continue;
        }
        const res = await fetch(`${base}${location}`, { headers: auth }).catch(() => undefined);
        if (!res?.ok) continue;
        view = await res.json();
        if (['succeeded', 'partially-succeeded', 'failed'].includes(view!.status)) break;
      }
      console.log(`bulk poison line: the server died ${crashes} time(s) before the job finished`);
      expect(view).toMatchObject({ status: 'partially-succeeded', counts: { created: 4, failed: 1 } });
      const errors = (await (await fetch(`${base}${location}/errors`, { headers: auth })).json()) as {
        items: { line: number; rule: string }[];
      };
      expect(errors.items.map((e) => e.line)).toContain(3);
      expect(errors.items.every((e) => e.line === 3)).toBe(true);
      // And the server is up.
      expect((await fetch(`${base}${location}`, { headers: auth })).status).toBe(200);
    } finally {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await testDb.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
