import { jsonDepthExceeded, jsonDepthMessage } from '@celr/schema';
import type { LineError, SourceLine } from './block-import.js';

/**
 * What an import checks of a line before it parses it: its length (at upload, where an
 * over-long line is never held in memory whole), characters the database cannot store as text,
 * and how deeply it nests (with @celr/schema's check, so a line, a request body and the CLI
 * share one limit). A line that fails here is reported like any bad line, by line, pointer and
 * rule, and never reaches JSON.parse or validation.
 */

/** The longest line taken by default: the size of a single write's body. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * Stands in the stored block for a line that cannot be stored as it was sent (too long, or a NUL
 * byte, which no JSON text holds and PostgreSQL text cannot store). It starts with U+0001,
 * which no JSON text may start with, so it can never be mistaken for a record.
 */
const PLACEHOLDER = '\u0001celr-refused:';

export const tooLongPlaceholder = (bytes: number, max: number) =>
  `${PLACEHOLDER}line-too-long:${bytes}:${max}`;
export const nulPlaceholder = () => `${PLACEHOLDER}nul-byte`;

/** Splits a block's lines into those to read and the issues of those refused before parsing. */
export function screenLines(lines: SourceLine[]): { lines: SourceLine[]; errors: LineError[] } {
  const kept: SourceLine[] = [];
  const errors: LineError[] = [];
  for (const l of lines) {
    const issue = screenLine(l.text);
    if (issue) errors.push({ line: l.line, ...issue });
    else kept.push(l);
  }
  return { lines: kept, errors };
}

function screenLine(text: string) {
  if (text.startsWith(PLACEHOLDER)) {
    const [rule, bytes, max] = text.slice(PLACEHOLDER.length).split(':');
    if (rule === 'line-too-long') {
      return {
        pointer: '',
        rule: 'line-too-long',
        message: `The line is ${Number(bytes).toLocaleString('en-GB')} bytes; a line may be at most ${Number(max).toLocaleString('en-GB')} bytes. It was not read.`,
      };
    }
    return {
      pointer: '',
      rule: 'text-characters',
      message: 'The line holds a NUL byte, which no JSON text may hold; it was not read.',
    };
  }
  const at = jsonDepthExceeded(text);
  if (at >= 0) {
    return {
      pointer: '',
      rule: 'json-depth',
      message: `${jsonDepthMessage(at)} The line was not read.`,
    };
  }
  return undefined;
}
