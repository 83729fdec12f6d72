import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from './command.js';

/** What an import writes into: checked on resume, so a checkpoint is never applied to another API. */
export interface ImportTarget {
  api: string;
  onBehalfOf?: string;
}

export interface DoneLine {
  line: number;
  /** Hash of the line's text, so a line edited since is not taken for done. */
  hash: string;
  kind: string;
  /** The record's id in the API. */
  id: string;
  /** The record's own `id` in the file (an export), which later lines may refer to. */
  source?: string;
}

export const CHECKPOINT_SUFFIX = '.celr-checkpoint';

export const hashLine = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * The lines of an input file that have been imported, in a file next to it (`<input>.celr-checkpoint`),
 * one JSON line each, appended as each record is written. A crash can lose at most the last line;
 * the record it stood for is written again on resume without a duplicate (by identifier or
 * Idempotency-Key), so the checkpoint only saves work and does not carry the guarantee alone.
 */
export class Checkpoint {
  readonly done = new Map<number, DoneLine>();
  /** Ids in the file (from an export) to ids in the API. */
  readonly ids = new Map<string, string>();

  private constructor(
    readonly path: string,
    private readonly header: object,
  ) {}

  static open(inputPath: string, target: ImportTarget, restart: boolean): Checkpoint {
    const path = `${inputPath}${CHECKPOINT_SUFFIX}`;
    const header = {
      checkpoint: 'celr-import',
      version: 1,
      file: basename(inputPath),
      api: target.api,
      onBehalfOf: target.onBehalfOf ?? null,
    };
    const checkpoint = new Checkpoint(path, header);
    if (restart) rmSync(path, { force: true });
    if (!existsSync(path)) return checkpoint;
    const [first, ...lines] = readFileSync(path, 'utf8').split('\n');
    let stored: typeof header | undefined;
    try {
      stored = JSON.parse(first ?? '');
    } catch {}
    if (stored?.checkpoint !== 'celr-import') {
      throw new UsageError(`${path} is not a checkpoint of celr import: move it away, or pass --restart.`);
    }
    if (stored.api !== header.api || stored.onBehalfOf !== header.onBehalfOf) {
      const was = `${stored.api}${stored.onBehalfOf ? ` on behalf of ${stored.onBehalfOf}` : ''}`;
      throw new UsageError(
        `${path} records an import into ${was}, not this one: pass --restart to import the file from its first line.`,
      );
    }
    for (const text of lines) {
      let entry: DoneLine;
      try {
        entry = JSON.parse(text);
      } catch {
        continue; // a line cut short by a crash: its record is written again, without a duplicate
      }
      checkpoint.done.set(entry.line, entry);
      if (entry.source) checkpoint.ids.set(entry.source, entry.id);
    }
    return checkpoint;
  }

  get exists(): boolean {
    return existsSync(this.path);
  }

  add(entry: DoneLine): void {
    if (!this.exists) appendFileSync(this.path, `${JSON.stringify(this.header)}\n`);
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
    this.done.set(entry.line, entry);
    if (entry.source) this.ids.set(entry.source, entry.id);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
