import { createReadStream, createWriteStream, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { type Command, EXIT, type OptionSpecs, UsageError, writeTo } from '../command.js';
import { HELD_LEARNERS_OPTION, readHeldLearners } from './import-from-ssda903.js';

const YEARS = ['2023-24', '2024-25', '2025-26'] as const;

const options = {
  authority: {
    type: 'string',
    short: 'a',
    value: 'la-code:<NNN>',
    description: 'The responsible authority (its DfE LA code): the return does not say whose it is.',
  },
  year: {
    type: 'string',
    value: '<yyyy-yy>',
    description: `The collection year whose code lists apply: ${YEARS.join(', ')} (default ${YEARS.at(-1)}).`,
  },
  learners: HELD_LEARNERS_OPTION,
  out: {
    type: 'string',
    short: 'o',
    value: '<file>',
    description: 'Write the NDJSON to this file instead of stdout.',
  },
  json: { type: 'boolean', description: 'Print the errors and the summary as one JSON document on stderr.' },
} as const satisfies OptionSpecs;

export const convertSsda903Command: Command<typeof options> = {
  name: 'ssda903',
  summary: 'Convert an SSDA903 return (CSV tables or XML) to CELR records',
  usage: [
    'convert ssda903 --authority la-code:<NNN> [--year <yyyy-yy>] [--learners <learners.ndjson>] [--out <file.ndjson>] [--json] <file.csv|file.xml>...',
  ],
  description:
    'Reads the CSV tables of an SSDA903 return (header, episodes and, where given, reviews, UASC, OC2, OC3, missing), each known by its header row whatever the file is called, or the return as XML (a file ending .xml: EXPSSDA903/CHILD/HEADER and EPISODE), and writes one NDJSON exchange line per record, as `celr import` reads them: a learner per child (date of birth, UPN, the 903 CHILD id as la-child-id:<NNN>, care status from the current episode) and a placement-move transition per move of the current period of care. The return carries no names: add a names table (CHILD,GIVEN_NAME,FAMILY_NAME) from the case system.\nEvery refused row is listed on stderr as file:line: FIELD rule message, with the DfE rule number where there is one; the other children are still converted. Columns CELR does not carry are listed once per file. Converting the same return again gives the same record ids, so importing it again replaces instead of duplicating.',
  options,
  examples: [
    {
      command:
        'celr convert ssda903 --authority la-code:990 header.csv episodes.csv names.csv --out cohort.ndjson',
      says: 'Converts the return; then `celr import cohort.ndjson` loads it.',
    },
    {
      command: 'celr convert ssda903 -a la-code:990 --year 2024-25 903/*.csv 2> refused.txt',
      says: "Checks last year's return against its own code lists; the refused rows go to refused.txt.",
    },
  ],
  exitCodes: ['1 a row was refused (every other child is still converted)'],
  async run({ values, positionals, io }) {
    if (!values.authority)
      throw new UsageError('--authority la-code:<NNN> is required: the return does not name its authority.');
    if (!/^la-code:[0-9]{3}$/.test(values.authority))
      throw new UsageError(
        `--authority ${values.authority}: use la-code: and the three-digit DfE LA code, e.g. la-code:990.`,
      );
    const year = values.year ?? YEARS.at(-1);
    if (!(YEARS as readonly string[]).includes(year as string))
      throw new UsageError(`--year ${values.year}: use one of ${YEARS.join(', ')}.`);
    if (positionals.length === 0) throw new UsageError('name the CSV files of the return.');
    const paths = positionals.map((p) => resolve(io.cwd, p));
    for (const [i, path] of paths.entries()) {
      const kind = statSync(path, { throwIfNoEntry: false });
      if (!kind?.isFile()) throw new UsageError(`${positionals[i]}: no such file.`);
    }
    const held = await readHeldLearners(values.learners, io);
    // Loaded when needed, so that --help and usage errors answer at once.
    const { convertSsda903, formatProblem } = await import('@celr/bridges');
    const target = values.out ? resolve(io.cwd, values.out) : undefined;
    const partial = target ? `${target}.partial` : undefined;
    const file: WriteStream | undefined = partial ? createWriteStream(partial) : undefined;
    const problems: ReturnType<typeof formatProblem>[] = [];
    const notes: string[] = [];
    // The converter waits for each write, so a slow pipe or disk holds it back instead of filling memory.
    const write = (text: string) => (file ? writeTo(file, text) : writeTo(io.stdout, text));
    const say = (line: string, list: string[]) => {
      if (values.json) list.push(line);
      else io.stderr.write(`${line}\n`);
    };
    const names = paths.map((p) => relative(io.cwd, p) || basename(p));
    let summary: Awaited<ReturnType<typeof convertSsda903>>;
    try {
      summary = await convertSsda903(
        paths.map((path, i) => ({ name: names[i] as string, content: createReadStream(path) })),
        {
          authority: values.authority,
          year: year as (typeof YEARS)[number],
          held,
          onRecord: (kind, record) => write(`${JSON.stringify({ kind, record })}\n`),
          onProblem: (p) => say(formatProblem(p), problems),
          onNote: (n) => say(formatProblem(n), notes),
        },
      );
      if (file)
        await new Promise<void>((done, fail) =>
          file.end((error?: Error | null) => (error ? fail(error) : done())),
        );
    } catch (error) {
      file?.destroy();
      if (partial) rmSync(partial, { force: true });
      throw error;
    }
    if (partial && target) renameSync(partial, target);
    const notCarried = summary.files.filter((f) => f.table && f.notCarried.length);
    // Any refused row (a child's, one without a CHILD, a file that is no table) makes the exit code 1.
    const refused = summary.problems > 0;
    const line = `${summary.children} children: ${summary.converted} converted (${summary.transitions} placement moves), ${summary.refused} refused, ${summary.notCarried} not carried; ${summary.problems} errors.`;
    if (values.json) {
      io.stderr.write(`${JSON.stringify({ ok: !refused, ...summary, errors: problems, notes }, null, 2)}\n`);
    } else {
      for (const f of notCarried)
        io.stderr.write(`${f.file}: ${f.table} columns not carried by CELR: ${f.notCarried.join(', ')}\n`);
      io.stderr.write(`${line}\n`);
    }
    return refused ? EXIT.failed : EXIT.ok;
  },
};
