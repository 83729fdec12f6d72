import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type CelrClient, ON_BEHALF_OF_HEADER, unwrap } from '../../client.js';
import { CelrProblemError } from '../../errors.js';
import type { components } from '../../generated/api.js';
import type { RecordKind } from '../../records.js';
import { defaultSleep, parseRetryAfter } from '../../retry.js';
import {
  type CliIO,
  type Command,
  counted,
  EXIT,
  FailedError,
  type OptionSpecs,
  UsageError,
  type Values,
} from '../command.js';
import {
  type Connection,
  clientFor,
  connectionFrom,
  connectionOptions,
  describeRetry,
  tokensFor,
  USER_AGENT,
} from '../connection.js';
import { type Part, scanNdjson } from '../ndjson-parts.js';
import { Progress } from '../progress.js';
import { uploadFile } from '../upload.js';
import { convertCtfForImport } from './import-from-ctf.js';
import {
  atSourceRows,
  convertReturnForImport,
  HELD_LEARNERS_OPTION,
  SSDA903_YEARS,
} from './import-from-ssda903.js';
import { clean, formatError, kindOption, type RecordError } from './validate.js';

type BulkImport = components['schemas']['BulkImport'];
type Counts = BulkImport['counts'];

const MODES = ['per-record', 'all-or-nothing'] as const;
type Mode = (typeof MODES)[number];

/** Records per import unless --part-lines says otherwise; the API takes up to 200,000 by default. */
const DEFAULT_PART_LINES = 50_000;
/** A part is also cut before it reaches the API's default limit on bytes (256 MiB). */
const PART_BYTES = 256 * 1024 * 1024;
const FINISHED = new Set<BulkImport['status']>(['succeeded', 'partially-succeeded', 'failed']);

const options = {
  mode: {
    type: 'string',
    short: 'm',
    value: '<mode>',
    description:
      'per-record (default): write the good lines and report the bad ones; all-or-nothing: write every line or none.',
  },
  kind: {
    type: 'string',
    short: 'k',
    value: '<kind>',
    description: 'The kind of lines that do not say: learner, plan, meeting or transition.',
  },
  'part-lines': {
    type: 'string',
    value: '<n>',
    description: `Records per import job (default ${DEFAULT_PART_LINES.toLocaleString('en-GB')}); a longer file is sent as consecutive jobs.`,
  },
  json: { type: 'boolean', description: 'Print the report as one JSON document on stdout.' },
  from: {
    type: 'string',
    value: 'ssda903|ctf',
    description:
      "The files are not NDJSON. ssda903: the CSV tables of an SSDA903 return, converted as `celr convert ssda903` does (with --authority and --year); ctf: a school's Common Transfer File, converted as `celr convert ctf` does against the learners the school can see, fetched first. Errors name the rows of the return, or the pupils' lines of the CTF.",
  },
  authority: {
    type: 'string',
    short: 'a',
    value: 'la-code:<NNN>',
    description: 'With --from ssda903: the responsible authority.',
  },
  learners: {
    ...HELD_LEARNERS_OPTION,
    description: `With --from ssda903: ${HELD_LEARNERS_OPTION.description}`,
  },
  year: {
    type: 'string',
    value: '<yyyy-yy>',
    description: `With --from ssda903: the collection year whose code lists apply (${SSDA903_YEARS.join(', ')}; default ${SSDA903_YEARS.at(-1)}).`,
  },
  ...connectionOptions,
} as const satisfies OptionSpecs;

/** One import job: which part of the file it holds, and how it ended. */
interface JobReport {
  id: string;
  part: number;
  firstLine: number;
  lastLine: number;
  lines: number;
  /** The job was created by an earlier run of the same command (the API replayed the upload). */
  replayed: boolean;
  status: BulkImport['status'];
  counts: Counts;
  problem?: object;
}

export const importCommand: Command<typeof options> = {
  name: 'import',
  summary: 'Write the records of an NDJSON file to the API, as bulk import jobs',
  usage: [
    'import [--mode per-record|all-or-nothing] [--kind <kind>] [--part-lines <n>] [--json] <file.ndjson>',
    'import --from ssda903 --authority la-code:<NNN> [--year <yyyy-yy>] [--mode ...] [--json] <file.csv>...',
    'import --from ctf [--mode ...] [--json] <file.xml>',
  ],
  description:
    "Uploads an NDJSON file to the API's bulk import (POST /v1/bulk/import), streamed from disk, follows the job until it ends, and lists the lines that failed (file, line, kind, pointer, rule, message) with a summary: records created, updated, unchanged and failed. The API checks every line as a single write would. A line whose id is a record you can see (as `celr export` writes them) replaces it, a learner with the identifier of a learner you can see replaces that learner, an identical record is left unchanged, and anything else is created; a plan's learnerId (or a meeting's planId) may be the id a record had in the file.\n--mode per-record (the default) writes the good lines and reports the bad ones; --mode all-or-nothing writes nothing if any line fails.\nA file of more than --part-lines records is sent as consecutive jobs of that many records each (errors still name the file's own lines); such a file cannot be imported all or nothing.\nEach job carries an Idempotency-Key made from its content, the mode, the kind and the organisation: after an interruption (Ctrl-C, a lost connection) run the same command again, and the jobs the API has already received are followed, not imported again. A changed file is a new import: its lines without an id are created again, except learners, which are matched by identifier.\n--from ctf loads a school's Common Transfer File in one step: it fetches the learners the school can see (GET /v1/bulk/export?kind=learner), converts the CTF against them as `celr convert ctf` does (refused pupils listed on stderr as `file:line: ELEMENT rule message`, pupils no learner has the UPN of listed and never created), and imports the updates; the API's errors name the pupils' lines of the CTF. The Idempotency-Key is made from the CTF's content and the updates: run the same command again and it follows the job of the first run. The exit code is 1 when a pupil was refused, even if every update sent was written.",
  options,
  examples: [
    {
      command: 'celr import --from ssda903 --authority la-code:990 header.csv episodes.csv names.csv',
      says: 'Converts an SSDA903 return and imports it; errors name the rows of the return.',
    },
    {
      command: 'celr import --from ctf CTF_in.xml',
      says: "A school loads its Common Transfer File: its pupils' attendance, results and SEN provision.",
    },
    {
      command: 'celr import learners.ndjson',
      says: 'Imports the file; exit code 0 when all lines are written, 1 when some failed (they are listed).',
    },
    {
      command: 'celr import --mode all-or-nothing --kind plan plans.ndjson',
      says: 'Lines without a "kind" are plans; one bad line and nothing is written.',
    },
    {
      command: 'CELR_ON_BEHALF_OF=<org id> celr import export.ndjson',
      says: 'A vendor importing for an organisation that delegated to it.',
    },
  ],
  exitCodes: ['130 interrupted (Ctrl-C): run the same command again to go on; nothing is imported twice'],
  async run({ values, positionals, io }) {
    if (values.from !== undefined && values.from !== 'ssda903' && values.from !== 'ctf')
      throw new UsageError(`--from ${values.from}: the formats celr import converts are ssda903 and ctf.`);
    if (values.from !== 'ssda903' && (values.authority || values.year || values.learners))
      throw new UsageError(
        values.from === 'ctf'
          ? '--authority, --year and --learners go with --from ssda903; --from ctf fetches the learners your school can see.'
          : '--authority, --year and --learners go with --from ssda903.',
      );
    if (values.from && values.kind)
      throw new UsageError(
        `--kind does not go with --from: the ${values.from === 'ctf' ? 'CTF' : 'return'} says the kinds.`,
      );
    // The mode is checked before anything is fetched or converted.
    modeOption(values.mode);
    let converted: Awaited<ReturnType<typeof convertReturnForImport>> | undefined;
    try {
      converted =
        values.from === 'ctf'
          ? await convertCtfForImport(values, positionals, io)
          : values.from === 'ssda903'
            ? await convertReturnForImport(values, positionals, io)
            : undefined;
    } catch (error) {
      // Interrupted while the learners were fetched or the file converted: nothing was sent yet.
      if (!io.signal.aborted) throw error;
      io.stderr.write('Interrupted: nothing was sent.\n');
      return EXIT.interrupted;
    }
    try {
      if (converted && converted.sources.length === 0)
        throw new FailedError(
          values.from === 'ctf'
            ? `No pupil of ${converted.name} ${converted.refused ? 'was converted' : 'is a learner you can see'}: nothing to import.`
            : 'No child of the return was converted: nothing to import.',
        );
      const options = await parseOptions(values, converted ? [converted.path] : positionals, io);
      if (converted) Object.assign(options, { file: converted.name });
      if (converted?.sourceSha256) options.source = converted.sourceSha256;
      const plan = await planParts(options, io);
      if (!plan) return EXIT.interrupted;
      const run = startRun(options, plan, io);
      await importParts(run);
      if (converted) run.errors = atSourceRows(run.errors, converted);
      const code = reportErrors(run);
      // Rows the conversion refused were not sent: the import is not a success, whatever the API said.
      return code === EXIT.ok && converted?.refused ? EXIT.failed : code;
    } finally {
      converted?.remove();
    }
  },
};

/** What one `celr import` is asked to do, checked before anything is read or sent. */
interface ImportOptions {
  /** The file as named on the command line, and its resolved path. */
  file: string;
  path: string;
  mode: Mode;
  kind: RecordKind | undefined;
  partLines: number;
  json: boolean;
  connection: Connection;
  /** SHA-256 of the file the NDJSON was converted from (a CTF), which the Idempotency-Key names too. */
  source?: string;
}

/** The file cut into the parts sent as import jobs. */
interface ImportPlan {
  parts: Part[];
  records: number;
}

/** An import under way: its options and parts, its connection, and what the jobs have said so far. */
interface ImportRun extends ImportOptions, ImportPlan {
  io: CliIO;
  progress: Progress;
  onRetry: (event: Parameters<typeof describeRetry>[0]) => void;
  tokens: ReturnType<typeof tokensFor>;
  client: CelrClient;
  totals: Counts;
  jobs: JobReport[];
  errors: RecordError[];
  /** Records of the parts whose jobs have ended. */
  recordsDone: number;
  /** Where the run is: the part being sent, then its job while the API runs it. */
  // Cleared (set to undefined) when a part's job ends.
  current?: { part: Part; jobId?: string } | undefined;
  interrupted: boolean;
  /** The job that stopped with a problem; the parts after it are not sent. */
  stopped?: JobReport;
}

async function parseOptions(
  values: Values<typeof options>,
  positionals: string[],
  io: CliIO,
): Promise<ImportOptions> {
  if (positionals.length !== 1) throw new UsageError('name one NDJSON file to import.');
  const mode = modeOption(values.mode);
  const kind = kindOption(values.kind);
  const partLines = partLinesOption(values['part-lines']);
  const file = positionals[0]!;
  const path = resolve(io.cwd, file);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${file}: no such file.`);
  const connection = connectionFrom(values, io);
  return { file, path, mode, kind, partLines, json: values.json === true, connection };
}

/** Reads the file once and cuts it into parts; undefined when interrupted before anything was sent. */
async function planParts(options: ImportOptions, io: CliIO): Promise<ImportPlan | undefined> {
  const { file, path, mode, partLines } = options;
  let parts: Part[];
  let records: number;
  try {
    ({ parts, records } = await scanNdjson(path, { records: partLines, bytes: PART_BYTES }, io.signal));
  } catch (error) {
    if (!io.signal.aborted) throw error;
    io.stderr.write('Interrupted: nothing was sent.\n');
    return undefined;
  }
  if (records === 0) throw new FailedError(`${file} has no records: every line is blank.`);
  if (parts.length > 1 && mode === 'all-or-nothing') {
    const why =
      records > partLines
        ? `has ${records} records, more than one import takes (--part-lines ${partLines})`
        : 'is larger than one import takes (256 MiB)';
    const instead =
      records > partLines
        ? 'Import it per record, or in one part with a larger --part-lines if the API accepts that many.'
        : 'Import it per record, or split it into smaller files.';
    throw new UsageError(
      `--mode all-or-nothing: ${file} ${why}. It would be sent as ${parts.length} imports, and none can undo another. ${instead}`,
    );
  }
  return { parts, records };
}

function startRun(options: ImportOptions, plan: ImportPlan, io: CliIO): ImportRun {
  const progress = new Progress(io.stderr, `import ${options.file}`, plan.records);
  const onRetry = (event: Parameters<typeof describeRetry>[0]) => progress.log(describeRetry(event));
  const tokens = tokensFor(options.connection, onRetry);
  const client = clientFor(options.connection, onRetry, tokens);
  return {
    ...options,
    ...plan,
    io,
    progress,
    onRetry,
    tokens,
    client,
    totals: { created: 0, updated: 0, unchanged: 0, failed: 0 },
    jobs: [],
    errors: [],
    recordsDone: 0,
    interrupted: false,
  };
}

/** How messages name a part: the file itself when it is sent whole. */
function nameOf(run: ImportRun, part: Part): string {
  return run.parts.length > 1
    ? `part ${part.number}/${run.parts.length} (lines ${part.firstLine}-${part.lastLine})`
    : run.file;
}

const failedSoFar = (run: ImportRun, job?: BulkImport) =>
  `${run.totals.failed + (job?.counts.failed ?? 0)} failed`;

/** Sends the parts one after another, following each job to its end; stops at a job that stopped. */
async function importParts(run: ImportRun): Promise<void> {
  try {
    for (const part of run.parts) {
      run.current = { part };
      const submitted = await uploadPart(run, part);
      run.current.jobId = submitted.job.id;
      run.progress.log(
        submitted.replayed
          ? `${nameOf(run, part)}: sent before, as import job ${submitted.job.id}; following it.`
          : `${nameOf(run, part)}: sent as import job ${submitted.job.id}.`,
      );
      const report = await followJob(run, part, submitted);
      run.jobs.push(report);
      for (const key of Object.keys(run.totals) as (keyof Counts)[]) run.totals[key] += report.counts[key];
      run.recordsDone += part.records;
      run.current = undefined;
      if (report.problem) {
        run.stopped = report;
        break;
      }
    }
  } catch (error) {
    if (!run.io.signal.aborted) throw error;
    run.interrupted = true;
  }
  // Each job's last state was drawn when it ended (see followJob); drawing the totals again here
  // printed the last line twice in a log.
  run.progress.end();
}

/** Sends a part, or finds the job an earlier run made of it. */
async function uploadPart(run: ImportRun, part: Part): Promise<{ job: BulkImport; replayed: boolean }> {
  const { mode, kind, connection, io, progress, tokens, onRetry } = run;
  const many = run.parts.length > 1;
  const query = new URLSearchParams({ mode, ...(kind ? { kind } : {}) });
  for (let attempt = 0; ; attempt++) {
    const response = await uploadFile(
      {
        url: new URL(`/v1/bulk/import?${query}`, connection.baseUrl).href,
        headers: {
          'content-type': 'application/x-ndjson',
          'user-agent': USER_AGENT,
          'idempotency-key': idempotencyKey(part, mode, kind, connection.onBehalfOf, attempt, run.source),
          ...(connection.onBehalfOf ? { [ON_BEHALF_OF_HEADER]: connection.onBehalfOf } : {}),
        },
        path: run.path,
        start: part.start,
        end: part.end,
        sha256: part.sha256,
        signal: io.signal,
        onSent: (bytes) =>
          progress.update(
            run.recordsDone,
            `sending${many ? ` part ${part.number}/${run.parts.length}` : ''}: ${Math.floor((bytes / (part.end - part.start)) * 100)}%`,
          ),
      },
      tokens,
      { onRetry },
    );
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    if (!response.ok) {
      const problem = CelrProblemError.fromResponse(response, body);
      if (problem.status === 413) {
        throw new FailedError(
          `${nameOf(run, part)}: ${describeProblem(problem)}\nSend smaller parts with --part-lines.`,
        );
      }
      throw problem;
    }
    const sent = body as BulkImport;
    if (response.headers.get('idempotent-replayed') !== 'true') return { job: sent, replayed: false };
    // The answer the API kept for the key says how the job began; ask how it is now.
    const job = await getJob(run.client, sent.id, io.signal);
    if (job.status === 'failed' && job.problem && written(job.counts) === 0) {
      // It stopped before writing anything (say, concurrent writes): the next key sends it again.
      progress.log(
        `${nameOf(run, part)}: the import sent before (job ${job.id}) stopped without writing anything (${problemText(job.problem)}); sending it again.`,
      );
      continue;
    }
    return { job, replayed: true };
  }
}

/** Follows a part's job until it ends, and collects its failed lines as lines of the file. */
async function followJob(
  run: ImportRun,
  part: Part,
  submitted: { job: BulkImport; replayed: boolean },
): Promise<JobReport> {
  const { client, io, progress } = run;
  const many = run.parts.length > 1;
  // Every state the API reports is drawn (on a terminal, the bar moves with each look at the job);
  // the state a job ends in is always shown, even in a log that shows only every tenth of the work.
  const show = (job: BulkImport) =>
    progress.update(
      run.recordsDone + job.progress.linesDone,
      `${many ? `part ${part.number}/${run.parts.length} ` : ''}${job.status}, ${failedSoFar(run, job)}`,
      FINISHED.has(job.status),
    );
  show(submitted.job);
  const job = await follow(client, submitted.job, io.signal, show);
  const report: JobReport = {
    id: job.id,
    part: part.number,
    firstLine: part.firstLine,
    lastLine: part.lastLine,
    lines: part.records,
    replayed: submitted.replayed,
    status: job.status,
    counts: job.counts,
    ...(job.problem ? { problem: job.problem } : {}),
  };
  if (job.counts.failed > 0) {
    const found = await lineErrors(client, job, part, run.file, io.signal);
    run.errors.push(...found);
    const listed = new Set(found.map((e) => e.line)).size;
    if (listed < job.counts.failed) {
      progress.log(
        `${nameOf(run, part)}: ${counted(job.counts.failed - listed, 'more failed line')} ${job.counts.failed - listed === 1 ? 'is' : 'are'} not listed (the API keeps the first issues of a job only).`,
      );
    }
  }
  return report;
}

/** Prints the report (text or JSON) and says, on stderr and in the exit code, how the import ended. */
function reportErrors(run: ImportRun): number {
  const { file, mode, kind, records, totals, jobs, errors, interrupted, current, stopped, parts, io } = run;
  const report = {
    file,
    mode,
    ...(kind ? { kind } : {}),
    lines: records,
    ...totals,
    jobs,
    ...(interrupted ? { interrupted: true } : {}),
    errors: errors.map(clean),
  };
  if (run.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    for (const e of errors) io.stdout.write(`${formatError(e)}\n`);
    io.stdout.write(
      `${file}: ${counted(records, 'line')}: ${totals.created} created, ${totals.updated} updated, ${totals.unchanged} unchanged, ${totals.failed} failed${interrupted ? ' so far' : ''}.\n`,
    );
  }

  if (interrupted) {
    const rest = current && current.part.number < parts.length ? ', and send the parts after it' : '';
    io.stderr.write(
      current?.jobId
        ? `Interrupted: the import goes on in the API (job ${current.jobId}). Run the same command again to follow it${rest}; nothing is imported twice.\n`
        : `Interrupted${current ? ` while sending ${nameOf(run, current.part)}` : ''}: run the same command again to go on; nothing is imported twice.\n`,
    );
    return EXIT.interrupted;
  }
  if (stopped) {
    const part = parts[stopped.part - 1]!;
    const after = stopped.part < parts.length ? ' The parts after it were not sent.' : '';
    throw new FailedError(
      `${nameOf(run, part)}: import job ${stopped.id} stopped: ${problemText(stopped.problem)}${after}`,
    );
  }
  if (totals.failed > 0) {
    io.stderr.write(
      mode === 'all-or-nothing'
        ? 'Nothing was written (--mode all-or-nothing): fix the failed lines and run the command again.\n'
        : written(totals) === 0
          ? 'No line was written: fix the failed lines and run the command again.\n'
          : 'The other lines are written. Fix the failed lines and import them again: lines without an id, other than learners, are created each time they are imported.\n',
    );
    return EXIT.failed;
  }
  return EXIT.ok;
}

function modeOption(value: string | undefined): Mode {
  if (value === undefined) return 'per-record';
  if (!(MODES as readonly string[]).includes(value))
    throw new UsageError(`--mode ${value}: use per-record or all-or-nothing.`);
  return value as Mode;
}

function partLinesOption(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PART_LINES;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--part-lines ${value}: give a whole number of records, 1 or more.`);
  return n;
}

/**
 * The same part of the same file, sent in the same mode, for the same organisation, gets the same
 * key, so a second run of the command is answered with the job of the first. `attempt` moves on
 * only past a job that stopped without writing anything.
 */
function idempotencyKey(
  part: Part,
  mode: Mode,
  kind: string | undefined,
  onBehalfOf: string | undefined,
  attempt: number,
  convertedFrom?: string,
): string {
  const key = [part.sha256, part.number, mode, kind ?? null, onBehalfOf ?? null, attempt];
  // A converted CTF: the key names the CTF as well as the updates made from it.
  if (convertedFrom) key.push(convertedFrom);
  return `celr-import-${createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 48)}`;
}

const written = (counts: Counts) => counts.created + counts.updated + counts.unchanged;

async function getJob(client: CelrClient, id: string, signal: AbortSignal) {
  return unwrap(await client.raw.GET('/v1/bulk/import/{id}', { params: { path: { id } }, signal }));
}

/** Polls the job until it ends, waiting as long as the API asks between looks. */
async function follow(
  client: CelrClient,
  job: BulkImport,
  signal: AbortSignal,
  show: (job: BulkImport) => void,
): Promise<BulkImport> {
  let current = job;
  let wait = current.retryAfterSeconds;
  while (!FINISHED.has(current.status)) {
    await defaultSleep(Math.min(60, Math.max(1, wait ?? 1)) * 1000, signal);
    const result = await client.raw.GET('/v1/bulk/import/{id}', {
      params: { path: { id: current.id } },
      signal,
    });
    current = unwrap(result);
    const header = parseRetryAfter(result.response.headers.get('retry-after'));
    wait = current.retryAfterSeconds ?? (header !== undefined ? header / 1000 : undefined);
    show(current);
  }
  return current;
}

/** Every issue of the job's failed lines (all pages), numbered as lines of the file. */
async function lineErrors(
  client: CelrClient,
  job: BulkImport,
  part: Part,
  file: string,
  signal: AbortSignal,
): Promise<RecordError[]> {
  const out: RecordError[] = [];
  // The SDK follows the `after` positions of the `next` links, in pages as large as the API serves.
  const errors = client.paginate('/v1/bulk/import/{id}/errors', { params: { path: { id: job.id } }, signal });
  for await (const item of errors) {
    out.push({
      file,
      line: part.firstLine - 1 + item.line,
      ...(item.kind ? { kind: item.kind } : {}),
      pointer: item.pointer,
      rule: item.rule,
      message: item.message,
    });
  }
  return out;
}

function problemText(problem: object | undefined): string {
  const p = problem as { title?: string; detail?: string } | undefined;
  return p?.detail ?? p?.title ?? 'no reason given';
}

export function describeProblem(error: CelrProblemError): string {
  const status = error.status ? `HTTP ${error.status} ` : '';
  const id = error.requestId ? ` (request id ${error.requestId})` : '';
  return `${status}${error.detail ?? error.title}${id}`;
}
