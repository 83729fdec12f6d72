/**
 * Bulk export, GET /v1/bulk/export, timed from the request to the last byte, with the server's peak
 * RSS; on PostgreSQL beside its ceiling: COPY (SELECT the same records' data with the same access
 * check) TO STDOUT, one statement on one connection.
 */
import { RECORD_KINDS } from '@celr/schema';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { cpuSnapshot } from './cpu.js';
import { MB } from './options.js';
import type { Server } from './servers.js';

export interface ExportResult {
  database: 'postgresql' | 'pglite';
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSecond: number;
  /** Request sent -> first byte of the body. */
  firstByteSeconds: number;
  peakRssMb: number;
  cpuSeconds: { server?: number | undefined; postgres?: number | undefined; client: number };
}

export interface ExportCeiling {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSecond: number;
}

/** Reads the whole export as a client would, counting its lines. */
export async function exportOnce(
  server: Server,
  headers: Record<string, string>,
  database: ExportResult['database'],
  expected: number,
): Promise<ExportResult> {
  server.resetPeak();
  const cpuBefore = cpuSnapshot(server.pid);
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/bulk/export`, { headers });
  if (res.status !== 200 || !res.body)
    throw new Error(`GET /v1/bulk/export: ${res.status} ${await res.text()}`);
  let firstByte: number | undefined;
  let bytes = 0;
  let records = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    firstByte ??= performance.now();
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSnapshot(server.pid);
  if (records !== expected)
    throw new Error(`The export on ${database} sent ${records} records, not ${expected}.`);
  const cpu = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : (a - b) / 1000);
  return {
    database,
    records,
    bytes,
    seconds,
    recordsPerSecond: records / seconds,
    firstByteSeconds: ((firstByte ?? performance.now()) - started) / 1000,
    peakRssMb: (await server.peakRss()) / MB,
    cpuSeconds: {
      server: cpu(cpuAfter.server, cpuBefore.server),
      postgres: cpu(cpuAfter.postgres, cpuBefore.postgres),
      client: cpu(cpuAfter.client, cpuBefore.client) ?? 0,
    },
  };
}

/** The records an export of the organisation sends, on PostgreSQL. */
export async function exportableRecords(url: string, orgId: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM record r WHERE r.kind = ANY($2::text[]) AND r.deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM learner_access a WHERE a.learner_id = r.learner_id
                     AND a.organisation_id = $1::uuid AND a.ended_at IS NULL)`,
      [orgId, [...RECORD_KINDS]],
    );
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

/** The ceiling: the same records' data, with the same conditions and order, in one COPY TO STDOUT. */
export async function exportCeiling(url: string, orgId: string): Promise<ExportCeiling> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    const out = client.query(
      copyTo(
        `COPY (SELECT r.data FROM record r WHERE r.kind = ANY('{${RECORD_KINDS.join(',')}}'::text[]) AND r.deleted_at IS NULL
                 AND EXISTS (SELECT 1 FROM learner_access a WHERE a.learner_id = r.learner_id
                             AND a.organisation_id = '${orgId}'::uuid AND a.ended_at IS NULL)
               ORDER BY r.learner_id, array_position('{${RECORD_KINDS.join(',')}}'::text[], r.kind), r.created_at, r.id) TO STDOUT`,
      ),
    );
    let bytes = 0;
    let records = 0;
    for await (const chunk of out as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
    }
    const seconds = (performance.now() - started) / 1000;
    return { records, bytes, seconds, recordsPerSecond: records / seconds };
  } finally {
    await client.end();
  }
}
