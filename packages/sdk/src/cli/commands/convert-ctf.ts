import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CtfConversion, CtfProblem, CtfWriter } from '@celr/bridges';
import { type CliIO, type Command, EXIT, type OptionSpecs, UsageError, writeTo } from '../command.js';
import { readRecords, where } from '../records-io.js';

const options = {
  learners: {
    type: 'string',
    short: 'l',
    value: '<learners.ndjson>',
    description:
      'The learners your school can see, as `celr export --kind learner` writes them: a pupil is matched to the one with its UPN.',
  },
  as: {
    type: 'string',
    value: '<school|responsible-authority>',
    description:
      "Who will import the updates (school unless said). The responsible authority's also carry the CTF's ULN, for a learner with none, and the school the pupil is on roll at, for a learner with no enrolment: both are the authority's fields, so a school's updates only note them.",
  },
  out: {
    type: 'string',
    short: 'o',
    value: '<file.ndjson>',
    description: 'Write the lines to this file instead of stdout.',
  },
} as const satisfies OptionSpecs;

const s = (n: number, word: string, plural = `${word}s`) => `${n} ${n === 1 ? word : plural}`;

/** `celr convert ctf`: a Common Transfer File to learner updates that `celr import` applies. */
export const convertCtfCommand: Command<typeof options> = {
  name: 'ctf',
  summary: 'A Common Transfer File (England) to learner updates, offline',
  usage: [
    'convert ctf <file.xml> --learners <learners.ndjson> [--as school|responsible-authority] [--out <file.ndjson>]',
  ],
  description:
    'Reads a Common Transfer File (the DfE\'s XML, CTF 23 to 26) and writes, for each pupil whose UPN is one of your learners, the learner with the CTF\'s attendance (one summary per school year), results (statutory assessments) and SEN provision: NDJSON lines { "kind": "learner", "record": {...} } that `celr import` applies with your school\'s rights, leaving every other field as it is. A pupil no learner has the UPN of is listed on stderr and never created.\nProblems are listed on stderr as `file:line: ELEMENT rule message`, at the CTF\'s own lines: a pupil with an invalid UPN or date of birth, or whose date of birth is not the learner\'s, is refused and the others still convert; a year of attendance or a result that cannot be read is left out and said so. XML that is not well-formed stops at its fault; a CTF version this reader does not know converts nothing.',
  options,
  examples: [
    {
      command: 'celr export --kind learner --out learners.ndjson',
      says: 'First, the learners your school can see.',
    },
    {
      command: 'celr convert ctf CTF_in.xml --learners learners.ndjson --out updates.ndjson',
      says: 'The updates, then: celr import updates.ndjson',
    },
  ],
  exitCodes: ['1 here: a pupil (or the whole file) was refused; the other updates are still written'],
  async run({ values, positionals, io }) {
    if (positionals.length !== 1) throw new UsageError('name one CTF file (.xml) to convert.');
    if (!values.learners)
      throw new UsageError(
        '--learners <file> is required: the learners your school can see, as `celr export --kind learner` writes them.',
      );
    const [file] = positionals as [string];
    for (const path of [file, values.learners]) {
      const info = await stat(resolve(io.cwd, path)).catch(() => undefined);
      if (!info?.isFile()) throw new UsageError(`${path}: no such file.`);
    }
    // Loaded when needed, so that --help and usage errors answer at once.
    const { convertCtf, formatCtfProblem, CTF_WRITERS } = await import('@celr/bridges');
    const writer = writerOf(values.as, CTF_WRITERS);
    const learners: unknown[] = [];
    for await (const item of readRecords(values.learners, io.cwd, 'learner')) {
      if (item.problem) throw new UsageError(`${where(item)}: ${item.problem.message}`);
      if (item.kind === 'learner') learners.push(item.record);
    }
    const result = await convertCtf(
      { name: file, content: createReadStream(resolve(io.cwd, file)) },
      { learners, writer },
    );
    const lines = result.updates.map((u) => `${JSON.stringify({ kind: 'learner', record: u.record })}\n`);
    if (values.out) await writeFile(resolve(io.cwd, values.out), lines.join(''));
    else for (const line of lines) await writeTo(io.stdout, line);
    const { refused } = reportCtfConversion(result, file, io, formatCtfProblem, values.out);
    return refused ? EXIT.failed : EXIT.ok;
  },
};

/** The `--as` of `celr convert ctf`, checked against the bridge's list of writers. */
function writerOf(value: string | undefined, writers: readonly CtfWriter[]): CtfWriter {
  if (value === undefined) return 'school';
  const writer = writers.find((w) => w === value);
  if (writer) return writer;
  throw new UsageError(`--as must be one of ${writers.join(', ')}; '${value}' is not.`);
}

/**
 * Lists on stderr what a CTF conversion refused (`file:line: ELEMENT rule message`), the pupils no
 * learner has the UPN of, and a summary; `celr convert ctf` and `celr import --from ctf` say the same.
 * `refused` counts the refused problems: a pupil, or the whole file, not converted.
 */
export function reportCtfConversion(
  result: CtfConversion,
  file: string,
  io: CliIO,
  format: (problem: CtfProblem) => string,
  writtenTo?: string,
): { refused: number } {
  for (const problem of result.problems) io.stderr.write(`${format(problem)}\n`);
  for (const pupil of result.unmatched) {
    const care = pupil.inCare?.inCare
      ? `in care${pupil.inCare.careAuthority ? ` of LA ${pupil.inCare.careAuthority}` : ''}`
      : '';
    const about = [pupil.name, care].filter(Boolean).join(', ');
    io.stderr.write(
      `${file}:${pupil.line}: UPN not-held ${pupil.upn}${about ? ` (${about})` : ''} is none of your learners; it is not created.\n`,
    );
  }
  // A pupil read is an update, not held, or refused; a file refused whole reads none.
  const refusedPupils = result.pupils - result.updates.length - result.unmatched.length;
  const leftOut = result.problems.filter((p) => p.severity === 'not-carried').length;
  io.stderr.write(
    `${s(result.pupils, 'pupil')} in ${file}${result.version ? ` (CTF ${result.version})` : ''}: ${s(result.updates.length, 'learner update')}${writtenTo ? ` written to ${writtenTo}` : ''}, ${result.unmatched.length} not held, ${refusedPupils} refused${leftOut ? `, ${s(leftOut, 'part')} left out` : ''}.\n`,
  );
  return { refused: result.problems.filter((p) => p.severity === 'refused').length };
}
