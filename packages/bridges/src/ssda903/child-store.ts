import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildState } from './child-state.js';

/**
 * One thing a row says about a child, in the packed form of ChildState: its header (`h`), an
 * episode (`e`), its names (`n`), that a row of it was refused (`r`), or only that it is in a table
 * CELR does not read (`c`, which keeps its place in the order of the children and nothing else).
 */
export type ChildFact = readonly ['h' | 'e' | 'n', string, string] | readonly ['r' | 'c', string];

/**
 * How many children are held in memory before the store spills to disk. A held child costs about
 * 0.6 KiB of heap (its ChildState, a header, two episodes and a name as strings, the Map entry:
 * measured 56 MiB for 100,000), so 20,000 of them are about 12 MiB, small beside the 80 MiB Node and
 * @celr/schema take before a row is read and the 30 MiB of V8's young generation. One authority's
 * return is well below it (the largest authorities look after a few thousand children in a year;
 * England about 84,000 at a time), so it is converted in memory, in the order of its files and as
 * fast as before; only a regional or national extract spills.
 */
export const SPILL_AFTER_CHILDREN = 20_000;

/**
 * How many files a spill is split into, by a hash of the child id. Each is read back and converted
 * alone, and split again by another hash if it holds more than the threshold's children, so memory
 * stays bounded for any number of children. With 64 files, 100,000 children are about 1,600 a file
 * and 200,000 about 3,100 (1 to 2 MiB of heap while one is converted), and a second split is needed
 * only past 64 x 20,000 = 1.28 million children. The cost of more files is one 32 KiB buffer each
 * while the rows are read (64 x 32 KiB = 2 MiB) and smaller writes; 16 files would leave 12,500
 * children a file at 200,000, so the memory of the conversion would still grow with the return.
 */
export const SPILL_PARTITIONS = 64;

/** Each partition's buffer: a write once it is full. */
const BUFFER_BYTES = 32 * 1024;

/**
 * Past this depth of splits a file is held whole: only many children with the same hash at every
 * level (no real return) or one child with an enormous number of rows would get there.
 */
const MAX_LEVEL = 4;

/** Where spilled files go: a folder made in `under` when first needed, and removed by dispose(). */
export class SpillPlace {
  #dir: Promise<string> | undefined;
  constructor(readonly under: string = tmpdir()) {}

  dir(): Promise<string> {
    this.#dir ??= mkdtemp(join(this.under, 'celr-ssda903-'));
    return this.#dir;
  }

  /** Removes the folder and everything in it, whether or not the conversion finished. */
  async dispose(): Promise<void> {
    if (!this.#dir) return;
    // A folder that could not be made has nothing to remove.
    const dir = await this.#dir.catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A partition's lines waiting to be written, as UTF-8 bytes: copied out of each line's string at
 * once, so the strings die young instead of being promoted to V8's old space while a buffer fills
 * (which made the heap grow with the number of rows), and held outside the heap.
 */
class PartitionBuffer {
  bytes = Buffer.allocUnsafe(BUFFER_BYTES);
  used = 0;
  /** Buffers filled and not yet written. */
  full: Buffer[] = [];
  /** Whether the partition has a file. */
  written = false;

  /** Adds a line; true when that filled a buffer, which flush() should now write. */
  push(line: string): boolean {
    let filled = false;
    const length = Buffer.byteLength(line) + 1;
    if (this.used + length > this.bytes.length) {
      if (this.used) this.full.push(this.bytes.subarray(0, this.used));
      filled = true;
      this.bytes = Buffer.allocUnsafe(Math.max(BUFFER_BYTES, length));
      this.used = 0;
    }
    this.used += this.bytes.write(line, this.used);
    this.bytes[this.used++] = 0x0a;
    return filled;
  }
}

/**
 * The children of a return while its files are read: a Map of packed ChildStates while there are
 * at most `limit` of them, and past that, the facts of every child (those held, then each row as it
 * comes) appended to partition files, which children() reads back one at a time. A child's facts
 * stay in the order they came, so its first header is still the first one read.
 */
export class ChildStore {
  readonly #children = new Map<string, ChildState>();
  #spilled: PartitionBuffer[] | undefined;
  #mustFlush = false;

  /**
   * `onLateDuplicate` hears of a second header found only when a spilled partition is read back
   * (the header kept first, then the duplicate); the child is refused.
   */
  constructor(
    private readonly place: SpillPlace,
    private readonly limit: number,
    private readonly onLateDuplicate: (id: string, duplicate: string, first: string) => void,
    private readonly level = 0,
    private readonly prefix = 'p',
  ) {}

  /** Whether flush() should be awaited before the next fact, to keep the buffers small. */
  get mustFlush(): boolean {
    return this.#mustFlush;
  }

  /**
   * Adds a fact. A header of a child that already has one is not kept: its first header (packed)
   * is returned when that is known now, i.e. while the children are in memory; once spilled, it is
   * found when the partition is read back (onLateDuplicate).
   */
  add(fact: ChildFact): string | undefined {
    if (this.#spilled) {
      // A child only in tables CELR does not read is not converted: its place in the order is moot.
      if (fact[0] !== 'c') this.#write(this.#spilled, fact);
      return undefined;
    }
    const id = fact[1];
    let child = this.#children.get(id);
    if (!child) {
      child = { id, episodes: [], refused: false };
      this.#children.set(id, child);
    }
    const first = apply(child, fact);
    if (this.#children.size > this.limit && this.level < MAX_LEVEL) this.#spill();
    return first;
  }

  /** Writes the partitions' full buffers (and with `all`, what the others hold too). */
  async flush(all = false): Promise<void> {
    const spilled = this.#spilled;
    if (!spilled) return;
    this.#mustFlush = false;
    const dir = await this.place.dir();
    for (const [partition, buffer] of spilled.entries()) {
      if (all && buffer.used) {
        buffer.full.push(buffer.bytes.subarray(0, buffer.used));
        buffer.used = 0;
      }
      if (!buffer.full.length) continue;
      const bytes = buffer.full.length === 1 ? (buffer.full[0] as Buffer) : Buffer.concat(buffer.full);
      buffer.full = [];
      await appendFile(join(dir, `${this.prefix}${partition}`), bytes);
      buffer.written = true;
    }
  }

  /**
   * Every child, each handed on and forgotten: in memory, in the order they were first seen; once
   * spilled, partition by partition (each read back alone, and itself split again if too big).
   */
  async *children(): AsyncGenerator<ChildState> {
    const spilled = this.#spilled;
    if (!spilled) {
      for (const child of this.#children.values()) {
        this.#children.delete(child.id);
        yield child;
      }
      return;
    }
    await this.flush(true);
    const dir = await this.place.dir();
    for (let partition = 0; partition < SPILL_PARTITIONS; partition++) {
      if (!(spilled[partition] as PartitionBuffer).written) continue;
      const file = join(dir, `${this.prefix}${partition}`);
      const part = new ChildStore(
        this.place,
        this.limit,
        this.onLateDuplicate,
        this.level + 1,
        `${this.prefix}${partition}.`,
      );
      for await (const lines of linesOf(file)) {
        for (const line of lines) {
          const fact = JSON.parse(line) as ChildFact;
          const first = part.add(fact);
          if (first) {
            this.onLateDuplicate(fact[1], fact[2] as string, first);
            part.add(['r', fact[1]]);
          }
        }
        if (part.mustFlush) await part.flush();
      }
      await rm(file);
      yield* part.children();
    }
  }

  /** Moves the children held to the partitions; from now on every fact goes there. */
  #spill() {
    const spilled = Array.from({ length: SPILL_PARTITIONS }, () => new PartitionBuffer());
    for (const child of this.#children.values())
      for (const fact of factsOf(child)) this.#write(spilled, fact);
    this.#children.clear();
    this.#spilled = spilled;
  }

  #write(spilled: PartitionBuffer[], fact: ChildFact) {
    // JSON, so that a tab or a line break inside a quoted CSV field cannot split a line.
    const buffer = spilled[partitionOf(fact[1], this.level)] as PartitionBuffer;
    if (buffer.push(JSON.stringify(fact))) this.#mustFlush = true;
  }
}

/** Applies a fact to a child; for a second header, returns the first and keeps it. */
function apply(child: ChildState, fact: ChildFact): string | undefined {
  switch (fact[0]) {
    case 'h':
      if (child.header) return child.header;
      child.header = fact[2];
      return undefined;
    case 'e':
      child.episodes.push(fact[2]);
      return undefined;
    case 'n':
      child.name = fact[2];
      return undefined;
    case 'r':
      child.refused = true;
      return undefined;
    default:
      return undefined;
  }
}

/** The facts that rebuild a child's state (one only in tables CELR does not read has none). */
function* factsOf(child: ChildState): Generator<ChildFact> {
  if (child.header) yield ['h', child.id, child.header];
  if (child.name) yield ['n', child.id, child.name];
  for (const e of child.episodes) yield ['e', child.id, e];
  if (child.refused) yield ['r', child.id];
}

/** FNV-1a of the id, seeded by the level so that a partition split again spreads its children anew. */
function partitionOf(id: string, level: number): number {
  let h = (0x811c9dc5 ^ Math.imul(level + 1, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  // FNV's low bits depend only on the low bits of the characters: mix the high bits in (murmur3's finaliser).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % SPILL_PARTITIONS;
}

/** A file's lines, a chunk at a time (the spill's lines are JSON, so never hold a line break). */
async function* linesOf(file: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop() as string;
    yield lines;
  }
  if (rest) yield [rest];
}
