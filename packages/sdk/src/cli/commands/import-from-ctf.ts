import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CtfWriter } from '@celr/bridges';
import { type CelrClient, unwrap } from '../../client.js';
import { isCelrProblem } from '../../errors.js';
import { type CliIO, FailedError, UsageError, type Values } from '../command.js';
import { clientFor, connectionFrom, type connectionOptions, describeRetry } from '../connection.js';
import { reportCtfConversion } from './convert-ctf.js';
import type { ConvertedReturn } from './import-from-ssda903.js';

/**
 * Converts the CTF given to `celr import --from ctf` against the learners the school can see now
 * (fetched from `GET /v1/bulk/export?kind=learner`) into a temporary NDJSON file of learner
 * updates, listing refused pupils and pupils not held on stderr as `celr convert ctf` does, and
 * keeps the pupil's line each update came from so that the API's errors are reported at the CTF's
 * own lines.
 *
 * Each update is written without its `meta` and with its members in a fixed order, so that it
 * depends only on the CTF and on what the learner holds apart from the CTF's fields: after an
 * import (even one cut short) the same CTF converts to the same file, which is sent under the same
 * Idempotency-Key and so follows the first job instead of starting another.
 */
export async function convertCtfForImport(
  values: Values<typeof connectionOptions>,
  positionals: string[],
  io: CliIO,
): Promise<ConvertedReturn> {
  if (positionals.length !== 1) throw new UsageError('--from ctf: name one CTF file (.xml) to import.');
  const [file] = positionals as [string];
  const ctfPath = resolve(io.cwd, file);
  if (!statSync(ctfPath, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`${file}: no such file.`);
  const connection = connectionFrom(values, io);
  const client = clientFor(connection, (event) => io.stderr.write(`${describeRetry(event)}\n`));
  const writer = await writerFor(client, io.signal);
  const learners = await heldLearners(client, io.signal);
  io.stderr.write(
    `${learners.length} ${learners.length === 1 ? 'learner' : 'learners'} you can see, to match the pupils to${writer === 'responsible-authority' ? " (as their authority: the CTF's ULN and enrolment are written where none is held)" : ''}.\n`,
  );

  const { convertCtf, formatCtfProblem } = await import('@celr/bridges');
  const sourceSha256 = await sha256Of(ctfPath);
  const result = await convertCtf({ name: file, content: createReadStream(ctfPath) }, { learners, writer });
  const { refused } = reportCtfConversion(result, file, io, formatCtfProblem);

  const dir = mkdtempSync(join(tmpdir(), 'celr-import-ctf-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, 'updates.ndjson');
  try {
    const lines = result.updates.map((u) => {
      const { meta: _meta, ...record } = u.record;
      return `${JSON.stringify(canonical({ kind: 'learner', record }))}\n`;
    });
    writeFileSync(path, lines.join(''));
  } catch (error) {
    remove();
    throw error;
  }
  return {
    path,
    name: file,
    sources: result.updates.map((u) => ({ file, line: u.line })),
    refused,
    sourceSha256,
    remove,
  };
}

/**
 * Who the updates are written as: an authority (or a vendor acting for one) writes them as the
 * responsible authority, which also carries the CTF's ULN and enrolment; anyone else as a school.
 * An authority's update of a child it only hosts is refused by the API, per line, like any write
 * it may not make.
 */
async function writerFor(client: CelrClient, signal: AbortSignal): Promise<CtfWriter> {
  const me = unwrap(await client.raw.GET('/v1/me', { signal }));
  return me.actingFor.kind === 'local-authority' ? 'responsible-authority' : 'school';
}

/** The learners the client can see, as `{ kind, record }` lines of the bulk export. */
async function heldLearners(client: CelrClient, signal: AbortSignal): Promise<unknown[]> {
  let text: string;
  try {
    text = unwrap(
      await client.raw.GET('/v1/bulk/export', {
        params: { query: { kind: ['learner'] } },
        parseAs: 'text',
        signal,
      }),
    ) as unknown as string;
  } catch (error) {
    // A response cut short fails as its body is read; a problem the API answered is the API's.
    if (signal.aborted || isCelrProblem(error)) throw error;
    throw new FailedError(
      `the export of your learners was cut short (${(error as Error).message}); nothing was imported. Run the command again.`,
    );
  }
  // Every line the API sends ends with a line break: anything after the last one was cut off.
  if (text !== '' && !text.endsWith('\n'))
    throw new FailedError(
      'the export of your learners ended in the middle of a line; nothing was imported. Run the command again.',
    );
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The value with every object's members in code-point order, so equal records serialise alike. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
  return out;
}
