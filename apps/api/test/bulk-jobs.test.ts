import { englandPlan } from '@celr/schema';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditedAccess, AuditTrail } from '../src/audit/audit-trail.js';
import type { Caller } from '../src/auth/caller.js';
import { BulkImportWorker } from '../src/bulk/import-worker.js';
import { syntheticCohort, syntheticLearner } from '../src/demo/cohort.js';
import type { Prisma } from '../src/generated/prisma/client.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const NDJSON = 'application/x-ndjson';

async function submit(body: string, mode = 'per-record', org: 'northbridge' | 'eastmere' = 'northbridge') {
  const res = await api.as(org, {
    method: 'POST',
    url: `/v1/bulk/import?mode=${mode}`,
    headers: { 'content-type': NDJSON },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.headers.location as string;
}

const job = async (location: string, org: 'northbridge' | 'eastmere' = 'northbridge') =>
  (await api.as(org, { method: 'GET', url: location })).json();

/** Learners of the synthetic cohort from..from+count that exist, and how many 'created' feed entries they have. */
async function written(from: number, count: number) {
  const values = Array.from({ length: count }, (_, i) => `NB-${String(from + i).padStart(6, '0')}`);
  const [row] = await api.db.sql<{ learners: number; created: number }>(
    `SELECT count(DISTINCT i.learner_id)::int AS learners,
            (SELECT count(*)::int FROM change c WHERE c.change = 'created'
               AND c.record_id IN (SELECT learner_id FROM learner_identifier WHERE system = 'la-child-id:990' AND value = ANY($1::text[]))) AS created
     FROM learner_identifier i WHERE i.system = 'la-child-id:990' AND i.value = ANY($1::text[])`,
    [values],
  );
  return row!;
}

/** An audit trail that, at its nth write, fails (as a process dying in the middle of a block would) or runs `then`. */
class AuditAt extends AuditTrail {
  private writes = 0;
  constructor(
    sql: ConstructorParameters<typeof AuditTrail>[0],
    private readonly at: number,
    private readonly then: 'die' | (() => void),
  ) {
    super(sql);
  }
  override async write(tx: Prisma.TransactionClient, caller: Caller, ...events: AuditedAccess[]) {
    if (++this.writes === this.at) {
      if (this.then === 'die') throw new Error('the process died');
      this.then();
    }
    return super.write(tx, caller, ...events);
  }
}

describe('bulk imports over several API processes', () => {
  it('a worker that dies mid-job loses its block only; another takes the job over when the lease ends, writing no line twice', async () => {
    const location = await submit(syntheticCohort(1100, 10_000));
    // One block at a time, so that the second block is the one in hand when it dies.
    const dying = new BulkImportWorker(api.db, new AuditAt(api.db.sql, 2, 'die'), {
      leaseMs: 3000,
      blocksInFlight: 1,
    });
    await dying.tick();
    const stalled = await job(location);
    expect(stalled).toMatchObject({
      status: 'running',
      progress: { linesDone: 1000 },
      counts: { created: 1000 },
    });
    expect(await written(10_000, 1100)).toEqual({ learners: 1000, created: 1000 });

    // Before the lease ends nobody takes it; after, the app's own worker does, from the next block.
    expect(await api.app.bulkImports!.tick()).toBe(0);
    await new Promise((r) => setTimeout(r, 3100));
    expect(await api.app.bulkImports!.tick()).toBe(1);
    expect(await job(location)).toMatchObject({
      status: 'succeeded',
      progress: { linesDone: 1100 },
      counts: { created: 1100, failed: 0 },
    });
    expect(await written(10_000, 1100)).toEqual({ learners: 1100, created: 1100 });
    const [row] = await api.db.sql<{ attempts: number }>(
      'SELECT attempts FROM bulk_import WHERE id = $1::uuid',
      [location.split('/').at(-1)],
    );
    expect(row!.attempts).toBe(2);
  });

  it('two blocks in hand at once (PostgreSQL): a worker that dies loses both, and the takeover writes every line once', async () => {
    const location = await submit(syntheticCohort(1100, 60_000));
    // The second block written dies: on PostgreSQL the first two blocks are in hand together.
    const dying = new BulkImportWorker(api.db, new AuditAt(api.db.sql, 2, 'die'), {
      leaseMs: 3000,
      blocksInFlight: 2,
    });
    await dying.tick();
    const stalled = await job(location);
    expect(stalled.status).toBe('running');
    // Whichever of the two died, what stands is what the job counts: the first block, or nothing.
    expect([0, 1000]).toContain(stalled.progress.linesDone);
    expect(await written(60_000, 1100)).toEqual({
      learners: stalled.counts.created,
      created: stalled.counts.created,
    });
    await new Promise((r) => setTimeout(r, 3100));
    expect(await api.app.bulkImports!.tick()).toBe(1);
    expect(await job(location)).toMatchObject({
      status: 'succeeded',
      progress: { linesDone: 1100 },
      counts: { created: 1100, failed: 0 },
    });
    expect(await written(60_000, 1100)).toEqual({ learners: 1100, created: 1100 });
  });

  it('a block written beside the one before it ends as it would after it: references to it wait, changes are written in turn', async () => {
    // A cohort already held, then a file of new learners (block 1) and the same cohort changed (block 2).
    const held = await submit(syntheticCohort(10, 70_000));
    await api.app.bulkImports!.tick();
    expect((await job(held)).counts.created).toBe(10);
    const changed = syntheticCohort(10, 70_000).replaceAll('"given":"', '"given":"Re');
    const first = await submit(`${syntheticCohort(1000, 71_000)}${changed}`);
    await api.app.bulkImports!.tick();
    expect(await job(first)).toMatchObject({
      status: 'succeeded',
      counts: { created: 1000, updated: 10, unchanged: 0, failed: 0 },
    });
    // Learners with the ids of the file they came from (block 1), and plans naming them by those ids (block 2).
    const ids = Array.from(
      { length: 1000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const learners = ids
      .map((id, i) => JSON.stringify({ kind: 'learner', record: { ...syntheticLearner(72_000 + i), id } }))
      .join('\n');
    const plans = ids
      .slice(0, 5)
      .map((learnerId) => JSON.stringify({ kind: 'plan', record: { ...englandPlan, learnerId } }))
      .join('\n');
    const second = await submit(`${learners}\n${plans}\n`);
    await api.app.bulkImports!.tick();
    expect(await job(second)).toMatchObject({
      status: 'succeeded',
      counts: { created: 1005, failed: 0 },
    });
  });

  it('a worker that is stopped hands its job back at once, and the job goes on elsewhere', async () => {
    const location = await submit(syntheticCohort(2100, 20_000));
    // Stopped as its second block is being written: that block still commits, the third is left.
    let stopping: Promise<void> | undefined;
    const leaving: BulkImportWorker = new BulkImportWorker(
      api.db,
      new AuditAt(api.db.sql, 2, () => {
        stopping = leaving.stop();
      }),
      { leaseMs: 60_000 },
    );
    await leaving.tick();
    await stopping;
    const handedBack = await job(location);
    expect(handedBack.status).toBe('running');
    expect(handedBack.progress.linesDone).toBe(2000);
    // No waiting for a lease: another worker takes it now.
    expect(await api.app.bulkImports!.tick()).toBe(1);
    expect(await job(location)).toMatchObject({ status: 'succeeded', counts: { created: 2100 } });
    expect(await written(20_000, 2100)).toEqual({ learners: 2100, created: 2100 });
  });

  it('two processes run queued jobs side by side, each job once', async () => {
    const second: FastifyInstance = await api.secondProcess();
    try {
      const locations = [];
      for (let i = 0; i < 4; i++) locations.push(await submit(syntheticCohort(300, 30_000 + i * 1000)));
      const taken = await Promise.all([api.app.bulkImports!.tick(), second.bulkImports!.tick()]);
      expect(taken[0]! + taken[1]!).toBe(4);
      for (const [i, location] of locations.entries()) {
        expect(await job(location)).toMatchObject({ status: 'succeeded', counts: { created: 300 } });
        expect(await written(30_000 + i * 1000, 300)).toEqual({ learners: 300, created: 300 });
      }
      const attempts = await api.db.sql<{ attempts: number }>(
        'SELECT attempts FROM bulk_import WHERE id = ANY($1::uuid[])',
        [locations.map((l) => l.split('/').at(-1))],
      );
      expect(attempts.map((a) => a.attempts)).toEqual([1, 1, 1, 1]);
    } finally {
      await second.close();
    }
  });

  it('a job whose client was revoked before it ran writes nothing and says why', async () => {
    const { clientId } = await api.client('eastmere');
    const location = await submit(syntheticCohort(3, 40_000), 'per-record', 'eastmere');
    const before = await job(location, 'eastmere');
    await api.db.prisma.apiClient.update({ where: { clientId }, data: { revokedAt: new Date() } });
    await api.app.bulkImports!.tick();
    const [row] = await api.db.sql<{ status: string; problem: { type: string }; created: number }>(
      'SELECT status, problem, created FROM bulk_import WHERE id = $1::uuid',
      [before.id],
    );
    expect(row).toMatchObject({
      status: 'failed',
      created: 0,
      problem: { type: 'urn:celr:problem:unauthorised' },
    });
  });

  it('puts what it writes in the change feed: the creator and the school on roll see the learner appear', async () => {
    const location = await submit(syntheticCohort(1, 50_000));
    await api.app.bulkImports!.tick();
    expect((await job(location)).status).toBe('succeeded');
    const upn = (syntheticLearner(50_000).identifiers as { value: string }[])[0]!.value;
    const learner = (
      await api.as('northbridge', { method: 'GET', url: `/v1/learners?identifier=upn|${upn}` })
    ).json().items[0];
    const feedOf = async (org: 'northbridge' | 'school') => {
      const entries = [];
      for (let url = '/v1/changes?limit=1000'; ; ) {
        const page = (await api.as(org, { method: 'GET', url })).json();
        entries.push(...page.items);
        if (!page.next) break;
        url = page.next;
      }
      return entries
        .filter((e: { learnerId: string }) => e.learnerId === learner.id)
        .map((e: { change: string }) => e.change);
    };
    // The feed shows a transaction's entries once every older transaction on the server has ended
    // (other test files share this PostgreSQL server), so it is read until they appear.
    const eventually = async (org: 'northbridge' | 'school', expected: string[]) => {
      for (let i = 0; i < 50; i++) {
        const seen = await feedOf(org);
        if (seen.length >= expected.length) return seen;
        await new Promise((r) => setTimeout(r, 200));
      }
      return feedOf(org);
    };
    expect(await eventually('northbridge', ['visible', 'created'])).toEqual(['visible', 'created']);
    expect(await eventually('school', ['visible'])).toEqual(['visible']);
  });
});
