import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CelrClient } from '../../client.js';
import { RECORD_KINDS, type RecordKind } from '../../records.js';
import { type Command, EXIT, type OptionSpecs, UsageError, writeTo } from '../command.js';
import { clientFor, connectionFrom, connectionOptions, describeRetry } from '../connection.js';
import { Progress } from '../progress.js';

const options = {
  learner: {
    type: 'string',
    short: 'l',
    value: '<id>',
    description: 'Only this learner, with their plans, meetings and transitions.',
  },
  out: { type: 'string', short: 'o', value: '<file>', description: 'Write to this file instead of stdout.' },
  ...connectionOptions,
} as const satisfies OptionSpecs;

const PLURAL: Record<RecordKind, string> = {
  learner: 'learners',
  plan: 'plans',
  meeting: 'meetings',
  transition: 'transitions',
};

interface Sink {
  write(line: string): Promise<void>;
}

export const exportCommand: Command<typeof options> = {
  name: 'export',
  summary: 'Write records from the API to NDJSON',
  usage: ['export [--learner <id>] [--out <file.ndjson>]'],
  description:
    'Writes every record the client may see (learners, then plans, meetings and transitions), or one learner with their plans, meetings and transitions, as NDJSON: one { "kind": "learner", "record": {...} } per line, each record with its id and meta. The output passes `celr validate`, and `celr import` reads it back (references between the records, such as the learnerId of a plan, follow the ids the records get).\nWith --out the file appears only when the export is complete.',
  options,
  examples: [
    { command: 'celr export --out everything.ndjson', says: 'Everything the client can see.' },
    {
      command: 'celr export --learner 0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10 > amara.ndjson',
      says: 'One learner and their plans, meetings and transitions.',
    },
  ],
  exitCodes: ['130 interrupted (Ctrl-C): nothing is written with --out'],
  async run({ values, positionals, io }) {
    if (positionals.length)
      throw new UsageError(`unexpected argument ${positionals[0]}: use --out <file> to name the output.`);
    const learnerId = values.learner;
    if (learnerId !== undefined && !/^[0-9a-f-]{36}$/i.test(learnerId)) {
      throw new UsageError(
        `--learner ${learnerId}: a learner id is a UUID (the "id" the API gives the learner).`,
      );
    }
    const connection = connectionFrom(values, io);
    const progress = new Progress(io.stderr, 'export');
    const client = clientFor(connection, (event) => progress.log(describeRetry(event)));

    const target = values.out ? resolve(io.cwd, values.out) : undefined;
    const partial = target ? `${target}.partial` : undefined;
    const file = partial ? createWriteStream(partial) : undefined;
    const sink: Sink = {
      async write(line) {
        if (file) {
          if (!file.write(line)) await once(file, 'drain');
        } else await writeTo(io.stdout, line);
      },
    };
    const counts: Record<RecordKind, number> = { learner: 0, plan: 0, meeting: 0, transition: 0 };
    const detail = () =>
      RECORD_KINDS.filter((k) => counts[k] > 0 || k === 'learner')
        .map((k) => `${counts[k]} ${counts[k] === 1 ? k : PLURAL[k]}`)
        .join(', ');
    let interrupted = false;
    let complete = false;
    try {
      for (const kind of RECORD_KINDS) {
        for await (const record of recordsOf(client, kind, learnerId)) {
          if (io.signal.aborted) {
            interrupted = true;
            break;
          }
          await sink.write(`${JSON.stringify({ kind, record })}\n`);
          counts[kind]++;
          progress.update(
            Object.values(counts).reduce((a, b) => a + b, 0),
            detail(),
          );
        }
        if (interrupted) break;
      }
      complete = !interrupted;
    } finally {
      if (file) {
        file.end();
        await once(file, 'close');
      }
      progress.end();
      // An export that did not finish leaves no file behind that could be taken for a whole one.
      if (partial && !complete) rmSync(partial, { force: true });
    }
    if (interrupted) {
      io.stderr.write('Interrupted: nothing exported.\n');
      return EXIT.interrupted;
    }
    if (partial && target) renameSync(partial, target);
    io.stderr.write(`Exported ${detail()}${values.out ? ` to ${values.out}` : ''}.\n`);
    return EXIT.ok;
  },
};

async function* recordsOf(client: CelrClient, kind: RecordKind, learnerId: string | undefined) {
  if (!learnerId) {
    yield* client.list(kind);
  } else if (kind === 'learner') {
    yield await client.get('learner', learnerId);
  } else {
    yield* client.list(kind, { learner: learnerId });
  }
}
