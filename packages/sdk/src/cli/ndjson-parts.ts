/**
 * Cutting an NDJSON file into parts for `POST /v1/bulk/import`, without reading it whole: each part
 * is a run of whole lines (a byte range of the file), numbered as the API numbers them, so an error
 * the API reports at line n of a part is at line `firstLine + n - 1` of the file.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface Part {
  /** 1 for the first part. */
  number: number;
  /** Byte range in the file: from `start`, up to but not including `end`. */
  start: number;
  end: number;
  /** Lines of the file the part holds (blank ones included), from 1. */
  firstLine: number;
  lastLine: number;
  /** Non-blank lines: what the API counts as the import's `lines`. */
  records: number;
  /** SHA-256 of the part's bytes, hex: what its Idempotency-Key is made from. */
  sha256: string;
}

export interface ScannedFile {
  bytes: number;
  /** Non-blank lines in the whole file. */
  records: number;
  parts: Part[];
}

export interface PartLimits {
  /** The most non-blank lines in one part. */
  records: number;
  /** The most bytes in one part (a single longer line still makes a part of its own). */
  bytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
/** What String.prototype.trim removes among ASCII characters: tab, LF, VT, FF, CR, space. */
const isAsciiSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/**
 * Reads the file once and says where its parts are. Lines end as node:readline (and so the API)
 * ends them: at LF, CRLF or a lone CR. A line is blank when trimming it leaves nothing, as the API
 * decides. A part is closed before the non-blank line that would take it over a limit, so blank
 * lines stay with the part before them.
 */
export async function scanNdjson(
  path: string,
  limits: PartLimits,
  signal?: AbortSignal,
): Promise<ScannedFile> {
  const parts: Part[] = [];
  let offset = 0; // of the current chunk's first byte
  let lineStart = 0; // offset of the current line's first byte
  let lineNumber = 0; // of the last line ended
  let pieces: Buffer[] = []; // the current line's bytes so far
  let nonSpace = false; // an ASCII character that is not whitespace was seen in the current line
  let high = false; // a byte >= 0x80 was seen (to decide blankness on the decoded text)
  let pendingCR = false;
  let records = 0;
  let part: { start: number; firstLine: number; records: number; bytes: number; hash: Hash } | undefined;

  const closePart = (end: number) => {
    if (!part) return;
    parts.push({
      number: parts.length + 1,
      start: part.start,
      end,
      firstLine: part.firstLine,
      lastLine: lineNumber,
      records: part.records,
      sha256: part.hash.digest('hex'),
    });
    part = undefined;
  };

  /** The current line ends at `end` (its terminator included). */
  const endLine = (end: number) => {
    const length = end - lineStart;
    const blank = !nonSpace && (!high || Buffer.concat(pieces).toString('utf8').trim() === '');
    if (!blank) {
      if (part && part.records > 0 && (part.records >= limits.records || part.bytes + length > limits.bytes))
        closePart(lineStart);
      records++;
    }
    lineNumber++;
    part ??= { start: lineStart, firstLine: lineNumber, records: 0, bytes: 0, hash: createHash('sha256') };
    if (!blank) part.records++;
    part.bytes += length;
    for (const piece of pieces) part.hash.update(piece);
    pieces = [];
    nonSpace = false;
    high = false;
    lineStart = end;
  };

  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    if (signal?.aborted) throw signal.reason;
    let from = 0; // start of the current line's bytes in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (pendingCR) {
        pendingCR = false;
        if (b === LF) {
          pieces.push(chunk.subarray(from, i + 1));
          from = i + 1;
          endLine(offset + i + 1);
          continue;
        }
        // A lone CR ended the line before this byte.
        pieces.push(chunk.subarray(from, i));
        from = i;
        endLine(offset + i);
      }
      if (b === LF) {
        pieces.push(chunk.subarray(from, i + 1));
        from = i + 1;
        endLine(offset + i + 1);
      } else if (b === CR) pendingCR = true;
      else if (b >= 0x80) high = true;
      else if (!nonSpace && !isAsciiSpace(b)) nonSpace = true;
    }
    if (from < chunk.length) pieces.push(chunk.subarray(from));
    offset += chunk.length;
  }
  // The last line, without a line break (or with a lone CR).
  if (offset > lineStart) endLine(offset);
  closePart(offset);
  return { bytes: offset, records, parts };
}
