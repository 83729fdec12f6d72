import { randomUUID } from 'node:crypto';
import type { RecordKind } from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Caller, OrganisationKind } from '../auth/caller.js';
import type { Database } from '../db/database.js';
import type { Prisma } from '../generated/prisma/client.js';
import { PROBLEM_TYPES, type ProblemType, problemTypeUri } from '../http/problem.js';
import { PollingLoop } from '../jobs/polling-loop.js';
import {
  type ActingOrganisation,
  BlockImporter,
  type BlockResult,
  ConcurrentChange,
  type LineError,
  readBlock,
  type SourceLine,
} from './block-import.js';

type Tx = Prisma.TransactionClient;

export interface BulkWorkerSettings {
  /** How often an idle worker looks for queued imports. */
  pollMs: number;
  /** How long a claim lasts without being renewed; each block renews it. */
  leaseMs: number;
  /** Claims of one job before it is given up as failing every time. */
  maxAttempts: number;
  /** Line issues kept per job; the counts stay exact beyond it. */
  maxErrors: number;
  /** Attempts at a block (or an all-or-nothing job) that meets concurrent writes. */
  conflictRetries: number;
}

export const DEFAULT_BULK_WORKER_SETTINGS: BulkWorkerSettings = {
  pollMs: 1000,
  leaseMs: 60_000,
  maxAttempts: 3,
  maxErrors: 10_000,
  conflictRetries: 3,
};

interface Job {
  id: string;
  lease: string;
  attempts: number;
  mode: string;
  defaultKind: RecordKind | null;
  clientId: string;
  organisationId: string;
  submittedById: string;
  scopes: string[];
  requestId: string;
  nextBlock: number;
}

interface Totals {
  linesDone: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

/** The job's claim was taken by another worker (this one was too slow); its work is rolled back. */
class LeaseLost extends Error {}
/** The worker is stopping: the job is handed back for another process to go on with. */
class Stopping extends Error {}
/** An all-or-nothing job with bad lines: everything it wrote is rolled back. */
class RolledBack extends Error {}
/** The job cannot run at all (its client was revoked, say): it fails with this problem. */
class JobProblem extends Error {
  constructor(
    readonly type: ProblemType,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Runs queued bulk imports. A job is claimed with a lease (FOR UPDATE SKIP LOCKED), so any number
 * of API processes can run workers over one database and each job runs in one of them. Per-record
 * jobs commit block by block, each block with the job's counters and position in one
 * transaction: a worker that dies loses at most the block in hand, and whoever takes the job
 * after the lease expires goes on from the next block, never writing a line twice. An
 * all-or-nothing job writes every block in one transaction and commits only if no line failed.
 */
export class BulkImportWorker {
  readonly settings: BulkWorkerSettings;
  private readonly loop: PollingLoop<number>;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    settings: Partial<BulkWorkerSettings> = {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.settings = { ...DEFAULT_BULK_WORKER_SETTINGS, ...settings };
    this.loop = new PollingLoop(() => this.step(), this.settings.pollMs, onError);
  }

  start() {
    this.loop.start();
  }

  /** Looks now (a job was just queued) instead of at the next poll. */
  wake() {
    this.loop.wake();
  }

  /** Stops after the block in hand and hands the job back at once, for another process to go on with. */
  stop() {
    return this.loop.stop();
  }

  private get stopped() {
    return this.loop.stopped;
  }

  /** Runs queued jobs until there are none; returns how many it took. Concurrent calls share the run. */
  tick(): Promise<number> {
    return this.loop.run();
  }

  private async step() {
    let taken = 0;
    while (!this.stopped) {
      const job = await this.claim();
      if (!job) break;
      taken++;
      await this.run(job);
    }
    return taken;
  }

  private async claim(): Promise<Job | undefined> {
    const [job] = await this.db.sql<Job>(
      `UPDATE bulk_import SET status = 'running', lease = $1::uuid, locked_until = clock_timestamp() + ($2::int * interval '1 millisecond'),
              attempts = attempts + 1, started_at = coalesce(started_at, now())
       WHERE id = (SELECT id FROM bulk_import
                   WHERE status = 'queued' OR (status = 'running' AND locked_until <= now())
                   ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id::text, lease::text, attempts, mode, default_kind AS "defaultKind", client_id AS "clientId",
                 organisation_id::text AS "organisationId", submitted_by_id::text AS "submittedById", scopes,
                 request_id AS "requestId", next_block AS "nextBlock"`,
      [randomUUID(), this.settings.leaseMs],
    );
    return job;
  }

  private async run(job: Job) {
    try {
      if (job.attempts > this.settings.maxAttempts) {
        throw new JobProblem(
          'unavailable',
          `The import was interrupted ${job.attempts - 1} times without finishing. The lines before line ${await this.firstLineOf(job)} are written (per-record) or nothing is (all-or-nothing); send the rest again as a new import.`,
        );
      }
      const { caller, org } = await this.callerOf(job);
      if (job.mode === 'all-or-nothing') await this.runAllOrNothing(job, caller, org);
      else await this.runPerRecord(job, caller, org);
    } catch (error) {
      if (error instanceof LeaseLost) return;
      if (error instanceof Stopping || (this.stopped && !(error instanceof JobProblem))) {
        // Shutting down: hand the job back now rather than when the lease runs out.
        await this.release(job);
        return;
      }
      if (error instanceof JobProblem) {
        // Blocks a per-record job committed before it stopped stay written, and the status says so.
        const [totals] = await this.db.sql<Totals>(
          'SELECT created, updated, unchanged FROM bulk_import WHERE id = $1::uuid',
          [job.id],
        );
        const written = totals ? totals.created + totals.updated + totals.unchanged : 0;
        await this.finish(job, written > 0 ? 'partially-succeeded' : 'failed', {
          type: problemTypeUri(error.type),
          title: PROBLEM_TYPES[error.type].title,
          status: PROBLEM_TYPES[error.type].status,
          detail: error.detail,
        });
        return;
      }
      // Anything else (the database went away): the lease expires and the job is taken again.
      this.onError(error);
    }
  }

  private async runPerRecord(job: Job, caller: Caller, org: ActingOrganisation) {
    let stored = await this.storedErrors(job.id);
    const read = async (seq: number) => {
      const lines = await this.block(job.id, seq);
      return lines && { lines, block: readBlock(lines, job.defaultKind ?? undefined, caller.scopes) };
    };
    // On PostgreSQL the next block is read and checked while the database writes this one; PGlite's
    // single session is the transaction's until it ends.
    const overlap = this.db.kind === 'postgresql';
    let next = read(job.nextBlock);
    for (let seq = job.nextBlock; ; seq++) {
      if (this.stopped) throw new Stopping();
      const current = await next;
      if (!current) return this.finishPerRecord(job);
      const { lines, block } = current;
      if (overlap) {
        next = read(seq + 1);
        next.catch(() => {});
      }
      const result = await this.withRetries(() =>
        this.db.prisma.$transaction(
          async (tx) => {
            const result = await new BlockImporter(tx, caller, org, this.audit).write(block);
            stored += await this.saveErrors(tx, job.id, result.errors, stored);
            const moved = await tx.$executeRawUnsafe(
              `UPDATE bulk_import SET lines_done = lines_done + $3, created = created + $4, updated = updated + $5,
                      unchanged = unchanged + $6, failed = failed + $7, next_block = $8 + 1,
                      locked_until = clock_timestamp() + ($9::int * interval '1 millisecond')
               WHERE id = $1::uuid AND lease = $2::uuid AND next_block = $8`,
              job.id,
              job.lease,
              lines.length,
              result.created,
              result.updated,
              result.unchanged,
              result.failed,
              seq,
              this.settings.leaseMs,
            );
            if (moved !== 1) throw new LeaseLost();
            return result;
          },
          { timeout: 10 * 60_000, maxWait: 30_000 },
        ),
      );
      if (!result) {
        const first = lines[0]?.line ?? 0;
        throw new JobProblem(
          'conflict',
          `The records of lines ${first} to ${lines.at(-1)?.line ?? first} kept changing under concurrent writes. The lines before line ${first} are written; send line ${first} onwards again as a new import.`,
        );
      }
      if (!overlap) next = read(seq + 1);
    }
  }

  private async finishPerRecord(job: Job) {
    const [totals] = await this.db.sql<Totals>(
      'SELECT lines_done AS "linesDone", created, updated, unchanged, failed FROM bulk_import WHERE id = $1::uuid',
      [job.id],
    );
    const written = totals!.created + totals!.updated + totals!.unchanged;
    const status = totals!.failed === 0 ? 'succeeded' : written === 0 ? 'failed' : 'partially-succeeded';
    await this.finish(job, status);
  }

  private async runAllOrNothing(job: Job, caller: Caller, org: ActingOrganisation) {
    // Progress is reported from outside the transaction, which PGlite's single session cannot do
    // while the transaction holds it: there the job shows its progress when it ends.
    const reportsProgress = this.db.kind === 'postgresql';
    const totals: Totals = { linesDone: 0, created: 0, updated: 0, unchanged: 0, failed: 0 };
    const errors: LineError[] = [];
    const outcome = await this.withRetries(async () => {
      Object.assign(totals, { linesDone: 0, created: 0, updated: 0, unchanged: 0, failed: 0 });
      errors.length = 0;
      try {
        await this.db.prisma.$transaction(
          async (tx) => {
            for (let seq = 0; ; seq++) {
              if (this.stopped) throw new Stopping();
              const lines = await this.block(job.id, seq, tx);
              if (!lines) break;
              const result = await new BlockImporter(tx, caller, org, this.audit).import(
                lines,
                job.defaultKind ?? undefined,
              );
              add(totals, result, lines.length);
              for (const e of result.errors) if (errors.length < this.settings.maxErrors) errors.push(e);
              if (reportsProgress) await this.progress(job, totals.linesDone);
            }
            if (totals.failed > 0) throw new RolledBack();
            const done = await tx.$executeRawUnsafe(
              `UPDATE bulk_import SET lines_done = $3, created = $4, updated = $5, unchanged = $6, failed = 0
               WHERE id = $1::uuid AND lease = $2::uuid`,
              job.id,
              job.lease,
              totals.linesDone,
              totals.created,
              totals.updated,
              totals.unchanged,
            );
            if (done !== 1) throw new LeaseLost();
          },
          { timeout: 60 * 60_000, maxWait: 30_000 },
        );
        return 'committed' as const;
      } catch (error) {
        if (error instanceof RolledBack) return 'rolled-back' as const;
        throw error;
      }
    });
    if (outcome === undefined) {
      throw new JobProblem(
        'conflict',
        'The records kept changing under concurrent writes; nothing was written. Send the import again.',
      );
    }
    if (outcome === 'committed') return this.finish(job, 'succeeded');
    // Nothing stands: the report says what every bad line was, and counts nothing as written.
    await this.db.prisma.$transaction(async (tx) => {
      await this.saveErrors(tx, job.id, errors, 0);
      const saved = await tx.$executeRawUnsafe(
        `UPDATE bulk_import SET lines_done = $3, created = 0, updated = 0, unchanged = 0, failed = $4
         WHERE id = $1::uuid AND lease = $2::uuid`,
        job.id,
        job.lease,
        totals.linesDone,
        totals.failed,
      );
      if (saved !== 1) throw new LeaseLost();
    });
    await this.finish(job, 'failed');
  }

  /** Runs work again when it met concurrent writes; undefined when it kept meeting them. */
  private async withRetries<T>(work: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; attempt <= this.settings.conflictRetries; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    return undefined;
  }

  private async progress(job: Job, linesDone: number) {
    const n = await this.db.sql<{ id: string }>(
      `UPDATE bulk_import SET lines_done = $3, locked_until = clock_timestamp() + ($4::int * interval '1 millisecond')
       WHERE id = $1::uuid AND lease = $2::uuid RETURNING id::text`,
      [job.id, job.lease, linesDone, this.settings.leaseMs],
    );
    if (n.length !== 1) throw new LeaseLost();
  }

  private async finish(job: Job, status: string, problem?: object) {
    await this.db.prisma.$transaction(async (tx) => {
      const done = await tx.$executeRawUnsafe(
        `UPDATE bulk_import SET status = $3, problem = $4::jsonb, finished_at = now(), lease = NULL, locked_until = NULL
         WHERE id = $1::uuid AND lease = $2::uuid`,
        job.id,
        job.lease,
        status,
        problem ? JSON.stringify(problem) : null,
      );
      if (done !== 1) throw new LeaseLost();
      // The lines hold personal data and are not needed once the job is over.
      await tx.$executeRawUnsafe('DELETE FROM bulk_import_block WHERE import_id = $1::uuid', job.id);
    });
  }

  private async release(job: Job) {
    await this.db.sql(
      'UPDATE bulk_import SET locked_until = now(), lease = NULL WHERE id = $1::uuid AND lease = $2::uuid',
      [job.id, job.lease],
    );
  }

  /** A block's non-blank lines; read through the transaction when there is one (PGlite has one session). */
  private async block(importId: string, seq: number, tx?: Tx): Promise<SourceLine[] | undefined> {
    const query =
      'SELECT first_line AS "firstLine", text FROM bulk_import_block WHERE import_id = $1::uuid AND seq = $2';
    const [block] = tx
      ? await tx.$queryRawUnsafe<{ firstLine: number; text: string }[]>(query, importId, seq)
      : await this.db.sql<{ firstLine: number; text: string }>(query, [importId, seq]);
    if (!block) return undefined;
    return block.text
      .split('\n')
      .map((text, i) => ({ line: block.firstLine + i, text }))
      .filter((l) => l.text.trim() !== '');
  }

  private async firstLineOf(job: Pick<Job, 'id' | 'nextBlock'>): Promise<number | undefined> {
    const [row] = await this.db.sql<{ firstLine: number }>(
      'SELECT first_line AS "firstLine" FROM bulk_import_block WHERE import_id = $1::uuid AND seq = $2',
      [job.id, job.nextBlock],
    );
    return row?.firstLine;
  }

  private async storedErrors(importId: string): Promise<number> {
    const [row] = await this.db.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM bulk_import_error WHERE import_id = $1::uuid',
      [importId],
    );
    return row?.n ?? 0;
  }

  /** Stores a block's line issues, up to the job's limit; returns how many it stored. */
  private async saveErrors(tx: Tx, importId: string, errors: LineError[], already: number): Promise<number> {
    const kept = errors.slice(0, Math.max(0, this.settings.maxErrors - already));
    if (!kept.length) return 0;
    await tx.$executeRawUnsafe(
      `INSERT INTO bulk_import_error (import_id, line, kind, pointer, rule, message)
       SELECT $1::uuid, x.line, x.kind, x.pointer, x.rule, x.message
       FROM jsonb_to_recordset($2::jsonb) AS x(line int, kind text, pointer text, rule text, message text)
       ORDER BY x.line`,
      importId,
      JSON.stringify(kept),
    );
    return kept.length;
  }

  /** The submitter, as it is now: a client revoked (or a delegation withdrawn) since submitting stops the job. */
  private async callerOf(job: Job): Promise<{ caller: Caller; org: ActingOrganisation }> {
    const [client] = await this.db.sql<{ revoked: boolean; kind: OrganisationKind; organisationId: string }>(
      `SELECT c.revoked_at IS NOT NULL AS revoked, o.kind, o.id::text AS "organisationId"
       FROM api_client c JOIN organisation o ON o.id = c.organisation_id WHERE c.client_id = $1`,
      [job.clientId],
    );
    if (!client || client.revoked || client.organisationId !== job.submittedById) {
      throw new JobProblem(
        'unauthorised',
        'The client that submitted the import has been revoked; nothing more is written.',
      );
    }
    if (job.organisationId !== job.submittedById) {
      const [delegation] = await this.db.sql(
        'SELECT 1 FROM delegation WHERE vendor_id = $1::uuid AND organisation_id = $2::uuid AND revoked_at IS NULL',
        [job.submittedById, job.organisationId],
      );
      if (!delegation) {
        throw new JobProblem(
          'forbidden',
          'The organisation the import is for no longer delegates to this vendor; nothing more is written.',
        );
      }
    }
    const [org] = await this.db.sql<ActingOrganisation>(
      'SELECT id::text, kind, la_code AS "laCode", name FROM organisation WHERE id = $1::uuid',
      [job.organisationId],
    );
    const caller: Caller = {
      clientId: job.clientId,
      organisationId: job.submittedById,
      organisationKind: client.kind,
      actingForId: job.organisationId,
      actingForKind: org!.kind as OrganisationKind,
      scopes: new Set(job.scopes),
      requestId: job.requestId,
    };
    return { caller, org: org! };
  }
}

function add(totals: Totals, result: BlockResult, lines: number) {
  totals.linesDone += lines;
  totals.created += result.created;
  totals.updated += result.updated;
  totals.unchanged += result.unchanged;
  totals.failed += result.failed;
}

/** Writes that lost to a concurrent one: a stale version, a unique key taken, a serialisation failure or deadlock. */
function isConflict(error: unknown): boolean {
  if (error instanceof ConcurrentChange) return true;
  const text = `${(error as { code?: string })?.code ?? ''} ${JSON.stringify((error as { meta?: unknown })?.meta ?? {})} ${(error as Error)?.message ?? ''}`;
  return /\b(P2002|P2034|23505|40001|40P01)\b/.test(text);
}
