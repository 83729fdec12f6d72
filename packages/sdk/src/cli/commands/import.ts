import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type CelrClient, type IdentifierRef, unwrap } from '../../client.js';
import { type CelrProblemError, isCelrProblem } from '../../errors.js';
import { COLLECTIONS, type RecordKind, toInput } from '../../records.js';
import { Checkpoint, hashLine } from '../checkpoint.js';
import { type CliIO, type Command, EXIT, FailedError, type OptionSpecs, UsageError } from '../command.js';
import { clientFor, connectionFrom, connectionOptions, describeRetry } from '../connection.js';
import { Progress } from '../progress.js';
import { isObject, ndjsonLines, parseLine } from '../records-io.js';
import { clean, formatError, kindOption, type RecordError } from './validate.js';

const options = {
  kind: {
    type: 'string',
    short: 'k',
    value: '<kind>',
    description: 'The kind of lines that do not say: learner, plan, meeting or transition.',
  },
  restart: {
    type: 'boolean',
    description: 'Ignore the checkpoint and start from the first line (nothing is duplicated).',
  },
  json: { type: 'boolean', description: 'Print the report as one JSON document on stdout.' },
  ...connectionOptions,
} as const satisfies OptionSpecs;

/** Identifier systems an upsert prefers, in order: the national ones first. */
const PREFERRED_SYSTEMS = ['upn', 'scn', 'uln'];

type Outcome = 'created' | 'updated' | 'replayed';

/**
 * How records reach the API. Today one request per record; when the API has a bulk import endpoint,
 * another writer can send batches without changing how files are read, checkpointed and reported.
 */
interface RecordWriter {
  write(
    kind: RecordKind,
    input: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<{ id: string; outcome: Outcome }>;
}

class PerRecordWriter implements RecordWriter {
  constructor(private readonly client: CelrClient) {}

  async write(kind: RecordKind, input: Record<string, unknown>, idempotencyKey: string) {
    const identifier = kind === 'learner' ? preferredIdentifier(input) : undefined;
    if (identifier) {
      // Idempotent by identifier: the learner the organisation holds under it is replaced, never duplicated.
      const result = await this.client.raw.PUT('/v1/learners-by-identifier/{system}/{value}', {
        params: { path: identifier },
        body: input as never,
      });
      const learner = unwrap(result);
      return { id: learner.id, outcome: result.response.status === 201 ? 'created' : 'updated' } as const;
    }
    // The kind is only known at run time, so the typed path is given up for this one call.
    const raw = this.client.raw as unknown as {
      POST(path: string, init: object): Promise<{ data?: unknown; error?: unknown; response: Response }>;
    };
    const result = await raw.POST(COLLECTIONS[kind], {
      params: { header: { 'idempotency-key': idempotencyKey } },
      body: input,
    });
    const record = unwrap(result) as { id: string };
    const replayed = result.response.headers.get('idempotent-replayed') === 'true';
    return { id: record.id, outcome: replayed ? 'replayed' : 'created' } as const;
  }
}

function preferredIdentifier(input: Record<string, unknown>): IdentifierRef | undefined {
  const identifiers = Array.isArray(input.identifiers) ? (input.identifiers as IdentifierRef[]) : [];
  for (const system of PREFERRED_SYSTEMS) {
    const found = identifiers.find((i) => i?.system === system && typeof i.value === 'string');
    if (found) return { system: found.system, value: found.value };
  }
  const first = identifiers[0];
  return first && typeof first.system === 'string' && typeof first.value === 'string'
    ? { system: first.system, value: first.value }
    : undefined;
}

/** Requests that fail this way would fail for every line: stop, keep the checkpoint, resume later. */
const stopsTheImport = (error: CelrProblemError) =>
  error.status === 0 || error.status === 401 || error.status === 429 || error.status >= 500;

export const importCommand: Command<typeof options> = {
  name: 'import',
  summary: 'Write the records of an NDJSON file to the API, resumably',
  usage: ['import [--kind <kind>] [--restart] [--json] <file.ndjson>'],
  description:
    'Sends each line of an NDJSON file to the API: learners by identifier (PUT /v1/learners-by-identifier/{system}/{value}: created, or replaced if your organisation already holds one with that UPN, SCN, ULN or first identifier), other records with POST and an Idempotency-Key derived from the file, the line and its content. Lines are checked with @celr/schema first. A line that fails is reported (file, line, pointer, rule, message) and the import goes on.\nLines done are recorded in <file>.celr-checkpoint; run the same command again after an interruption or after fixing failed lines, and only the lines not done are sent. Even without the checkpoint a line sent twice never creates a second record. The checkpoint is removed when every line is done.\nRecords exported with `celr export` keep their ids: a plan, meeting or transition whose learnerId (or planId) is the id of a record earlier in the file is sent with the new id.',
  options,
  examples: [
    {
      command: 'celr import learners.ndjson',
      says: 'Imports each line; exit code 0 when all are written, 1 when some failed (they are listed).',
    },
    { command: 'celr import --kind plan plans.ndjson', says: 'Lines without a "kind" are plans.' },
    {
      command: 'CELR_ON_BEHALF_OF=<org id> celr import export.ndjson',
      says: 'A vendor importing for an organisation that delegated to it.',
    },
  ],
  exitCodes: ['130 interrupted (Ctrl-C): run the command again to resume'],
  async run({ values, positionals, io }) {
    if (positionals.length !== 1) throw new UsageError('name one NDJSON file to import.');
    const file = positionals[0]!;
    const path = resolve(io.cwd, file);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`${file}: no such file.`);
    const defaultKind = kindOption(values.kind);
    const connection = connectionFrom(values, io);
    const checkpoint = Checkpoint.open(
      path,
      { api: connection.baseUrl, onBehalfOf: connection.onBehalfOf },
      values.restart === true,
    );

    const { validate } = await import('@celr/schema');
    let total = 0;
    for await (const _ of ndjsonLines(path)) total++;
    const progress = new Progress(io.stderr, `import ${file}`, total);
    const client = clientFor(connection, (event) => progress.log(describeRetry(event)));
    const writer: RecordWriter = new PerRecordWriter(client);
    const keyBase = `${realpathSync(path)}\n${connection.onBehalfOf ?? ''}`;
    const stopAfter = Number(io.env.CELR_IMPORT_STOP_AFTER ?? 0);

    const counts = { created: 0, updated: 0, replayed: 0, skipped: 0, failed: 0 };
    const errors: RecordError[] = [];
    let seen = 0;
    let written = 0;
    let interrupted = false;
    let stopped: { line: number; error: CelrProblemError } | undefined;
    const detail = () => `${counts.failed} failed`;
    if (checkpoint.done.size)
      progress.log(`resuming: ${checkpoint.done.size} lines were done before (${checkpoint.path})`);

    for await (const { line, text } of ndjsonLines(path)) {
      if (io.signal.aborted) {
        interrupted = true;
        break;
      }
      seen++;
      const fail = (issues: Omit<RecordError, 'file' | 'line'>[]) => {
        counts.failed++;
        for (const issue of issues) errors.push({ file, line, ...issue });
      };
      const hash = hashLine(text);
      const done = checkpoint.done.get(line);
      if (done) {
        if (done.hash === hash) counts.skipped++;
        else {
          fail([
            {
              kind: done.kind as RecordKind,
              pointer: '',
              rule: 'checkpoint-changed',
              message: `This line was imported (as ${done.kind} ${done.id}) and has changed since; it is not sent again. Pass --restart to import the file from its first line.`,
            },
          ]);
        }
        progress.update(seen, detail());
        continue;
      }
      const parsed = parseLine(text, defaultKind);
      if (parsed.problem || !parsed.kind) {
        fail([parsed.problem!]);
        progress.update(seen, detail());
        continue;
      }
      const kind = parsed.kind;
      const source =
        isObject(parsed.record) && typeof parsed.record.id === 'string' ? parsed.record.id : undefined;
      const input = withNewIds(toInput(parsed.record as never) as Record<string, unknown>, checkpoint.ids);
      const checked = validate(kind, input);
      if (!checked.ok) {
        fail(checked.issues.map((issue) => ({ kind, ...issue })));
        progress.update(seen, detail());
        continue;
      }
      const key = `celr-import-${createHash('sha256').update(`${keyBase}\n${line}\n${text}`).digest('hex').slice(0, 40)}`;
      let result: { id: string; outcome: Outcome };
      try {
        result = await writer.write(kind, input, key);
      } catch (error) {
        if (!isCelrProblem(error)) throw error;
        if (stopsTheImport(error)) {
          stopped = { line, error };
          break;
        }
        fail(problemIssues(error).map((issue) => ({ kind, ...issue })));
        progress.update(seen, detail());
        continue;
      }
      written++;
      // Test hook: die the hardest way between writing a record and recording it, as a crash would.
      if (stopAfter > 0 && written >= stopAfter) process.kill(process.pid, 'SIGKILL');
      checkpoint.add({ line, hash, kind, id: result.id, ...(source ? { source } : {}) });
      counts[result.outcome]++;
      progress.update(seen, detail());
    }
    progress.update(seen, detail(), true);
    progress.end();

    const complete = !interrupted && !stopped;
    if (complete && counts.failed === 0) checkpoint.remove();
    const report = {
      file,
      lines: total,
      ...counts,
      ...(checkpoint.exists ? { checkpoint: checkpoint.path } : {}),
      ...(interrupted ? { interrupted: true } : {}),
      ...(stopped ? { stoppedAt: stopped.line, problem: stopped.error.problem } : {}),
      errors: errors.map(clean),
    };
    if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printReport(io, report, total);

    if (stopped) {
      throw new FailedError(
        `stopped at line ${stopped.line}: ${describeProblem(stopped.error)}\nThe lines done so far are recorded in ${checkpoint.path}; run the same command again to go on.`,
      );
    }
    if (interrupted) return EXIT.interrupted;
    return counts.failed === 0 ? EXIT.ok : EXIT.failed;
  },
};

function printReport(
  io: CliIO,
  report: { file: string; errors: RecordError[]; checkpoint?: string; interrupted?: boolean } & Record<
    string,
    unknown
  >,
  total: number,
) {
  for (const e of report.errors) io.stdout.write(`${formatError(e)}\n`);
  const c = report as unknown as Record<'created' | 'updated' | 'replayed' | 'skipped' | 'failed', number>;
  const parts = [
    `${c.created} created`,
    `${c.updated} updated`,
    ...(c.replayed ? [`${c.replayed} already imported`] : []),
    ...(c.skipped ? [`${c.skipped} done in an earlier run`] : []),
    `${c.failed} failed`,
  ];
  io.stdout.write(`${report.file}: ${total} lines: ${parts.join(', ')}.\n`);
  if (report.interrupted) {
    io.stderr.write(
      `Interrupted: run the same command again to import the remaining lines (${report.checkpoint}).\n`,
    );
  } else if (c.failed && report.checkpoint) {
    io.stderr.write(
      `Fix the failed lines and run the same command again: only lines not done are sent (${report.checkpoint}).\n`,
    );
  }
}

/** The issues of a problem, or one issue that says what the problem was. */
function problemIssues(error: CelrProblemError) {
  if (error.errors.length) return error.errors;
  return [{ pointer: '', rule: error.code, message: describeProblem(error) }];
}

export function describeProblem(error: CelrProblemError): string {
  const status = error.status ? `HTTP ${error.status} ` : '';
  const id = error.requestId ? ` (request id ${error.requestId})` : '';
  return `${status}${error.detail ?? error.title}${id}`;
}

/** References to records earlier in the file (by their exported id) replaced by the ids the API gave them. */
function withNewIds(input: Record<string, unknown>, ids: Map<string, string>): Record<string, unknown> {
  const out = { ...input };
  for (const field of ['learnerId', 'planId']) {
    const value = out[field];
    if (typeof value === 'string' && ids.has(value)) out[field] = ids.get(value);
  }
  return out;
}
