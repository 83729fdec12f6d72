import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where a command reads and writes: the process's streams in `celr`, buffers in tests. */
export interface CliIO {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted when the user interrupts (Ctrl-C): long commands stop at a safe point. */
  signal: AbortSignal;
}

export interface Output {
  /** false when the data is buffered and the writer should wait for 'drain' (Node.js streams). */
  write(text: string): boolean | undefined;
  once?(event: 'drain', listener: () => void): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Writes, waiting for the stream to drain when it asks to, so a large export to a slow pipe stays small in memory. */
export async function writeTo(out: Output, text: string): Promise<void> {
  if (out.write(text) === false && out.once)
    await new Promise<void>((resolve) => out.once?.('drain', resolve));
}

/** Bad usage: an unknown option, a missing argument, a file that is not there. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran but the data or the requests failed; the message says why. Exit code 1. */
export class FailedError extends Error {
  override readonly name = 'FailedError';
}

/** `1 line`, `2 lines`: a count with its noun, for messages people read. */
export const counted = (n: number, noun: string, plural = `${noun}s`) => `${n} ${n === 1 ? noun : plural}`;

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in help, e.g. `<file>`. */
  value?: string;
  description: string;
  /** Environment variable read when the option is not given. */
  env?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type Values<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean'
    ? boolean
    : O[K]['multiple'] extends true
      ? string[]
      : string;
};

/**
 * One `celr` command. Commands are looked up by name in a table, and a command may have
 * subcommands of its own (`celr transfer send ...`), so new ones are added without touching the others.
 */
export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  /** One line, for the list of commands. */
  summary: string;
  /** `celr <name> ...` forms, without the `celr` prefix. */
  usage: string[];
  /** What it does, in a paragraph or two. */
  description: string;
  options: O;
  examples: { command: string; says: string }[];
  /** Exit codes beyond 0 (success), 1 and 2, when the command has its own. */
  exitCodes?: string[];
  subcommands?: Command[];
  run?(input: { values: Values<O>; positionals: string[]; io: CliIO }): Promise<number>;
  /**
   * A command another package implements (`celr conformance`, from @celr/conformance): it gets the
   * arguments after its name as they are, and parses and explains them itself.
   */
  passThrough?(argv: string[], io: CliIO): Promise<number>;
}

export const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help.' };

/** Parses a command's arguments strictly; every mistake is a {@link UsageError}. */
export function parseCommandArgs<O extends OptionSpecs>(command: Command<O>, args: string[]) {
  const options: NonNullable<ParseArgsConfig['options']> = { help: HELP_OPTION };
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Values<O> & { help?: boolean }, positionals: parsed.positionals };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(cleanParseError((error as Error).message));
    throw error;
  }
}

/** Node's messages name the option and sometimes suggest a fix; the fix about `--` rarely applies here. */
function cleanParseError(message: string): string {
  return message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '.');
}

export function renderHelp(command: Command, path: string[]): string {
  const name = ['celr', ...path].join(' ');
  const lines = [`${name}: ${command.summary}`, '', 'Usage:'];
  for (const usage of command.usage) lines.push(`  celr ${usage}`);
  lines.push('', wrap(command.description, 100));
  if (command.subcommands?.length) {
    lines.push('', 'Commands:');
    const width = Math.max(...command.subcommands.map((c) => c.name.length));
    for (const sub of command.subcommands) lines.push(`  ${sub.name.padEnd(width)}  ${sub.summary}`);
  }
  const options = { ...command.options, help: HELP_OPTION };
  const labels = Object.entries(options).map(([optionName, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    return [`${short}--${optionName}${spec.value ? ` ${spec.value}` : ''}`, spec] as const;
  });
  const width = Math.max(...labels.map(([label]) => label.length));
  lines.push('', 'Options:');
  for (const [label, spec] of labels) {
    lines.push(`  ${label.padEnd(width)}  ${spec.description}${spec.env ? ` [env ${spec.env}]` : ''}`);
  }
  if (command.examples.length) {
    lines.push('', 'Examples:');
    for (const example of command.examples) lines.push(`  $ ${example.command}`, `    ${example.says}`);
  }
  lines.push(
    '',
    'Exit codes: 0 success; 1 invalid data or a failed request; 2 wrong usage',
    ...(command.exitCodes ?? []).map((c) => `  ${c}`),
  );
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string {
  return text
    .split('\n')
    .map((paragraph) => {
      const out: string[] = [];
      let line = '';
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        if (line && line.length + word.length + 1 > width) {
          out.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      out.push(line);
      return out.join('\n');
    })
    .join('\n');
}
