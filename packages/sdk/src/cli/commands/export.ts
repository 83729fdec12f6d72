import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { unwrap } from '../../client.js';
import { isRecordKind, RECORD_KINDS, type RecordKind } from '../../records.js';
import {
  type Command,
  counted,
  EXIT,
  FailedError,
  type OptionSpecs,
  UsageError,
  writeTo,
} from '../command.js';
import { clientFor, connectionFrom, connectionOptions, describeRetry } from '../connection.js';
import { Progress } from '../progress.js';
import { kindOption } from './validate.js';

const options = {
  learner: {
    type: 'string',
    short: 'l',
    value: '<id>',
    description: 'Only this learner, with their plans, meetings and transitions.',
  },
  kind: {
    type: 'string',
    short: 'k',
    multiple: true,
    value: '<kind>',
    description: `Only records of this kind (repeat for several): ${RECORD_KINDS.join(', ')}. Default: every kind the client may read.`,
  },
  since: {
    type: 'string',
    value: '<date-time>',
    description: 'Only records changed at or after this time, e.g. 2025-09-01T00:00:00Z.',
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

/** The kind of an exported line, read from its start (`{"kind":"plan",...`) without parsing the record. */
const LINE_KIND = /^\{\s*"kind"\s*:\s*"(\w+)"/;

export const exportCommand: Command<typeof options> = {
  name: 'export',
  summary: 'Write records from the API to NDJSON',
  usage: ['export [--learner <id>] [--kind <kind>]... [--since <date-time>] [--out <file.ndjson>]'],
  description:
    'Streams every record the client may see from the API (GET /v1/bulk/export), or those of one learner, of some kinds, or changed since a time, as NDJSON: one { "kind": "learner", "record": {...} } per line, each record with its id and meta, learners before their plans, meetings and transitions. The output passes `celr validate`, and `celr import` reads it back (a record with an id you can see is replaced, not copied).\nThe summary on stderr gives the change-feed cursor the export began at: GET /v1/changes?after=<cursor> lists what changed during and after the export.\nWith --out the file appears only when the export is complete. An export cut short (the connection closed before the end) is an error, never a shorter file.',
  options,
  examples: [
    { command: 'celr export --out everything.ndjson', says: 'Everything the client can see.' },
    {
      command: 'celr export --learner 0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10 > amara.ndjson',
      says: 'One learner and their plans, meetings and transitions.',
    },
    {
      command: 'celr export --kind plan --kind meeting --since 2025-09-01T00:00:00Z -o recent.ndjson',
      says: 'Plans and meetings changed since September.',
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
    const kinds = [...new Set((values.kind ?? []).map((k) => kindOption(k)!))];
    let since: string | undefined;
    if (values.since !== undefined) {
      const time = Date.parse(values.since);
      if (!/^\d{4}-\d{2}-\d{2}/.test(values.since) || Number.isNaN(time)) {
        throw new UsageError(`--since ${values.since}: give a date and time, e.g. 2025-09-01T00:00:00Z.`);
      }
      since = new Date(time).toISOString();
    }
    const connection = connectionFrom(values, io);
    const progress = new Progress(io.stderr, 'export');
    const client = clientFor(connection, (event) => progress.log(describeRetry(event)));

    const result = await client.raw.GET('/v1/bulk/export', {
      params: {
        query: {
          ...(kinds.length ? { kind: kinds } : {}),
          ...(learnerId ? { learner: learnerId } : {}),
          ...(since ? { updatedSince: since } : {}),
        },
      },
      parseAs: 'stream',
      signal: io.signal,
    });
    const body = unwrap(result);
    const cursor = result.response.headers.get('celr-changes-cursor') ?? undefined;

    const target = values.out ? resolve(io.cwd, values.out) : undefined;
    const partial = target ? `${target}.partial` : undefined;
    const file: WriteStream | undefined = partial ? createWriteStream(partial) : undefined;
    const write = async (text: string) => {
      if (!file) return writeTo(io.stdout, text);
      if (!file.write(text)) await once(file, 'drain');
    };
    const counts: Record<RecordKind, number> = { learner: 0, plan: 0, meeting: 0, transition: 0 };
    let lines = 0;
    const detail = () =>
      RECORD_KINDS.filter((k) => counts[k] > 0 || k === 'learner')
        .map((k) => `${counts[k]} ${counts[k] === 1 ? k : PLURAL[k]}`)
        .join(', ');
    let complete = false;
    let cutShort: unknown;
    try {
      // Whole lines only are written: a response that stops mid-line leaves no half record behind.
      const decoder = new TextDecoder();
      let rest = '';
      const take = async (text: string) => {
        rest += text;
        const end = rest.lastIndexOf('\n');
        if (end < 0) return;
        const whole = rest.slice(0, end + 1);
        rest = rest.slice(end + 1);
        for (const line of whole.split('\n')) {
          if (line.trim() === '') continue;
          lines++;
          const kind = LINE_KIND.exec(line)?.[1] ?? kindOfLine(line);
          if (kind && isRecordKind(kind)) counts[kind]++;
        }
        await write(whole);
        progress.update(lines, detail());
      };
      try {
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
          await take(decoder.decode(chunk, { stream: true }));
        }
        await take(decoder.decode());
        // Every line the API sends ends with a line break: anything after the last one was cut off.
        if (rest.trim() !== '') throw new Error('the response ended in the middle of a line');
        complete = true;
      } catch (error) {
        if (io.signal.aborted) throw error;
        cutShort = error;
      }
    } catch (error) {
      if (!io.signal.aborted) throw error;
    } finally {
      if (file) {
        file.end();
        await once(file, 'close');
      }
      progress.end();
      // An export that did not finish leaves no file behind that could be taken for a whole one.
      if (partial && !complete) rmSync(partial, { force: true });
    }
    if (io.signal.aborted) {
      io.stderr.write(`Interrupted: ${target ? 'nothing exported' : 'the output is incomplete'}.\n`);
      return EXIT.interrupted;
    }
    if (cutShort !== undefined) {
      const error = cutShort as { message?: string; cause?: { message?: string } };
      const why = [error?.message ?? String(cutShort), error?.cause?.message].filter(Boolean).join(': ');
      throw new FailedError(
        `the export was cut short after ${counted(lines, 'record')} (${why})${target ? `; ${values.out} was not written` : ': the output is incomplete'}. Run it again.`,
      );
    }
    if (learnerId && !since && (kinds.length === 0 || kinds.includes('learner')) && counts.learner === 0) {
      if (partial) rmSync(partial, { force: true });
      throw new FailedError(`--learner ${learnerId}: no such learner, or not one the client may see.`);
    }
    if (partial && target) renameSync(partial, target);
    io.stderr.write(`Exported ${detail()}${values.out ? ` to ${values.out}` : ''}.\n`);
    if (cursor) {
      io.stderr.write(
        `Change-feed cursor: ${cursor} (GET /v1/changes?after=${cursor} lists what changed since the export began).\n`,
      );
    }
    return EXIT.ok;
  },
};

function kindOfLine(line: string): string | undefined {
  try {
    const kind = (JSON.parse(line) as { kind?: unknown }).kind;
    return typeof kind === 'string' ? kind : undefined;
  } catch {
    return undefined;
  }
}
