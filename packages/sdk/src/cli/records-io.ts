/**
 * Reading records from files: JSON (one record, an array, or `{ "kind", "records": [...] }`) and
 * NDJSON (one record per line). The kind of each record comes from, in order: an envelope
 * `{ "kind": "learner", "record": {...} }`, a `kind` member on the record itself, the file's
 * `kind`, or `--kind`.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { classifyRecordLine, jsonErrorMessage, type ValidationIssue } from '@celr/schema';
import { isRecordKind, RECORD_KINDS, type RecordKind } from '../records.js';
import { UsageError } from './command.js';

export const RECORD_FILE_EXTENSIONS = ['.json', '.ndjson', '.jsonl'];
const NDJSON_EXTENSIONS = ['.ndjson', '.jsonl'];

/** Where a record is: a line of an NDJSON file, an element of a JSON array, or a whole JSON file. */
export interface Location {
  /** As given on the command line, or relative to it for files found in a folder. */
  file: string;
  /** 1-based line, for NDJSON. Copied from record to record as read, so it may be given as undefined. */
  line?: number | undefined;
  /** 0-based index, for JSON arrays. Likewise. */
  index?: number | undefined;
}

export interface SourceRecord extends Location {
  kind?: RecordKind;
  record?: unknown;
  /** Why the record could not be read (bad JSON, unknown kind); the record is then absent. */
  problem?: ValidationIssue;
}

export const where = (l: Location) =>
  l.line !== undefined ? `${l.file}:${l.line}` : l.index !== undefined ? `${l.file}[${l.index}]` : l.file;

/** Files named on the command line, folders searched (recursively) for .json, .ndjson and .jsonl files. */
export async function expandPaths(paths: string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new UsageError(`${path}: no such file or folder.`);
    if (info.isDirectory()) {
      const found = await filesIn(absolute);
      if (found.length === 0)
        throw new UsageError(`${path}: no .json, .ndjson or .jsonl files in this folder.`);
      files.push(...found.map((f) => join(path, relative(absolute, f))));
    } else files.push(path);
  }
  return files;
}

async function filesIn(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await filesIn(path)));
    else if (RECORD_FILE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) out.push(path);
  }
  return out;
}

export const isNdjsonPath = (file: string) => NDJSON_EXTENSIONS.includes(extname(file).toLowerCase());

/** Every record of a file, with where it is. Never throws on bad content: problems are items too. */
export async function* readRecords(
  file: string,
  cwd: string,
  defaultKind?: RecordKind,
): AsyncGenerator<SourceRecord> {
  const path = resolve(cwd, file);
  if (isNdjsonPath(file)) {
    yield* readNdjson(file, path, defaultKind);
    return;
  }
  const text = await readFile(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // A .json file with one record per line is NDJSON by another name.
    if (looksLikeNdjson(text)) {
      yield* readNdjson(file, path, defaultKind);
      return;
    }
    yield { file, problem: jsonProblem(error, text) };
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield { file, index, ...classify(item, defaultKind) };
    return;
  }
  const container = value as { kind?: unknown; records?: unknown };
  if (isObject(value) && Array.isArray(container.records) && !('record' in value)) {
    let fileKind = defaultKind;
    if (container.kind !== undefined) {
      if (!isRecordKind(container.kind)) {
        yield {
          file,
          problem: {
            pointer: '/kind',
            rule: 'kind',
            message: `${JSON.stringify(container.kind)} is not a kind of record: use ${RECORD_KINDS.join(', ')}.`,
          },
        };
        return;
      }
      fileKind = container.kind;
    }
    for (const [index, item] of container.records.entries())
      yield { file, index, ...classify(item, fileKind) };
    return;
  }
  yield { file, ...classify(value, defaultKind) };
}

/** Lines of an NDJSON file, numbered from 1; blank lines are skipped. */
export async function* ndjsonLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    yield { line, text };
  }
}

async function* readNdjson(
  file: string,
  path: string,
  defaultKind?: RecordKind,
): AsyncGenerator<SourceRecord> {
  for await (const { line, text } of ndjsonLines(path)) yield { file, line, ...parseLine(text, defaultKind) };
}

/** One NDJSON line: its kind and record, or the problem that stops it being read. */
export function parseLine(
  text: string,
  defaultKind?: RecordKind,
): Pick<SourceRecord, 'kind' | 'record' | 'problem'> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: jsonProblem(error, text, true) };
  }
  return classify(value, defaultKind);
}

/** The kind and the record itself, as @celr/schema reads an exchange line. */
export function classify(
  value: unknown,
  defaultKind?: RecordKind,
): Pick<SourceRecord, 'kind' | 'record' | 'problem'> {
  const line = classifyRecordLine(value, defaultKind);
  if (!line.ok) return { problem: line.issue };
  return { kind: line.kind, record: line.record };
}

function jsonProblem(error: unknown, text: string, oneLine = false): ValidationIssue {
  return { pointer: '', rule: 'json', message: jsonErrorMessage(error, text, !oneLine) };
}

function looksLikeNdjson(text: string): boolean {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return false;
  try {
    JSON.parse(lines[0]!);
    return true;
  } catch {
    return false;
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
