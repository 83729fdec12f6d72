import { randomUUID } from 'node:crypto';
import type { RecordKind } from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Caller } from '../auth/caller.js';
import { resolveCaller } from '../auth/resolve-caller.js';
import { type Database, sqlThrough } from '../db/database.js';
import { forgetPrismaDebugHistory } from '../db/prisma-debug-history.js';
import type { Prisma } from '../generated/prisma/client.js';
import { PROBLEM_TYPES, ProblemError, type ProblemType, problemTypeUri } from '../http/problem.js';
import { PollingLoop } from '../jobs/polling-loop.js';
import { type AlertSettings, DEFAULT_ALERT_SETTINGS } from '../records/store/index.js';
import {
  type ActingOrganisation,
  BlockImporter,
  type BlockResult,
  ConcurrentChange,
  independentBlocks,
  type LineError,
  NotCreatesOnly,
  type ReadBlock,
  readBlock,
  type SourceLine,
} from './block-import.js';
import { screenLines } from './line-screen.js';

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
  /**
   * Per-record blocks written at once on PostgreSQL, each in its own transaction on its own
   * connection (1 or 2): a block is written beside the one before it when it can be (writeBeside).
   * A worker that dies loses the blocks in hand. PGlite writes one at a time whatever this says.
   */
  blocksInFlight: number;
  /** What the alerts of imported learner records are decided by. */
  alerts: AlertSettings;
}

export const DEFAULT_BULK_WORKER_SETTINGS: BulkWorkerSettings = {
  pollMs: 1000,
  leaseMs: 60_000,
  maxAttempts: 3,
  maxErrors: 10_000,
  conflictRetries: 3,
  blocksInFlight: 2,
  alerts: DEFAULT_ALERT_SETTINGS,
};

/**
 * Test-only hooks, to stand in for what real input does to a worker: a line that exhausts the
 * process while it is read, a line the database refuses. Production code never passes any.
 */
export interface BulkWorkerFaults {
  /**
   * Called with lines about to be read and checked outside a transaction: a per-record block, or one
   * line when going line by line. Throwing stands for a line that throws; never resolving, for a process that died.
   */
  beforeRead?(lines: SourceLine[]): void | Promise<void>;
  /** Called in the write's transaction, before the lines are written. */
  beforeWrite?(tx: Tx, lines: SourceLine[]): Promise<void>;
}

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
  progressAttempt: number;
  blockInHand: number | null;
  resumeLine: number | null;
  lineInHand: number | null;
  lineStage: 'read' | 'write' | 'retry' | 'block-read' | null;
}

interface Totals {
  linesDone: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

/** A block read and checked, ready to write. */
interface Prepared {
  lines: SourceLine[];
  block: ReadBlock;
}

/** A block tried beside the one before it: written (committed), failed as a block fails, or neither (written in its turn). */
interface BesideOutcome {
  written?: BlockResult & { saved: number };
  failed?: { error: unknown };
  /** It would change stored records: a file that changes records is written a block at a time. */
  changes?: boolean;
}

/** The block before one written beside it did not commit cleanly: the later one is undone, to be written in its turn. */
class NotBeside extends Error {}
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
 * transaction, in the file's order: a worker that dies loses at most the blocks in hand (on
 * PostgreSQL a block may be written beside the one before it, `blocksInFlight`), and whoever takes
 * the job after the lease expires goes on from the first of them, never writing a line twice. An all-or-nothing
 * job writes every block in one transaction and commits only if no line failed.
 *
 * No line can stop a job for good. A block the database refuses (an error with a SQLSTATE that is
 * not a conflict with a concurrent write, while the database still answers) is written again line
 * by line, each line in its own transaction, so every good line lands and each bad one is
 * reported (`database-refused`). Any other failure of a block is taken as the worker dying: the
 * job is taken again when the lease ends, and a block that was in hand when a worker stopped (the
 * job's `block_in_hand` says so) is written line by line, with the line in hand and its stage
 * committed before it is read and before it is written. A line in hand when a worker died reading
 * it (or twice writing it) is reported (`line-crashed-worker`) and skipped; any other failure of
 * one line fails that line (`database-refused`, `line-unprocessable`).
 */
export class BulkImportWorker {
  readonly settings: BulkWorkerSettings;
  private readonly loop: PollingLoop<number>;
  /** A line of the job in hand that killed a worker while its block was read whole: it fails unread. */
  private skip: number | undefined;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    settings: Partial<BulkWorkerSettings> = {},
    private readonly onError: (error: unknown) => void = () => {},
    private readonly faults: BulkWorkerFaults = {},
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

  /** Stops after the block (or line) in hand and hands the job back at once, for another process to go on with. */
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
                 request_id AS "requestId", next_block AS "nextBlock", progress_attempt AS "progressAttempt",
                 block_in_hand AS "blockInHand", resume_line AS "resumeLine", line_in_hand AS "lineInHand",
                 line_stage AS "lineStage"`,
      [randomUUID(), this.settings.leaseMs],
    );
    return job;
  }

  private async run(job: Job) {
    this.skip = undefined;
    try {
      // A per-record line that was in hand when a worker died is settled first: that is progress.
      if (job.mode !== 'all-or-nothing' && job.lineInHand !== null) await this.settleLineInHand(job);
      const interruptions = job.attempts - 1 - job.progressAttempt;
      if (interruptions >= this.settings.maxAttempts) {
        throw new JobProblem(
          'unavailable',
          `The import was interrupted ${interruptions} times without getting further. The lines before line ${await this.firstLineOf(job)} are written (per-record) or nothing is (all-or-nothing); send the rest again as a new import.`,
        );
      }
      const { caller, org } = await this.callerOf(job);
      if (job.mode === 'all-or-nothing') await this.runAllOrNothing(job, caller, org);
      else await this.runPerRecord(job, caller, org);
    } catch (error) {
      if (error instanceof LeaseLost) return;
      if (error instanceof Stopping || (this.stopped && !(error instanceof JobProblem))) {
        // Shutting down: hand the job back now rather than when the lease runs out.
        await this.release(job, error instanceof Stopping);
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

  /**
   * A worker died with a line in hand, going line by line. Died reading it (where memory runs
   * out), or writing it for the second time: the line fails and is skipped. Died writing it once:
   * it is tried again, and any further death with it in hand fails it.
   */
  private async settleLineInHand(job: Job) {
    const line = job.lineInHand!;
    if (job.lineStage === 'block-read') {
      // Died reading a large line of a block as a whole: its block goes line by line (it is in
      // hand), and this line fails there without being read again.
      job.lineInHand = null;
      job.lineStage = null;
      this.skip = line;
      return;
    }
    if (job.lineStage === 'write') {
      job.lineStage = 'retry';
      return;
    }
    await this.db.prisma.$transaction(async (tx) => {
      await this.commitLine(tx, job, job.nextBlock, line, lineFailed(line, CRASHED_WORKER));
    });
    job.resumeLine = line + 1;
    job.lineInHand = null;
    job.lineStage = null;
    job.progressAttempt = job.attempts;
  }

  private async runPerRecord(job: Job, caller: Caller, org: ActingOrganisation) {
    const stored = { count: await this.storedErrors(job.id) };
    // Blocks up to this one were in hand when a worker stopped: they go line by line.
    const inHand = job.blockInHand ?? -1;
    const lineByLine = (seq: number) => seq <= inHand || (seq === job.nextBlock && job.resumeLine !== null);
    const prepare = async (seq: number): Promise<Prepared | undefined> => {
      await this.markBlock(job, seq);
      const lines = await this.block(job.id, seq);
      if (!lines) return undefined;
      await this.faults.beforeRead?.(lines);
      const block = await this.readMarkingLarge(job, lines, caller);
      // Reading a block is CPU work (about as long as writing it): others are answered in between.
      await giveWay();
      return { lines, block };
    };
    // On PostgreSQL the next block is read and checked while the database writes this one; PGlite's
    // single session is the transaction's until it ends.
    const overlap = this.db.kind === 'postgresql';
    // And, on PostgreSQL, written beside it on a connection of its own when it can be (writeBeside).
    let besides = overlap && this.settings.blocksInFlight > 1;
    let next: Promise<Prepared | undefined> | undefined;
    /** The next block's write beside this one, and how this one ended (committed with no record changed, or not). */
    let beside: { seq: number; outcome: Promise<BesideOutcome> } | undefined;
    let settle: ((cleanly: boolean) => void) | undefined;
    try {
      for (let seq = job.nextBlock; ; seq++) {
        if (this.stopped) throw new Stopping();
        // A block's statements carry its records (megabytes); Prisma would keep the last hundred.
        forgetPrismaDebugHistory();
        await giveWay();
        if (lineByLine(seq)) {
          const lines = await this.block(job.id, seq);
          if (!lines) return await this.finishPerRecord(job);
          await this.writeLineByLine(job, seq, lines, caller, org, stored);
          continue;
        }
        let current: Prepared | undefined;
        try {
          current = await (next ?? prepare(seq));
        } catch (error) {
          if (error instanceof LeaseLost) throw error;
          // Reading the block threw (a line no check foresaw): line by line, that line fails alone.
          this.onError(error);
          const lines = await this.block(job.id, seq);
          if (!lines) return await this.finishPerRecord(job);
          await this.writeLineByLine(job, seq, lines, caller, org, stored);
          next = undefined;
          continue;
        }
        next = undefined;
        if (!current) return await this.finishPerRecord(job);
        const { lines, block } = current;
        // This block was tried beside the one before: committed, it is done; undone, it is written now.
        const tried = beside?.seq === seq ? await beside.outcome : undefined;
        beside = undefined;
        if (tried?.changes) besides = false;
        if (tried?.written) {
          stored.count += tried.written.saved;
          continue;
        }
        if (overlap && !lineByLine(seq + 1)) {
          next = prepare(seq + 1);
          next.catch(() => {});
          if (besides && !tried) {
            const cleanly = new Promise<boolean>((resolve) => {
              settle = resolve;
            });
            beside = {
              seq: seq + 1,
              outcome: this.writeBeside(job, seq + 1, block, next, cleanly, caller, org, stored),
            };
          }
        }
        let result: BlockResult | undefined;
        let failure: { error: unknown } | undefined = tried?.failed;
        if (!failure) {
          try {
            result = await this.withRetries(() =>
              this.writeBlock(job, seq, lines, block, caller, org, stored),
            ).then((r) => {
              if (r) stored.count += r.saved;
              return r;
            });
          } catch (error) {
            failure = { error };
          }
        }
        // The block beside this one commits only after this one did, and only if this one changed no
        // stored record (a line of it might have read one): it then ends as it would have after it.
        settle?.(result !== undefined && result.updated === 0);
        settle = undefined;
        if (failure) {
          const { error } = failure;
          if (error instanceof LeaseLost || error instanceof Stopping) throw error;
          // Anything but the database refusing the block is treated as the worker dying: the job is
          // taken again when the lease ends, and that claim writes this block line by line.
          if (!sqlStateOf(error) || !(await this.databaseAnswers())) throw error;
          // The database refused the block: nothing of it stands. Line by line, each good line lands
          // and each bad one is reported.
          this.onError(error);
          // The next block's read marks its large lines; it ends before this block's lines are marked.
          await next?.catch(() => {});
          // And a write beside this block is undone before this block's lines are written.
          await beside?.outcome;
          await this.writeLineByLine(job, seq, lines, caller, org, stored);
          continue;
        }
        if (!result) {
          const first = lines[0]?.line ?? 0;
          throw new JobProblem(
            'conflict',
            `The records of lines ${first} to ${lines.at(-1)?.line ?? first} kept changing under concurrent writes. The lines before line ${first} are written; send line ${first} onwards again as a new import.`,
          );
        }
      }
    } finally {
      // Leaving (done, stopping, or dying): a write beside the last block is undone or ends first.
      settle?.(false);
      await beside?.outcome;
    }
  }

  /**
   * Writes a block, its issues, and the job's counters and position, in one transaction. Beside the
   * block before it (`before`, how that block ended), the block writes only new records (a block
   * that would change a stored one is undone, NotCreatesOnly), then waits, its transaction open,
   * for the block before to commit; it commits after it, or is undone (NotBeside).
   */
  private writeBlock(
    job: Job,
    seq: number,
    lines: SourceLine[],
    block: ReadBlock,
    caller: Caller,
    org: ActingOrganisation,
    stored: { count: number },
    before?: Promise<boolean>,
  ) {
    return this.db.prisma.$transaction(
      async (tx) => {
        await this.stillAllowed(job, tx);
        await this.faults.beforeWrite?.(tx, lines);
        const result = await new BlockImporter(
          tx,
          caller,
          org,
          this.audit,
          this.settings.alerts,
          before !== undefined,
        ).write(block);
        if (before && !(await before)) throw new NotBeside();
        const saved = await this.saveErrors(tx, job.id, result.errors, stored.count);
        const moved = await tx.$executeRawUnsafe(
          `UPDATE bulk_import SET lines_done = lines_done + $3, created = created + $4, updated = updated + $5,
                  unchanged = unchanged + $6, failed = failed + $7, next_block = $8 + 1, progress_attempt = $10,
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
          job.attempts,
        );
        if (moved !== 1) throw new LeaseLost();
        return { ...result, saved };
      },
      { timeout: 10 * 60_000, maxWait: 30_000 },
    );
  }

  /**
   * Block `seq`, written on a connection of its own while the block before it is written, when no
   * line of it depends on a line of that block (independentBlocks) and it only creates records:
   * so neither block can wait for a lock the other holds, and the outcome is the one writing them
   * in turn would have. Otherwise, or when the block before did not commit cleanly, or on a
   * conflict, nothing of it stands and it is written in its turn. Any other failure is the
   * block's failure, handled as in its turn (`failed`).
   */
  private async writeBeside(
    job: Job,
    seq: number,
    before: ReadBlock,
    next: Promise<Prepared | undefined>,
    cleanly: Promise<boolean>,
    caller: Caller,
    org: ActingOrganisation,
    stored: { count: number },
  ): Promise<BesideOutcome> {
    let prepared: Prepared | undefined;
    try {
      prepared = await next;
    } catch {
      // Reading it failed: that is dealt with in its turn.
      return {};
    }
    if (!prepared || !independentBlocks(before, prepared.block)) return {};
    try {
      return {
        written: await this.writeBlock(
          job,
          seq,
          prepared.lines,
          prepared.block,
          caller,
          org,
          stored,
          cleanly,
        ),
      };
    } catch (error) {
      if (error instanceof NotCreatesOnly) return { changes: true };
      if (error instanceof NotBeside || isConflict(error)) return {};
      return { failed: { error } };
    }
  }

  /**
   * Writes block `seq` one line per transaction, recording the line in hand (committed) before
   * reading it (with the line before it) and before writing it, so a worker that dies with it in
   * hand is known to have. Goes on from the job's `resume_line` when an earlier claim already
   * wrote part of the block.
   */
  private async writeLineByLine(
    job: Job,
    seq: number,
    lines: SourceLine[],
    caller: Caller,
    org: ActingOrganisation,
    stored: { count: number },
  ) {
    const from = seq === job.nextBlock ? (job.resumeLine ?? 0) : 0;
    const todo = lines.filter((l) => l.line >= from);
    const stageOf = (line: number) =>
      job.lineStage === 'retry' && job.lineInHand === line ? ('retry' as const) : ('read' as const);
    // The first line's mark is committed on its own; each later one's with the line before it.
    let marked = false;
    for (const [i, source] of todo.entries()) {
      if (this.stopped) throw new Stopping();
      await giveWay();
      const stage = stageOf(source.line);
      if (!marked) await this.markLine(job, source.line, stage);
      const following = todo[i + 1];
      const next = following ? { line: following.line, stage: stageOf(following.line) } : undefined;
      let block: ReadBlock | undefined;
      let outcome: BlockResult | undefined;
      if (this.skip === source.line) outcome = lineFailed(source.line, CRASHED_WORKER);
      else {
        try {
          await this.faults.beforeRead?.([source]);
          block = this.read([source], job.defaultKind, caller);
        } catch (error) {
          this.onError(error);
          outcome = lineFailed(source.line, UNPROCESSABLE);
        }
      }
      if (block) {
        if (stage !== 'retry') await this.markLine(job, source.line, 'write');
        try {
          const written = await this.withRetries(() =>
            this.db.prisma.$transaction(
              async (tx) => {
                await this.stillAllowed(job, tx);
                await this.faults.beforeWrite?.(tx, [source]);
                const result = await new BlockImporter(
                  tx,
                  caller,
                  org,
                  this.audit,
                  this.settings.alerts,
                ).write(block);
                return this.commitLine(tx, job, seq, source.line, result, stored.count, next);
              },
              { timeout: 60_000, maxWait: 30_000 },
            ),
          );
          if (written === undefined) {
            throw new JobProblem(
              'conflict',
              `The record of line ${source.line} kept changing under concurrent writes. The lines before it are written; send line ${source.line} onwards again as a new import.`,
            );
          }
          stored.count += written;
        } catch (error) {
          if (error instanceof LeaseLost || error instanceof Stopping || error instanceof JobProblem)
            throw error;
          // The database gone is not the line's fault: the job is taken again later.
          if (!(await this.databaseAnswers())) throw error;
          this.onError(error);
          outcome = lineFailed(source.line, sqlStateOf(error) ? DATABASE_REFUSED : UNPROCESSABLE);
        }
      }
      if (outcome) {
        const failed = outcome;
        stored.count += await this.db.prisma.$transaction((tx) =>
          this.commitLine(tx, job, seq, source.line, failed, stored.count, next),
        );
      }
      marked = next !== undefined;
      job.progressAttempt = job.attempts;
    }
    const moved = await this.db.sql<{ id: string }>(
      `UPDATE bulk_import SET next_block = $3 + 1, resume_line = NULL, line_in_hand = NULL, line_stage = NULL,
              progress_attempt = $4
       WHERE id = $1::uuid AND lease = $2::uuid AND next_block = $3 RETURNING id::text`,
      [job.id, job.lease, seq, job.attempts],
    );
    if (moved.length !== 1) throw new LeaseLost();
    job.resumeLine = null;
    job.lineInHand = null;
    job.lineStage = null;
  }

  /** Commits one line's outcome with the job's counters and position in the block; returns the issues stored. */
  private async commitLine(
    tx: Tx,
    job: Job,
    seq: number,
    line: number,
    result: BlockResult,
    alreadyStored?: number,
    next?: { line: number; stage: 'read' | 'retry' },
  ): Promise<number> {
    const saved = await this.saveErrors(
      tx,
      job.id,
      result.errors,
      alreadyStored ?? (await this.storedErrors(job.id, tx)),
    );
    const moved = await tx.$executeRawUnsafe(
      `UPDATE bulk_import SET lines_done = lines_done + 1, created = created + $4, updated = updated + $5,
              unchanged = unchanged + $6, failed = failed + $7, resume_line = $8 + 1, line_in_hand = $11::int,
              line_stage = $12::text, progress_attempt = $9,
              locked_until = clock_timestamp() + ($10::int * interval '1 millisecond')
       WHERE id = $1::uuid AND lease = $2::uuid AND next_block = $3`,
      job.id,
      job.lease,
      seq,
      result.created,
      result.updated,
      result.unchanged,
      result.failed,
      line,
      job.attempts,
      this.settings.leaseMs,
      next?.line ?? null,
      next?.stage ?? null,
    );
    if (moved !== 1) throw new LeaseLost();
    return saved;
  }

  /** Records, committed, the block a worker begins on as a whole (see `block_in_hand`). */
  private async markBlock(job: Job, seq: number) {
    const n = await this.db.sql<{ id: string }>(
      `UPDATE bulk_import SET block_in_hand = greatest(block_in_hand, $3),
              locked_until = clock_timestamp() + ($4::int * interval '1 millisecond')
       WHERE id = $1::uuid AND lease = $2::uuid RETURNING id::text`,
      [job.id, job.lease, seq, this.settings.leaseMs],
    );
    if (n.length !== 1) throw new LeaseLost();
  }

  /** Records, committed, the line in hand and how far its processing got. */
  private async markLine(job: Job, line: number, stage: 'read' | 'write' | 'retry' | 'block-read') {
    const n = await this.db.sql<{ id: string }>(
      `UPDATE bulk_import SET line_in_hand = $3, line_stage = $4,
              locked_until = clock_timestamp() + ($5::int * interval '1 millisecond')
       WHERE id = $1::uuid AND lease = $2::uuid RETURNING id::text`,
      [job.id, job.lease, line, stage, this.settings.leaseMs],
    );
    if (n.length !== 1) throw new LeaseLost();
  }

  /**
   * Reads a block as a whole, except its large lines (the only ones that could exhaust the process
   * while they are parsed and checked): each is read alone, recorded as in hand first, so that a
   * worker that dies reading it is known to have, and the next claim fails that line unread.
   */
  private async readMarkingLarge(job: Job, lines: SourceLine[], caller: Caller): Promise<ReadBlock> {
    const large = lines.filter((l) => l.text.length > LARGE_LINE);
    if (!large.length) return this.read(lines, job.defaultKind, caller);
    const block = this.read(
      lines.filter((l) => l.text.length <= LARGE_LINE),
      job.defaultKind,
      caller,
    );
    for (const source of large) {
      await this.markLine(job, source.line, 'block-read');
      await this.faults.beforeRead?.([source]);
      const one = this.read([source], job.defaultKind, caller);
      block.errors.push(...one.errors);
      for (const [kind, parsed] of one.byKind) block.byKind.get(kind)!.push(...parsed);
    }
    await this.db.sql(
      `UPDATE bulk_import SET line_in_hand = NULL, line_stage = NULL
       WHERE id = $1::uuid AND lease = $2::uuid AND line_stage = 'block-read'`,
      [job.id, job.lease],
    );
    for (const parsed of block.byKind.values()) parsed.sort((a, b) => a.line - b.line);
    block.errors.sort((a, b) => a.line - b.line);
    return block;
  }

  /** Reads and checks lines, after refusing those too long, too deep or holding a NUL byte. */
  private read(lines: SourceLine[], defaultKind: string | null, caller: Caller): ReadBlock {
    const screened = screenLines(lines);
    const block = readBlock(screened.lines, (defaultKind as RecordKind | null) ?? undefined, caller.scopes);
    if (screened.errors.length) {
      block.errors.push(...screened.errors);
      block.errors.sort((a, b) => a.line - b.line);
    }
    return block;
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.db.sql('SELECT 1', []);
      return true;
    } catch {
      return false;
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
    if (job.lineInHand !== null) {
      // The line-by-line read below found the line that stops workers: the job fails with it.
      const line = job.lineInHand;
      await this.db.prisma.$transaction(async (tx) => {
        await this.saveErrors(tx, job.id, lineFailed(line, CRASHED_WORKER).errors, 0);
        const saved = await tx.$executeRawUnsafe(
          `UPDATE bulk_import SET created = 0, updated = 0, unchanged = 0, failed = 1, line_in_hand = NULL
           WHERE id = $1::uuid AND lease = $2::uuid`,
          job.id,
          job.lease,
        );
        if (saved !== 1) throw new LeaseLost();
      });
      return this.finish(job, 'failed');
    }
    // A worker stopped with this job in hand: its lines are read one at a time first, each
    // recorded before it is read, to find a line that stops the process before writing again.
    if (job.blockInHand !== null) await this.readLineByLine(job, caller);
    await this.markBlock(job, 0);
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
              forgetPrismaDebugHistory();
              const lines = await this.block(job.id, seq, tx);
              if (!lines) break;
              await this.stillAllowed(job, tx);
              const result = await this.writeInSavepoints(tx, job, lines, caller, org);
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

  /**
   * An all-or-nothing block, inside the job's transaction. When the database refuses the block,
   * it is undone to a savepoint and written again a line at a time, each in its own savepoint,
   * so the report names every line the database refuses (and the job still writes nothing).
   */
  private async writeInSavepoints(
    tx: Tx,
    job: Job,
    lines: SourceLine[],
    caller: Caller,
    org: ActingOrganisation,
  ): Promise<BlockResult> {
    const attempt = async (part: SourceLine[], block: ReadBlock) => {
      await tx.$executeRawUnsafe('SAVEPOINT celr_bulk');
      try {
        await this.faults.beforeWrite?.(tx, part);
        const result = await new BlockImporter(tx, caller, org, this.audit, this.settings.alerts).write(
          block,
        );
        await tx.$executeRawUnsafe('RELEASE SAVEPOINT celr_bulk');
        return result;
      } catch (error) {
        if (isConflict(error) || error instanceof LeaseLost || error instanceof Stopping) throw error;
        await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT celr_bulk');
        this.onError(error);
        return error;
      }
    };
    let whole: BlockResult | unknown;
    try {
      whole = await attempt(lines, this.read(lines, job.defaultKind, caller));
    } catch (error) {
      if (isConflict(error) || error instanceof LeaseLost || error instanceof Stopping) throw error;
      whole = error;
    }
    if (isBlockResult(whole)) return whole;
    const total: BlockResult = { created: 0, updated: 0, unchanged: 0, failed: 0, errors: [] };
    for (const source of lines) {
      let result: BlockResult | unknown;
      try {
        result = await attempt([source], this.read([source], job.defaultKind, caller));
      } catch (error) {
        if (isConflict(error) || error instanceof LeaseLost || error instanceof Stopping) throw error;
        result = error;
      }
      const line = isBlockResult(result)
        ? result
        : lineFailed(source.line, sqlStateOf(result) ? DATABASE_REFUSED : UNPROCESSABLE);
      total.created += line.created;
      total.updated += line.updated;
      total.unchanged += line.unchanged;
      total.failed += line.failed;
      total.errors.push(...line.errors);
    }
    return total;
  }

  /** Reads every line of an all-or-nothing job alone, the line in hand committed before each. */
  private async readLineByLine(job: Job, caller: Caller) {
    for (let seq = 0; ; seq++) {
      if (this.stopped) throw new Stopping();
      const lines = await this.block(job.id, seq);
      if (!lines) break;
      for (const source of lines) {
        await this.markLine(job, source.line, 'read');
        try {
          await this.faults.beforeRead?.([source]);
          this.read([source], job.defaultKind, caller);
        } catch {
          // A line that throws is reported when the job's transaction reads it again.
        }
      }
    }
    await this.db.sql('UPDATE bulk_import SET line_in_hand = NULL, line_stage = NULL WHERE id = $1::uuid', [
      job.id,
    ]);
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

  /** Hands the job back; after a clean stop nothing is in hand, so the next claim need not go line by line. */
  private async release(job: Job, clean: boolean) {
    await this.db.sql(
      `UPDATE bulk_import SET locked_until = now(), lease = NULL,
              block_in_hand = CASE WHEN $3 THEN NULL ELSE block_in_hand END,
              line_in_hand = CASE WHEN $3 THEN NULL ELSE line_in_hand END,
              line_stage = CASE WHEN $3 THEN NULL ELSE line_stage END
       WHERE id = $1::uuid AND lease = $2::uuid`,
      [job.id, job.lease, clean],
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

  private async storedErrors(importId: string, tx?: Tx): Promise<number> {
    const query = 'SELECT count(*)::int AS n FROM bulk_import_error WHERE import_id = $1::uuid';
    const [row] = tx
      ? await tx.$queryRawUnsafe<{ n: number }[]>(query, importId)
      : await this.db.sql<{ n: number }>(query, [importId]);
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

  /**
   * Resolves the submitter again inside a block's transaction, before the block is written: a
   * client revoked or a delegation withdrawn while the job runs stops it at the next block, and
   * that block is not written (the check and the write commit together).
   */
  private async stillAllowed(job: Job, tx: Tx) {
    await this.callerOf(job, sqlThrough(tx));
  }

  /** The submitter, as it is now: a client revoked (or a delegation withdrawn) since submitting stops the job. */
  private async callerOf(
    job: Job,
    sql: Database['sql'] = this.db.sql,
  ): Promise<{ caller: Caller; org: ActingOrganisation }> {
    try {
      const { caller, actingFor } = await resolveCaller(sql, {
        clientId: job.clientId,
        organisationId: job.submittedById,
        scopes: job.scopes,
        onBehalfOf: job.organisationId === job.submittedById ? undefined : job.organisationId,
        requestId: job.requestId,
      });
      return { caller, org: actingFor };
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      if (error.type === 'unauthorised') {
        throw new JobProblem(
          'unauthorised',
          'The client that submitted the import has been revoked; nothing more is written.',
        );
      }
      throw new JobProblem(
        'forbidden',
        'The organisation the import is for no longer delegates to this vendor; nothing more is written.',
      );
    }
  }
}

/**
 * Lets the process answer others between two blocks. PGlite runs each statement synchronously and
 * resolves it as a microtask, so a job's chain of statements never gave the event loop a turn: no
 * request was even read (a client's poll of the job was answered when the job ended), and a
 * request's statements never got PGlite's single session between two blocks. After this, the
 * requests waiting are read and, each needing the session for a moment, are answered before the
 * next block starts. On PostgreSQL, where every statement is I/O, it costs a turn of the loop.
 */
const giveWay = () => new Promise<void>((resolve) => setImmediate(resolve));

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

/** Lines longer than this (in UTF-16 units) are read alone, recorded as in hand, even in a block. */
const LARGE_LINE = 64 * 1024;

const CRASHED_WORKER = {
  rule: 'line-crashed-worker',
  message:
    'The import stopped (the process running it ended) while this line was being processed, so it was skipped rather than risk stopping the import again. Nothing of it was written; if it is a good record, send it again.',
};
const DATABASE_REFUSED = {
  rule: 'database-refused',
  message:
    'The database refused to store this line (text it cannot hold, say); nothing of it was written. Correct it and send it again.',
};
const UNPROCESSABLE = {
  rule: 'line-unprocessable',
  message: 'The line could not be processed; nothing of it was written. Check it and send it again.',
};

/** A line that failed as a whole, for a reason the line's content did not say. */
function lineFailed(line: number, why: { rule: string; message: string }): BlockResult {
  return {
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 1,
    errors: [{ line, pointer: '', rule: why.rule, message: why.message }],
  };
}

function isBlockResult(value: unknown): value is BlockResult {
  return typeof value === 'object' && value !== null && 'errors' in value && 'failed' in value;
}

/** The SQLSTATE of an error the database raised, however the driver wrapped it. */
function sqlStateOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; meta?: { code?: unknown }; cause?: { code?: unknown } } | undefined;
  for (const code of [e?.meta?.code, e?.cause?.code, e?.code]) {
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('P')) return code;
  }
  const text = `${JSON.stringify(e?.meta ?? {})} ${(error as Error)?.message ?? ''}`;
  return /\b(?:SQLSTATE|[Cc]ode)\W+([0-9A-Z]{5})\b/.exec(text)?.[1];
}
