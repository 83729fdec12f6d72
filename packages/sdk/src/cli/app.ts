import { isCelrProblem } from '../errors.js';
import {
  type CliIO,
  type Command,
  EXIT,
  FailedError,
  parseCommandArgs,
  renderHelp,
  UsageError,
} from './command.js';
import { compliancePolicyCommand, termDatesCommand } from './commands/compliance.js';
import { conformanceCommand } from './commands/conformance.js';
import { convertCommand } from './commands/convert.js';
import { exportCommand } from './commands/export.js';
import { describeProblem, importCommand } from './commands/import.js';
import { reportCommand } from './commands/report.js';
import { transferCommand } from './commands/transfer.js';
import { validateCommand } from './commands/validate.js';
import { whoamiCommand } from './commands/whoami.js';
import { CLI_VERSION } from './connection.js';

/** The commands of `celr`. A new one is one more entry; a command may have subcommands (`transfer`). */
export const COMMANDS: Command[] = [
  validateCommand,
  importCommand,
  exportCommand,
  convertCommand,
  transferCommand,
  reportCommand,
  compliancePolicyCommand,
  termDatesCommand,
  whoamiCommand,
  conformanceCommand,
] as Command[];

const root: Command = {
  name: 'celr',
  summary: 'the CELR command-line tool',
  usage: ['<command> [options]', '<command> --help'],
  description:
    'Checks, imports and exports CELR records (learners, plans, meetings and transitions of care-experienced learners), and transfers them between organisations. Commands that talk to the API take its address and an OAuth client from options or from CELR_API_URL, CELR_CLIENT_ID, CELR_CLIENT_SECRET and (vendors) CELR_ON_BEHALF_OF.',
  options: { version: { type: 'boolean', short: 'v', description: 'Print the version.' } },
  examples: [
    { command: 'celr validate records/', says: 'Checks every record file in records/, offline.' },
    {
      command: 'celr import learners.ndjson',
      says: 'Sends the file to the API as a bulk import and reports each line that failed.',
    },
    { command: 'celr export --out all.ndjson', says: 'Everything the client can see, as NDJSON.' },
    { command: 'celr transfer list --inbox', says: 'Transfers sent to you, to accept or reject.' },
    {
      command: 'celr report pep-compliance',
      says: 'Whose PEP is on time, late, due or overdue, as a table.',
    },
    { command: 'celr whoami', says: 'Your client, organisation and scopes; for a vendor, whom it acts for.' },
  ],
  subcommands: COMMANDS,
};

/** Runs `celr` with these arguments; returns the exit code. Expected failures never show a stack trace. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const path: string[] = [];
  let command = root;
  let args = argv;
  try {
    // Walk down the subcommands named at the front of the arguments.
    while (command.subcommands && args[0] !== undefined && !args[0].startsWith('-')) {
      const name = args[0];
      if (name === 'help') {
        args = [...args.slice(1), '--help'];
        continue;
      }
      const next = command.subcommands.find((c) => c.name === name);
      if (!next) {
        throw new UsageError(
          `unknown command '${name}'. Commands: ${command.subcommands.map((c) => c.name).join(', ')}.`,
        );
      }
      path.push(name);
      command = next;
      args = args.slice(1);
      // `celr conformance --help` (or alone) is this CLI's help; the rest is the other package's.
      const help = args.length === 0 || args[0] === '--help' || args[0] === '-h';
      if (command.passThrough && !help) return await command.passThrough(args, io);
    }
    const { values, positionals } = parseCommandArgs(command, args);
    if (values.help) {
      io.stdout.write(renderHelp(command, path));
      return EXIT.ok;
    }
    if (command === root && (values as { version?: boolean }).version) {
      io.stdout.write(`celr ${CLI_VERSION}\n`);
      return EXIT.ok;
    }
    if (!command.run) {
      // `celr` or `celr transfer` alone: the help, on stderr as it is not what was asked for.
      if (positionals.length === 0 && args.length === 0) {
        io.stderr.write(renderHelp(command, path));
        return EXIT.usage;
      }
      throw new UsageError(positionals[0] ? `unknown command '${positionals[0]}'.` : 'name a command.');
    }
    return await command.run({ values, positionals, io });
  } catch (error) {
    const name = ['celr', ...path].join(' ');
    if (error instanceof UsageError) {
      io.stderr.write(`${name}: ${error.message}\nRun '${name} --help' for usage.\n`);
      return EXIT.usage;
    }
    if (error instanceof FailedError) {
      io.stderr.write(`${name}: ${error.message}\n`);
      return EXIT.failed;
    }
    if (isCelrProblem(error)) {
      io.stderr.write(`${name}: ${describeProblem(error)}\n`);
      for (const issue of error.errors)
        io.stderr.write(`  ${issue.pointer || '(body)'} ${issue.rule}: ${issue.message}\n`);
      return EXIT.failed;
    }
    const code = (error as { code?: string }).code;
    if (code === 'EACCES' || code === 'ENOENT' || code === 'EISDIR' || code === 'ENOSPC') {
      io.stderr.write(`${name}: ${(error as Error).message}\n`);
      return EXIT.failed;
    }
    io.stderr.write(
      `${name}: unexpected error (please report it):\n${(error as Error)?.stack ?? String(error)}\n`,
    );
    return EXIT.failed;
  }
}
