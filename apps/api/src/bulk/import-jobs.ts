import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { RecordKind } from '@celr/schema';
import type { Caller } from '../auth/caller.js';
import type { Database } from '../db/database.js';
import type { BulkImport } from '../generated/prisma/client.js';
import { idempotencyRequest, idempotent } from '../http/idempotency.js';
import { notFound, ProblemError } from '../http/problem.js';
import { DEFAULT_MAX_LINE_BYTES, nulPlaceholder, tooLongPlaceholder } from './line-screen.js';

export type ImportMode = 'all-or-nothing' | 'per-record';

export interface BulkLimits {
  /** The largest file accepted, in bytes. */
  maxBytes: number;
  /** The most non-blank lines accepted in one file. */
  maxLines: number;
  /** The longest line read, in bytes; a longer one fails (`line-too-long`). Default: 1 MiB. */
  maxLineBytes?: number;
}

export const DEFAULT_BULK_LIMITS: BulkLimits = { maxBytes: 256 * 1024 * 1024, maxLines: 200_000 };

/** Lines per stored block: what a worker checks and writes in one step (and, per record, one transaction). */
export const BLOCK_LINES = 1000;
/**
 * And at most about this many bytes (a block ends at the line that reaches it): a block is held
 * whole, several times over, while it is stored and while it is written, so a file of long lines
 * (up to 1 MiB each) must not make a block of a thousand of them. A thousand typical records
 * (about 2 KB each) stay one block.
 */
export const BLOCK_BYTES = 4 * 1024 * 1024;

export const importLocation = (id: string) => `/v1/bulk/import/${id}`;

/** A job as the API shows it. */
export function presentImport(job: BulkImport) {
  const finished = ['succeeded', 'partially-succeeded', 'failed'].includes(job.status);
  return {
    id: job.id,
    status: job.status,
    mode: job.mode,
    ...(job.defaultKind ? { kind: job.defaultKind } : {}),
    lines: job.lines,
    bytes: Number(job.bytes),
    progress: {
      linesDone: job.linesDone,
      percent: job.lines === 0 ? 100 : Math.floor((job.linesDone / job.lines) * 100),
    },
    counts: { created: job.created, updated: job.updated, unchanged: job.unchanged, failed: job.failed },
    ...(job.problem ? { problem: job.problem } : {}),
    createdAt: job.createdAt.toISOString(),
    ...(job.startedAt ? { startedAt: job.startedAt.toISOString() } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
    links: {
      self: importLocation(job.id),
      errors: `${importLocation(job.id)}/errors`,
    },
    ...(finished ? {} : { retryAfterSeconds: 1 }),
  };
}

/**
 * Receiving an import and showing it to the client that sent it. The file is streamed into
 * blocks of lines in the database as it arrives, so neither its size nor the number of API
 * processes matters: any process's worker can take the job, and nothing is held in memory.
 */
export class BulkImports {
  constructor(
    private readonly db: Database,
    private readonly limits: BulkLimits,
  ) {}

  async receive(
    caller: Caller,
    // The query's kind and the header, each undefined when not sent.
    options: {
      mode: ImportMode;
      kind?: RecordKind | undefined;
      idempotencyKey?: string | string[] | undefined;
    },
    body: Readable,
  ) {
    const prisma = this.db.prisma;
    // A malformed key is refused before a byte of the file is stored.
    idempotencyRequest(options.idempotencyKey, caller, 'POST', '/v1/bulk/import', null);
    const job = await prisma.bulkImport.create({
      data: {
        clientId: caller.clientId,
        organisationId: caller.actingForId,
        submittedById: caller.organisationId,
        scopes: [...caller.scopes],
        requestId: caller.requestId,
        mode: options.mode,
        defaultKind: options.kind ?? null,
      },
    });
    let received: { lines: number; bytes: number; digest: string };
    try {
      received = await this.storeBlocks(job.id, body);
    } catch (error) {
      await prisma.bulkImport.delete({ where: { id: job.id } }).catch(() => {});
      throw error;
    }
    if (received.lines === 0) {
      await prisma.bulkImport.delete({ where: { id: job.id } });
      throw new ProblemError('validation', 'The file has no records: send one JSON record per line.', {
        errors: [{ pointer: '', rule: 'not-empty', message: 'At least one line is needed.' }],
      });
    }
    const idempotency = idempotencyRequest(options.idempotencyKey, caller, 'POST', '/v1/bulk/import', {
      mode: options.mode,
      kind: options.kind ?? null,
      sha256: received.digest,
    });
    // A refused key (reused for another file) leaves nothing behind either.
    const result = await idempotent(prisma, idempotency, async (tx) => {
      const queued = await tx.bulkImport.update({
        where: { id: job.id },
        data: { status: 'queued', lines: received.lines, bytes: received.bytes },
      });
      return {
        statusCode: 202,
        headers: { location: importLocation(job.id) },
        body: presentImport(queued),
      };
    }).catch(async (error) => {
      await prisma.bulkImport.delete({ where: { id: job.id } }).catch(() => {});
      throw error;
    });
    // A retry of an import already received: the first job answers, the copy is dropped.
    if (result.replayed) await prisma.bulkImport.delete({ where: { id: job.id } });
    return result;
  }

  /**
   * Splits the upload into lines as it arrives and stores them in blocks. A line is never held
   * whole beyond `maxLineBytes`: a longer one is stored as a placeholder that the worker reports
   * as a failed line (`line-too-long`), so the rest of the file is still imported.
   */
  private async storeBlocks(importId: string, body: Readable) {
    const maxLine = this.limits.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    const hash = createHash('sha256');
    let bytes = 0;
    let block: string[] = [];
    let blockBytes = 0;
    let firstLine = 1;
    let seq = 0;
    let line = 0;
    let lines = 0;
    // The line being received: its pieces, and its length so far (past maxLine, only the length).
    let pieces: Buffer[] = [];
    let lineBytes = 0;
    const flush = async () => {
      if (!block.length) return;
      await this.db.sql(
        'INSERT INTO bulk_import_block (import_id, seq, first_line, text) VALUES ($1::uuid, $2, $3, $4)',
        [importId, seq++, firstLine, block.join('\n')],
      );
      firstLine = line + 1;
      block = [];
      blockBytes = 0;
    };
    const endLine = async () => {
      line++;
      let text: string;
      if (lineBytes > maxLine) text = tooLongPlaceholder(lineBytes, maxLine);
      else {
        let raw = Buffer.concat(pieces, lineBytes);
        if (raw.at(-1) === 0x0d) raw = raw.subarray(0, -1);
        text = raw.toString('utf8');
        // No JSON text holds a raw NUL, and PostgreSQL text cannot store one.
        if (text.includes('\u0000')) text = nulPlaceholder();
      }
      pieces = [];
      lineBytes = 0;
      if (text.trim() !== '') lines++;
      if (lines > this.limits.maxLines) throw tooManyLines(this.limits.maxLines);
      block.push(text);
      blockBytes += text.length + 1;
      if (block.length === BLOCK_LINES || blockBytes >= BLOCK_BYTES) await flush();
    };
    try {
      for await (const data of body) {
        const chunk: Buffer = typeof data === 'string' ? Buffer.from(data) : data;
        bytes += chunk.length;
        if (bytes > this.limits.maxBytes) throw tooBig(this.limits.maxBytes);
        hash.update(chunk);
        for (let start = 0; ; ) {
          const newline = chunk.indexOf(0x0a, start);
          const end = newline === -1 ? chunk.length : newline;
          if (lineBytes + (end - start) <= maxLine) pieces.push(chunk.subarray(start, end));
          else pieces = [];
          lineBytes += end - start;
          if (newline === -1) break;
          await endLine();
          start = newline + 1;
        }
      }
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      throw new ProblemError('bad-request', 'The upload ended before the whole file arrived; send it again.');
    }
    if (lineBytes > 0) await endLine();
    await flush();
    return { lines, bytes, digest: hash.digest('hex') };
  }

  /** The caller's job; another client's is 404, as if it did not exist. */
  async get(caller: Caller, id: string): Promise<BulkImport> {
    const job = await this.db.prisma.bulkImport.findFirst({
      where: {
        id,
        clientId: caller.clientId,
        organisationId: caller.actingForId,
        NOT: { status: 'receiving' },
      },
    });
    if (!job) throw notFound('The import');
    return job;
  }

  async errors(caller: Caller, id: string, after: number | undefined, limit: number) {
    await this.get(caller, id);
    const rows = await this.db.sql<{
      id: string;
      line: number;
      kind: RecordKind | null;
      pointer: string;
      rule: string;
      message: string;
    }>(
      `SELECT id::text, line, kind, pointer, rule, message FROM bulk_import_error
       WHERE import_id = $1::uuid AND id > $2::bigint ORDER BY bulk_import_error.id LIMIT $3`,
      [id, after ?? 0, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map(({ id: _id, kind, ...e }) => ({ ...e, ...(kind ? { kind } : {}) })),
      after: rows.length > limit ? Number(page.at(-1)!.id) : undefined,
    };
  }
}

const tooBig = (max: number) =>
  new ProblemError(
    'payload-too-large',
    `An import may be at most ${max.toLocaleString('en-GB')} bytes; split the file and send the parts as separate imports.`,
  );

const tooManyLines = (max: number) =>
  new ProblemError(
    'payload-too-large',
    `An import may have at most ${max.toLocaleString('en-GB')} records; split the file and send the parts as separate imports.`,
  );
