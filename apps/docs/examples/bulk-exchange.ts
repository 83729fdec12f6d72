/**
 * Bulk exchange with @celr/sdk: send a whole cohort as one NDJSON file, follow the import job and
 * read its error report; take everything out with a bulk export and carry on from its change-feed
 * cursor. site/guides/integrate-mis.md includes the regions of this file, and
 * tests/docs/examples.test.ts runs them against a running API, so the guide cannot drift from the API.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type CelrClient, CelrProblemError, type components, createCelrClient, type ItemOf } from '@celr/sdk';
import { type Credentials, type MisPupil, toLearner } from './sync-from-mis.js';

export type BulkImport = components['schemas']['BulkImport'];

// #region file
/**
 * The cohort as an NDJSON file: one line per pupil, in the order of `pupils`, so that line n of an
 * error report is pupils[n - 1]. Each line is an envelope that says its kind; the learner is mapped
 * exactly as for a single upsert.
 */
export function cohortFile(
  pupils: MisPupil[],
  authority = { code: '990', name: 'Northbridge Borough Council' },
) {
  return pupils
    .map((pupil) => `${JSON.stringify({ kind: 'learner', record: toLearner(pupil, authority) })}\n`)
    .join('');
}
// #endregion file

// #region import
/**
 * Queues the file as an import job and returns the job (202). `idempotencyKey` is chosen once for
 * this upload and sent again with every retry of it: the API answers a retry with the first job,
 * and the file is imported once.
 */
export async function startImport(
  celr: CelrClient,
  ndjson: string,
  options: { mode: 'per-record' | 'all-or-nothing'; idempotencyKey: string },
) {
  const { data, error, response } = await celr.raw.POST('/v1/bulk/import', {
    params: { query: { mode: options.mode }, header: { 'idempotency-key': options.idempotencyKey } },
    headers: { 'content-type': 'application/x-ndjson' },
    body: ndjson,
    // Sent as it is: without this, openapi-fetch would send the text as one JSON string.
    bodySerializer: (body) => body,
  });
  if (!data) throw CelrProblemError.fromResponse(response, error);
  // `Idempotent-Replayed: true`: this upload was received before, and `data` is that job.
  return { job: data, replayed: response.headers.get('idempotent-replayed') === 'true' };
}
// #endregion import

// #region follow
/** Asks after the job until it has finished, waiting as long as the API says between asks. */
export async function finished(celr: CelrClient, id: string): Promise<BulkImport> {
  for (;;) {
    const job = await celr.GET('/v1/bulk/import/{id}', { params: { path: { id } } });
    // Only a job that is still queued or running has `retryAfterSeconds` (and a `Retry-After` header).
    if (job.retryAfterSeconds === undefined) return job;
    await new Promise((resolve) => setTimeout(resolve, job.retryAfterSeconds! * 1000));
  }
}
// #endregion follow

// #region errors
/**
 * Every issue of every failed line: `line`, `pointer` into that line's record, `rule`, `message`.
 * Pages are linked by `next`, which carries the position to go on from (`after`).
 */
export async function* lineIssues(celr: CelrClient, job: BulkImport) {
  let after: number | undefined;
  do {
    const page = await celr.GET('/v1/bulk/import/{id}/errors', {
      params: { path: { id: job.id }, query: { limit: 1000, ...(after === undefined ? {} : { after }) } },
    });
    yield* page.items;
    const next = page.next ? new URL(page.next, 'http://celr.invalid').searchParams.get('after') : null;
    after = next === null ? undefined : Number(next);
  } while (after !== undefined);
}
// #endregion errors

// #region run
/**
 * A nightly run: send every pupil in one file, per record, so that one bad pupil does not hold back
 * the others. Pupils that have not changed since last night write nothing. `runId` names this run
 * (a date, a job number): if the run is retried, the upload is not imported twice.
 */
export async function nightlyResend(credentials: Credentials, pupils: MisPupil[], runId: string) {
  const celr = createCelrClient({
    baseUrl: credentials.baseUrl,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    ...(credentials.onBehalfOf ? { onBehalfOf: credentials.onBehalfOf } : {}),
  });
  const { job, replayed } = await startImport(celr, cohortFile(pupils), {
    mode: 'per-record',
    idempotencyKey: `example-mis-nightly-${runId}`,
  });
  const done = await finished(celr, job.id);
  const rejected: string[] = [];
  for await (const issue of lineIssues(celr, done)) {
    const pupil = pupils[issue.line - 1];
    rejected.push(`${pupil?.misId} (line ${issue.line}) ${issue.pointer} ${issue.rule}: ${issue.message}`);
  }
  return { id: done.id, replayed, status: done.status, counts: done.counts, rejected };
}
// #endregion run

// #region export
/**
 * Everything the client may see, written to `file` as it arrives (the export streams: memory stays
 * flat however large the cohort). The file appears only when the whole export has arrived: a
 * response cut short fails the pipeline. Returns the change-feed cursor the export began at.
 */
export async function exportAll(celr: CelrClient, file: string) {
  const { data, error, response } = await celr.raw.GET('/v1/bulk/export', { parseAs: 'stream' });
  if (!data) throw CelrProblemError.fromResponse(response, error);
  const cursor = response.headers.get('celr-changes-cursor')!;
  let records = 0;
  try {
    await pipeline(
      Readable.fromWeb(data as WebReadableStream<Uint8Array>),
      async function* count(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          for (const byte of chunk) if (byte === 0x0a) records++;
          yield chunk;
        }
      },
      createWriteStream(`${file}.partial`),
    );
  } catch (failure) {
    await rm(`${file}.partial`, { force: true });
    throw failure;
  }
  await rename(`${file}.partial`, file);
  return { cursor, records };
}
// #endregion export

// #region resync
/**
 * Everything that changed since `cursor`, in order, handed to `apply`; returns the cursor to keep
 * for next time. After an export, start from the cursor it returned: a record written while the
 * export ran is in the feed, even if the export missed it. `apply` may see a record the export
 * already had: keep the newer version.
 */
export async function followChanges(
  celr: CelrClient,
  cursor: string,
  apply: (entry: ItemOf<'/v1/changes'>) => Promise<void> | void,
) {
  for (let after = cursor; ; ) {
    const page = await celr.GET('/v1/changes', { params: { query: { after, limit: 1000 } } });
    for (const entry of page.items) await apply(entry);
    after = page.cursor;
    if (!page.next) return after;
  }
}
// #endregion resync
