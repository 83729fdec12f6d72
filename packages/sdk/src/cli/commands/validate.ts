import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isRecordKind, RECORD_KINDS, type RecordKind } from '../../records.js';
import { type Command, counted, EXIT, type OptionSpecs, UsageError } from '../command.js';
import { expandPaths, isNdjsonPath, isObject, type Location, readRecords, where } from '../records-io.js';

export interface RecordError extends Location {
  kind?: RecordKind;
  pointer: string;
  rule: string;
  message: string;
}

const options = {
  kind: {
    type: 'string',
    short: 'k',
    value: '<kind>',
    description: `The kind of records that do not say: ${RECORD_KINDS.join(', ')}.`,
  },
  json: { type: 'boolean', description: 'Print the result as one JSON document on stdout.' },
  jwks: {
    type: 'string',
    value: '<file.json>',
    description:
      "The sender's JWK Set (its deployment's /.well-known/jwks.json): a transfer bundle's signature is verified against it.",
  },
} as const satisfies OptionSpecs;

export function kindOption(value: string | undefined): RecordKind | undefined {
  if (value === undefined) return undefined;
  if (!isRecordKind(value)) throw new UsageError(`--kind ${value}: use one of ${RECORD_KINDS.join(', ')}.`);
  return value;
}

export const validateCommand: Command<typeof options> = {
  name: 'validate',
  summary: 'Check record files against the CELR schema, offline',
  usage: ['validate [--kind <kind>] [--json] [--jwks <file.json>] <file or folder>...'],
  description:
    'Checks every record in the files with @celr/schema, as the API would, without sending anything. Files are JSON (one record, an array of records, or { "kind": "plan", "records": [...] }) or NDJSON (.ndjson or .jsonl, one record per line); folders are searched for them. A record says its kind with a "kind" member, or as { "kind": "learner", "record": {...} }; --kind gives the kind of records that do not say. Records exported with their "id" and "meta" are checked as the API returns them; an "id" alone is allowed (it names the record for later lines, as in `celr import`).\nEvery error is listed with its file, its line (NDJSON) or array index, the JSON pointer to the field and the rule it breaks.',
  options,
  examples: [
    {
      command: 'celr validate learners.ndjson',
      says: 'Checks each line; exit code 0 only when all are valid.',
    },
    { command: 'celr validate --kind plan plans/', says: 'Checks every file in plans/ as plans.' },
    { command: 'celr validate --json export.ndjson | jq .errors', says: 'The errors as JSON.' },
  ],
  async run({ values, positionals, io }) {
    if (positionals.length === 0) throw new UsageError('name at least one file or folder to check.');
    const defaultKind = kindOption(values.kind);
    const files = await expandPaths(positionals, io.cwd);
    // Loaded when needed, so that --help and usage errors answer at once.
    const { validate } = await import('@celr/schema');
    const errors: RecordError[] = [];
    let records = 0;
    let invalid = 0;
    const jwks = values.jwks ? JSON.parse(await readFile(resolve(io.cwd, values.jwks), 'utf8')) : undefined;
    for (const file of files) {
      // A transfer bundle (as `celr transfer show --bundle` saves it, under whatever name): its
      // records, its digest and, given the sender's key set, its signature.
      const bundle = await readBundle(resolve(io.cwd, file));
      if (bundle) {
        records++;
        const { validateBundle, verifyBundle, verifyBundleDigest } = await import('@celr/schema');
        const issues = validateBundle(bundle);
        if (!issues.length) {
          if (jwks) issues.push(...(await verifyBundle(bundle, jwks)).issues);
          else {
            const digest = await verifyBundleDigest(bundle as never);
            if (digest) issues.push(digest);
          }
        }
        if (issues.length) invalid++;
        for (const issue of issues) errors.push({ file, ...issue });
        continue;
      }
      for await (const item of readRecords(file, io.cwd, defaultKind)) {
        if (io.signal.aborted) {
          io.stderr.write(`Interrupted after ${records} records.\n`);
          return EXIT.interrupted;
        }
        records++;
        const location: Location = { file: item.file, line: item.line, index: item.index };
        if (item.problem || !item.kind) {
          invalid++;
          errors.push({ ...location, ...item.problem! });
          continue;
        }
        // An exported record (with `meta`) is checked as the API returns it; otherwise the input is
        // checked, with an `id` allowed as the name later records use for it (as `celr import` reads it).
        const exported = isObject(item.record) && 'meta' in item.record;
        const record = exported ? item.record : withoutId(item.record);
        const result = validate(item.kind, record, { shape: exported ? 'record' : 'input' });
        if (!result.ok) {
          invalid++;
          for (const issue of result.issues) errors.push({ ...location, kind: item.kind, ...issue });
        }
      }
    }
    const ok = invalid === 0;
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ ok, files: files.length, records, valid: records - invalid, invalid, errors: errors.map(clean) }, null, 2)}\n`,
      );
    } else {
      for (const e of errors) io.stdout.write(`${formatError(e)}\n`);
      const s = counted;
      const summary = ok
        ? `${s(records, 'record')} in ${s(files.length, 'file')}: all valid.`
        : `${s(records, 'record')} in ${s(files.length, 'file')}: ${invalid} not valid (${s(errors.length, 'error')}).`;
      (ok ? io.stdout : io.stderr).write(`${summary}\n`);
    }
    return ok ? EXIT.ok : EXIT.failed;
  },
};

/**
 * The bundle in a file, told by its content (a JSON object with `manifest` and `content`), not by
 * the file's name: `transfer show --bundle` writes to whatever name it is given.
 */
async function readBundle(path: string): Promise<unknown> {
  if (isNdjsonPath(path)) return undefined;
  try {
    const value = JSON.parse(await readFile(path, 'utf8'));
    return isObject(value) && 'manifest' in value && 'content' in value ? value : undefined;
  } catch {
    return undefined;
  }
}

function withoutId(record: unknown): unknown {
  if (!isObject(record) || !('id' in record)) return record;
  const { id: _id, ...rest } = record;
  return rest;
}

/** `file:line: kind /pointer rule: message`, one line per error. */
export function formatError(e: RecordError): string {
  return `${where(e)}: ${e.kind ? `${e.kind} ` : ''}${e.pointer || '(record)'} ${e.rule}: ${e.message}`;
}

/** Drops absent members so JSON output has only what is known. */
export function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
