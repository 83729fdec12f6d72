import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { type CliIO, UsageError, writeTo } from '../command.js';
import { readRecords, where } from '../records-io.js';
import type { RecordError } from './validate.js';

export const SSDA903_YEARS = ['2023-24', '2024-25', '2025-26'] as const;

/** The option both commands take: the learners already held, so a re-import keeps what schools added. */
export const HELD_LEARNERS_OPTION = {
  type: 'string',
  short: 'l',
  value: '<learners.ndjson>',
  description:
    "The learners you hold, as `celr export --kind learner` writes them: a child with one's la-child-id or UPN becomes that learner, with every field the return does not carry (name, enrolment, attendance, ...) kept as it is.",
} as const;

/** The learner records of an export (`--learners`), or none when the option is not given. */
export async function readHeldLearners(file: string | undefined, io: CliIO) {
  const held: Record<string, unknown>[] = [];
  if (file === undefined) return held;
  if (!statSync(resolve(io.cwd, file), { throwIfNoEntry: false })?.isFile())
    throw new UsageError(`${file}: no such file.`);
  for await (const item of readRecords(file, io.cwd, 'learner')) {
    if (item.problem) throw new UsageError(`${where(item)}: ${item.problem.message}`);
    if (item.kind === 'learner') held.push(item.record as Record<string, unknown>);
  }
  return held;
}

/** A return converted for `celr import --from ssda903`: the NDJSON to send and where each line came from. */
export interface ConvertedReturn {
  /** The NDJSON file, in a folder of its own that `remove()` deletes. */
  path: string;
  /** How the import's messages name it. */
  name: string;
  /** The row of the return each NDJSON line was made from (index 0 is line 1). */
  sources: { file: string; line: number }[];
  /** Rows the converter refused: they were listed on stderr and are not sent. */
  refused: number;
  /** SHA-256 (hex) of the file converted, when the Idempotency-Key is to name it too (a CTF). */
  sourceSha256?: string;
  remove(): void;
}

/**
 * Converts the CSV tables given to `celr import --from ssda903` into a temporary NDJSON file,
 * listing refused rows on stderr as `celr convert ssda903` does, and keeps the row each line came
 * from so that the API's errors are reported at the return's own lines.
 */
export async function convertReturnForImport(
  values: { authority?: string; year?: string; learners?: string },
  positionals: string[],
  io: CliIO,
): Promise<ConvertedReturn> {
  if (!values.authority || !/^la-code:[0-9]{3}$/.test(values.authority))
    throw new UsageError(
      '--from ssda903 needs --authority la-code:<NNN>, the DfE code of the responsible authority.',
    );
  const year = values.year ?? SSDA903_YEARS.at(-1);
  if (!(SSDA903_YEARS as readonly string[]).includes(year as string))
    throw new UsageError(`--year ${values.year}: use one of ${SSDA903_YEARS.join(', ')}.`);
  if (positionals.length === 0) throw new UsageError('name the CSV files of the return.');
  const paths = positionals.map((p) => resolve(io.cwd, p));
  for (const [i, path] of paths.entries())
    if (!statSync(path, { throwIfNoEntry: false })?.isFile())
      throw new UsageError(`${positionals[i]}: no such file.`);
  const held = await readHeldLearners(values.learners, io);
  const { convertSsda903, formatProblem } = await import('@celr/bridges');
  const dir = mkdtempSync(join(tmpdir(), 'celr-import-ssda903-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, 'return.ndjson');
  const out = createWriteStream(path);
  const sources: ConvertedReturn['sources'] = [];
  try {
    const summary = await convertSsda903(
      paths.map((p) => ({ name: relative(io.cwd, p) || p, content: createReadStream(p) })),
      {
        authority: values.authority,
        year: year as (typeof SSDA903_YEARS)[number],
        held,
        onRecord: (kind, record, source) => {
          sources.push(source);
          return writeTo(out, `${JSON.stringify({ kind, record })}\n`);
        },
        onProblem: (p) => io.stderr.write(`${formatProblem(p)}\n`),
        onNote: (n) => io.stderr.write(`${formatProblem(n)}\n`),
      },
    );
    await new Promise<void>((done, fail) =>
      out.end((error?: Error | null) => (error ? fail(error) : done())),
    );
    io.stderr.write(
      `Converted the return: ${summary.converted} of ${summary.children} children (${summary.transitions} placement moves), ${summary.refused} refused, ${summary.notCarried} not carried.\n`,
    );
    const name =
      positionals.length === 1 ? (positionals[0] as string) : `the return (${positionals.length} files)`;
    return { path, name, sources, refused: summary.refused + summary.problems, remove };
  } catch (error) {
    out.destroy();
    remove();
    throw error;
  }
}

/** The API's errors, at the rows of the return the failed lines were made from. */
export const atSourceRows = (errors: RecordError[], converted: ConvertedReturn): RecordError[] =>
  errors.map((e) => {
    const source = e.line !== undefined ? converted.sources[e.line - 1] : undefined;
    return source ? { ...e, file: source.file, line: source.line } : e;
  });
