/**
 * One line of an NDJSON exchange file: what `celr export` and `GET /v1/bulk/export` write, and
 * what `celr import` and `POST /v1/bulk/import` read. Defined once here so that every reader
 * agrees on what a line means.
 *
 * A line is one JSON object, in one of three forms:
 * - an envelope: `{ "kind": "learner", "record": { ... } }` (what exports write);
 * - a record with a `kind` member: `{ "kind": "plan", "jurisdiction": "england", ... }`;
 * - a bare record, whose kind the reader is told (`--kind`, `?kind=`).
 * The record may be an input or a record as the API returns it: `id` and `meta` are the server's
 * and are set aside (the `id` is kept as `sourceId`, so later lines can refer to it).
 */
import { RECORD_KINDS, type RecordKind } from '../records/define.js';
import type { ValidationIssue } from '../validation/issue.js';
import { jsonDepthExceeded, jsonDepthMessage } from './json-limits.js';

export interface RecordLine {
  kind: RecordKind;
  /** The record as the line has it, `id` and `meta` included. */
  record: Record<string, unknown>;
  /** The record's fields without the server's `id` and `meta`. */
  input: Record<string, unknown>;
  /** The `id` the record had where it came from, if it had one. */
  sourceId?: string;
}

export type RecordLineResult = ({ ok: true } & RecordLine) | { ok: false; issue: ValidationIssue };

const isKind = (value: unknown): value is RecordKind =>
  typeof value === 'string' && (RECORD_KINDS as readonly string[]).includes(value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const notAnObject = (pointer: string): RecordLineResult => ({
  ok: false,
  issue: { pointer, rule: 'type', message: 'A record must be a JSON object.' },
});

/** The kind and record of a parsed line. Never throws: a line that cannot be read is an issue. */
export function classifyRecordLine(value: unknown, defaultKind?: RecordKind): RecordLineResult {
  if (!isObject(value)) return notAnObject('');
  let kind = defaultKind;
  let record: Record<string, unknown> = value;
  if ('kind' in value) {
    const { kind: named, ...rest } = value;
    if (!isKind(named)) {
      return {
        ok: false,
        issue: {
          pointer: '/kind',
          rule: 'kind',
          message: `${JSON.stringify(named)} is not a kind of record: use ${RECORD_KINDS.join(', ')}.`,
        },
      };
    }
    kind = named;
    const enveloped = 'record' in rest && Object.keys(rest).length === 1;
    if (enveloped && !isObject(rest.record)) return notAnObject('/record');
    record = enveloped ? (rest.record as Record<string, unknown>) : rest;
  }
  if (!kind) {
    return {
      ok: false,
      issue: {
        pointer: '',
        rule: 'kind',
        message:
          'Cannot tell what kind of record this is: give it a "kind" member, wrap it as { "kind": "learner", "record": {...} }, or name the kind of the file.',
      },
    };
  }
  const { id, meta: _meta, ...input } = record;
  return { ok: true, kind, record, input, ...(typeof id === 'string' ? { sourceId: id } : {}) };
}

/**
 * Parses and classifies one line of text; a line that is not JSON is an issue with its column. A
 * line that nests deeper than `MAX_JSON_DEPTH` is refused before it is parsed (rule `json-depth`).
 */
export function readRecordLine(text: string, defaultKind?: RecordKind): RecordLineResult {
  const deep = jsonDepthExceeded(text);
  if (deep >= 0)
    return { ok: false, issue: { pointer: '', rule: 'json-depth', message: jsonDepthMessage(deep) } };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, issue: { pointer: '', rule: 'json', message: jsonErrorMessage(error, text) } };
  }
  return classifyRecordLine(value, defaultKind);
}

/** What is wrong with a piece of JSON text, with the line and column where that is known. */
export function jsonErrorMessage(error: unknown, text: string, multiline = false): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message)?.[1];
  let at = '';
  if (position !== undefined && !/line \d+/.test(message)) {
    const before = text.slice(0, Number(position));
    const column = Number(position) - before.lastIndexOf('\n');
    at = multiline ? ` (line ${before.split('\n').length}, column ${column})` : ` (column ${column})`;
  }
  return `Not valid JSON: ${message}${at}.`.replace(/\.\.$/, '.');
}

/** A line as exports write it: an envelope, so a reader never has to guess the kind. */
export const recordLine = (kind: RecordKind, record: unknown): string => JSON.stringify({ kind, record });
