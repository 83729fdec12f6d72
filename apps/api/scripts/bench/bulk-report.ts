import { availableParallelism } from 'node:os';
import { type BulkResult, IMPORT_TABLES } from './bulk.js';
import { AIMS, MB } from './options.js';

/** The bulk phase's part of the report. */
export function bulkReport(bulk: BulkResult, pgVersion: string): string[] {
  const { copy, ceiling } = bulk;
  const s = (v: number | undefined, digits = 1) => (v === undefined ? '?' : v.toFixed(digits));
  const row = (cells: string[], widths: number[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const widths = [24, 9, 9, 13, 10, 12, 10, 10, 9, 16];
  const lines = [
    `Bulk import of ${bulk.learners} learners on PostgreSQL ${pgVersion} (NDJSON ${(bulk.ndjsonBytes / MB).toFixed(0)} MB, ` +
      `uploaded over HTTP as a stream; each import its own ${bulk.learners} new learners; COPY first, then the imports)`,
    '',
    row(
      [
        'load',
        'upload s',
        'worker s',
        'POST->end s',
        'records/s',
        'worker rec/s',
        '/ COPY all',
        '/ COPY rec',
        'peak RSS',
        'CPU s API / pg',
      ],
      widths,
    ),
    row(
      widths.map((w) => '-'.repeat(w)),
      widths,
    ),
    row(
      [
        'COPY all rows (ceiling)',
        '-',
        '-',
        s(ceiling?.seconds),
        ceiling ? ceiling.recordsPerSecond.toFixed(0) : '?',
        '-',
        ceiling ? '1.00' : '-',
        ceiling ? (ceiling.recordsPerSecond / copy.rowsPerSecond).toFixed(2) : '-',
        '-',
        `- / ${s(ceiling?.cpuSeconds.postgres)}`,
      ],
      widths,
    ),
    row(
      [
        'COPY record rows only',
        '-',
        '-',
        s(copy.seconds),
        copy.rowsPerSecond.toFixed(0),
        '-',
        ceiling ? (copy.rowsPerSecond / ceiling.recordsPerSecond).toFixed(2) : '-',
        '1.00',
        '-',
        `- / ${s(copy.cpuSeconds.postgres)}`,
      ],
      widths,
    ),
    ...bulk.imports.map((r) =>
      row(
        [
          r.database === 'pglite' ? `${r.mode} (PGlite)` : r.mode,
          s(r.uploadSeconds),
          s(r.workerSeconds),
          s(r.totalSeconds),
          r.recordsPerSecond.toFixed(0),
          r.workerRecordsPerSecond.toFixed(0),
          r.database === 'pglite' || !ceiling
            ? '-'
            : (r.recordsPerSecond / ceiling.recordsPerSecond).toFixed(2),
          r.database === 'pglite' ? '-' : (r.recordsPerSecond / copy.rowsPerSecond).toFixed(2),
          `${r.peakRssMb.toFixed(0)} MB`,
          `${s(r.cpuSeconds.server)} / ${s(r.cpuSeconds.postgres)}`,
        ],
        widths,
      ),
    ),
    '',
    'records/s: learners / (POST sent -> the job finishedAt), upload included; worker rec/s: over the job startedAt -> finishedAt.',
    'CPU s: CPU seconds of the API process and of all PostgreSQL processes from the POST to the end (for COPY, of the COPY).',
    '',
    'What is compared:',
    ...(ceiling
      ? [
          `  COPY all rows: every row the per-record import wrote (${Object.entries(ceiling.rows)
            .map(([t, n]) => `${t} ${n}`)
            .join(
              ', ',
            )}; the blocks as the upload stores them), read back after it ran and COPYed, one table ` +
            `after another in one transaction, into copies of the same tables (LIKE ... INCLUDING ALL: ${ceiling.indexes} ` +
            `indexes, and the same ${ceiling.foreignKeys} foreign keys), ${(ceiling.inputBytes / MB).toFixed(0)} MB of COPY ` +
            `text, ${(ceiling.tableBytes / MB).toFixed(0)} MB stored. The same rows as the import, without any check: the ceiling.`,
        ]
      : []),
    `  COPY record rows only loads ONE table: ${copy.rows} rows into bench_copy (LIKE record INCLUDING ALL: record's columns, defaults and ` +
      `${copy.indexes} indexes; no foreign keys, no checks), ${(copy.inputBytes / MB).toFixed(0)} MB of COPY text, ` +
      `${(copy.tableBytes / MB).toFixed(0)} MB stored; one statement, one transaction; the text made beforehand, not timed.`,
  ];
  for (const r of bulk.imports.filter((x) => x.database === 'postgresql')) {
    const rows = IMPORT_TABLES.map((t) => `${t} ${r.rowsWritten[t]}`).join(', ');
    const total = IMPORT_TABLES.reduce((sum, t) => sum + r.rowsWritten[t], 0);
    lines.push(
      `  The ${r.mode} import checks every line (JSON, validation, scope, access, identifier clashes) and writes ` +
        `${total} rows in ${IMPORT_TABLES.length} tables (${rows}), ${(r.bytesWritten / MB).toFixed(0)} MB with indexes, ` +
        `with foreign keys checked; ${r.mode === 'per-record' ? 'a transaction per block of 1000 lines' : 'one transaction'}; ` +
        'and the upload stores the file in bulk_import_block first.',
    );
  }
  lines.push('');
  for (const r of bulk.imports.filter((x) => x.database === 'postgresql')) {
    if (!ceiling) continue;
    const ratio = r.recordsPerSecond / ceiling.recordsPerSecond;
    lines.push(
      `${`Bulk ${r.mode} / COPY all rows:`.padEnd(39)}${ratio.toFixed(2)}   (aim >= ${AIMS.bulkOverCopy}: ${ratio >= AIMS.bulkOverCopy ? 'met' : 'MISSED'}; ` +
        `worker time alone: ${(r.workerRecordsPerSecond / ceiling.recordsPerSecond).toFixed(2)})`,
    );
  }
  if (bulk.pgliteFailure)
    lines.push('', `The import and export on embedded PGlite FAILED: ${bulk.pgliteFailure}`);
  if (bulk.exports.length) {
    const ew = [12, 9, 9, 11, 11, 12, 9, 16];
    lines.push(
      '',
      'Bulk export (GET /v1/bulk/export, everything the organisation may see, read to the last byte by this process):',
      '',
      row(
        ['database', 'records', 'MB', 'seconds', 'records/s', 'first byte s', 'peak RSS', 'CPU s API / pg'],
        ew,
      ),
      row(
        ew.map((w) => '-'.repeat(w)),
        ew,
      ),
    );
    for (const { result: e, ceiling: c } of bulk.exports) {
      if (c)
        lines.push(
          row(
            [
              'COPY TO',
              String(c.records),
              (c.bytes / MB).toFixed(0),
              s(c.seconds),
              c.recordsPerSecond.toFixed(0),
              '-',
              '-',
              '-',
            ],
            ew,
          ),
        );
      lines.push(
        row(
          [
            e.database,
            String(e.records),
            (e.bytes / MB).toFixed(0),
            s(e.seconds),
            e.recordsPerSecond.toFixed(0),
            s(e.firstByteSeconds, 2),
            `${e.peakRssMb.toFixed(0)} MB`,
            `${s(e.cpuSeconds.server)} / ${s(e.cpuSeconds.postgres)}`,
          ],
          ew,
        ),
      );
    }
    lines.push(
      "  COPY TO: the same records' data, with the same access check, in one COPY (SELECT ...) TO STDOUT: the ceiling of a read.",
    );
    for (const { result: e, ceiling: c } of bulk.exports) {
      if (e.database === 'postgresql') {
        const aim = AIMS.exportPostgresRecordsPerSecond;
        lines.push(
          `${'Bulk export on PostgreSQL:'.padEnd(39)}${e.recordsPerSecond.toFixed(0)} records/s   (aim >= ${aim}: ${e.recordsPerSecond >= aim ? 'met' : 'MISSED'}` +
            `${c ? `; ${(e.recordsPerSecond / c.recordsPerSecond).toFixed(2)} of COPY TO` : ''})`,
        );
      } else {
        const aim = (AIMS.exportEmbeddedSeconds * e.records) / 50_000;
        lines.push(
          `${'Bulk export on PGlite:'.padEnd(39)}${s(e.seconds)} s for ${e.records} records   (aim < ${AIMS.exportEmbeddedSeconds} s per 50000: ` +
            `${e.seconds < aim ? 'met' : 'MISSED'})`,
        );
      }
    }
  }
  // PGlite's statements are not timed (they do not go through pg), so only PostgreSQL's imports are broken down.
  for (const r of bulk.imports.filter((x) => x.database === 'postgresql')) {
    lines.push('', `Where the ${r.mode} import's time went:`);
    const uploadSql = r.upload.statements.reduce((sum, t) => sum + t.ms, 0);
    const blocks = r.upload.statements.find((t) => t.label.startsWith('INSERT INTO bulk_import_block'));
    lines.push(
      `  upload ${s(r.uploadSeconds)} s (POST -> 202): SQL ${s(uploadSql / 1000)} s` +
        (blocks
          ? `, of which INSERT INTO bulk_import_block ${blocks.calls} x ${(blocks.ms / blocks.calls).toFixed(1)} ms`
          : '') +
        `; queued ${s(r.queuedSeconds, 2)} s before the worker took it`,
    );
    if (r.byTenth)
      lines.push(`  records/s by tenth of the file: ${r.byTenth.map((v) => v.toFixed(0)).join(', ')}`);
    if (r.cpuSeconds.server !== undefined && r.cpuSeconds.postgres !== undefined) {
      lines.push(
        `  CPU over the ${s(r.totalSeconds)} s: API process ${s(r.cpuSeconds.server)} s (${((100 * r.cpuSeconds.server) / r.totalSeconds).toFixed(0)} % of one core), ` +
          `PostgreSQL ${s(r.cpuSeconds.postgres)} s (${((100 * r.cpuSeconds.postgres) / r.totalSeconds).toFixed(0)} %), ` +
          `this process ${s(r.cpuSeconds.client)} s; ${availableParallelism()} cores in all`,
      );
    }
    const workerMs = r.workerSeconds * 1000;
    const sqlMs = r.worker.statements.reduce((sum, t) => sum + t.ms, 0);
    const pct = (ms: number) => `${((100 * ms) / workerMs).toFixed(1).padStart(5)} %`;
    lines.push(
      `  worker ${s(r.workerSeconds)} s = 100 %. SQL statements, wall time from call to result in the API process ` +
        '(polls of the job included; they run beside the worker):',
      `    ${'total s'.padStart(8)}  ${'share'.padStart(7)}  ${'calls'.padStart(6)}  ${'ms/call'.padStart(8)}  statement`,
    );
    const ranked = [...r.worker.statements].sort((a, b) => b.ms - a.ms);
    const shown = ranked.slice(0, 20);
    for (const t of shown) {
      lines.push(
        `    ${s(t.ms / 1000, 2).padStart(8)}  ${pct(t.ms)}  ${String(t.calls).padStart(6)}  ${(t.ms / t.calls).toFixed(2).padStart(8)}  ${t.label}`,
      );
    }
    const rest = ranked.slice(shown.length);
    if (rest.length) {
      const ms = rest.reduce((sum, t) => sum + t.ms, 0);
      lines.push(
        `    ${s(ms / 1000, 2).padStart(8)}  ${pct(ms)}  ${String(rest.reduce((n, t) => n + t.calls, 0)).padStart(6)}  ${''.padStart(8)}  (${rest.length} other statements)`,
      );
    }
    const loop = r.worker.eventLoop;
    lines.push(
      `    ${s(sqlMs / 1000, 2).padStart(8)}  ${pct(sqlMs)}  all SQL (statements that overlap, e.g. the polls beside the worker, count each)`,
      `    ${s((workerMs - sqlMs) / 1000, 2).padStart(8)}  ${pct(workerMs - sqlMs)}  the rest: the worker not waiting for a statement`,
      `  The API's event loop ran JavaScript for ${s(loop.activeMs / 1000)} s (${(100 * loop.utilization).toFixed(0)} % of the time from the 202 to the end): ` +
        "parsing and validating lines, deciding, building parameters, Prisma's engine, the polls. A statement's time " +
        'above includes any wait for the loop to take its result; --profile says which JavaScript.',
    );
  }
  return lines;
}
