/**
 * The report: the table of the request runs and the aims, the bulk phase's part, the servers'
 * memory, the CPU profiles (--profile), and the same as JSON (--json).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import type { BulkResult } from './bulk.js';
import { bulkReport } from './bulk-report.js';
import {
  AIMS,
  BULK,
  BULK_LEARNERS,
  BULK_MODES,
  CONNECTIONS,
  DURATION,
  env,
  IDEMPOTENCY,
  JSON_FILE,
  LEARNERS,
  LOG_LEVEL,
  loadAtStart,
  MB,
  PACED_FRACTION,
  PACED_RATE,
  PAIRS,
  PROFILE,
  profileDir,
  RUNNER,
  RUNS,
  SERVER_NODE_FLAGS,
  SLICE,
  startedAt,
  WARMUP,
} from './options.js';
import { summariseProfile } from './profile.js';
import type { PacedFigures, RunResult } from './requests.js';
import { serverPeaks } from './servers.js';
import { type PairedRatio, pairedRatio } from './slices.js';
import type { TransferResult, TransferTiming } from './transfer.js';

export interface BenchOutcome {
  cpuModel: string;
  pgVersion: string;
  results: RunResult[];
  transfer?: TransferResult | undefined;
  bulk: BulkResult | undefined;
  /** What the tsx loader adds to each server's memory (--runner tsx). */
  tsxOverhead: number | undefined;
}

/** Prints the report (and writes the JSON file); throws when a run had more than 1 % failed requests. */
export function report({ cpuModel, pgVersion, results, transfer, bulk, tsxOverhead }: BenchOutcome): void {
  const byKey = new Map(results.map((r) => [r.key, r]));
  const row = (cells: string[], widths: number[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const widths = [48, 10, 6, 6, 7, 6, 10, 8, 20];
  const ms = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(2));
  // autocannon's latencies are whole ms; the open-loop runs time each request, so they get a decimal.
  const latency = (r: RunResult, v: number) => (r.paced ? v.toFixed(1) : String(v));
  const interleaved = results.filter((r) => r.slices);
  const others = results.length - interleaved.length;
  const timing = [
    ...(interleaved.length
      ? [`${interleaved.map((r) => r.key).join(', ')} interleaved in ${PAIRS} rounds of ${SLICE} s slices`]
      : []),
    ...(others ? [`${interleaved.length ? 'the others ' : ''}${DURATION} s each`] : []),
  ].join(', ');
  const httpSettings = results.length
    ? `${CONNECTIONS} connections, ${timing}, after ${WARMUP} s warm-up, ${LEARNERS} learners, `
    : '';
  const lines = [
    '',
    `Results (${httpSettings}PostgreSQL ${pgVersion}, ` +
      `Node ${process.version}, ${availableParallelism()} CPUs${LOG_LEVEL ? `, API logging at ${LOG_LEVEL}` : ''}${PROFILE ? ', CPU-profiled' : ''}` +
      `, servers run by ${RUNNER === 'tsx' ? 'node --import tsx' : 'node (esbuild bundle)'}` +
      `${SERVER_NODE_FLAGS ? `, server flags ${SERVER_NODE_FLAGS}` : ''}${env.MALLOC_ARENA_MAX ? `, MALLOC_ARENA_MAX=${env.MALLOC_ARENA_MAX}` : ''}` +
      `; load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end)`,
    ...(results.length ? [''] : []),
    ...(results.length
      ? [
          row(
            [
              'run',
              'req/s mean',
              'p50 ms',
              'p99 ms',
              'non-2xx',
              'errors',
              'audit rows',
              'peak RSS',
              'CPU ms/req srv/pg/ac',
            ],
            widths,
          ),
          row(
            widths.map((w) => '-'.repeat(w)),
            widths,
          ),
        ]
      : []),
    ...results.map((r) =>
      row(
        [
          r.label,
          r.requestsPerSecond.toFixed(0),
          latency(r, r.latencyP50Ms),
          latency(r, r.latencyP99Ms),
          String(r.non2xx),
          String(r.errors + r.timeouts),
          r.server === 'bare server' ? '-' : String(r.auditEvents),
          `${r.peakRssMb.toFixed(0)} MB`,
          `${ms(r.cpuMsPerRequest.server)} / ${ms(r.cpuMsPerRequest.postgres)} / ${ms(r.cpuMsPerRequest.client)}`,
        ],
        widths,
      ),
    ),
    ...(results.length
      ? [
          '',
          'CPU ms/req: CPU time per request of the server process / all PostgreSQL processes / the load generator (autocannon,',
          'or bench/paced.ts for the open-loop runs). Paced below saturation, a server handles fewer requests per wake-up, so more per request.',
        ]
      : []),
    ...interleavedNotes(interleaved),
    ...openLoopNotes(results),
    '',
  ];
  const failedRuns = results.filter(
    (r) => r.non2xx + r.errors + r.timeouts > 0.01 * (r.requests + r.errors + r.timeouts),
  );
  for (const r of failedRuns) {
    const codes = Object.entries(r.statusCodes)
      .map(([code, n]) => `${code}: ${n}`)
      .join(', ');
    lines.push(
      `INVALID: ${r.label.trim()} had ${r.non2xx} non-2xx responses and ${r.errors + r.timeouts} errors (${codes}); its figures do not measure successful requests.`,
    );
  }
  if (failedRuns.length) lines.push('');
  const bare = byKey.get('bare');
  const read = byKey.get('read');
  const readNoAudit = byKey.get('read-no-audit');
  const readAsyncAudit = byKey.get('read-async-audit');
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  // With slices, each aim is judged on the median of the rounds' ratios (each round's two slices taken
  // seconds apart); without, on the two runs' figures, as before.
  const readRatio = ratioOf(read, bare, throughput);
  const readP99Ratio = ratioOf(read, bare, p99);
  if (readRatio) {
    lines.push(
      `API read / bare read:                  ${readRatio.value.toFixed(2)}${readRatio.spread}   (aim >= ${AIMS.readRatio}: ${verdict(readRatio.value >= AIMS.readRatio)})`,
    );
  }
  if (readP99Ratio) {
    lines.push(
      `API read p99 / bare read p99:          ${readP99Ratio.value.toFixed(2)}${readP99Ratio.spread}   (aim <= ${AIMS.readP99Ratio}: ${verdict(readP99Ratio.value <= AIMS.readP99Ratio)})`,
    );
  }
  const barePaced = byKey.get('bare-paced');
  const readPaced = byKey.get('read-paced');
  const openLoop = openLoopRatios(barePaced, readPaced);
  if (openLoop) {
    const caveat = openLoop.belowSaturation ? '' : '   (NOT BELOW SATURATION, see above: measures a queue)';
    lines.push(
      `API read p99 / bare read p99, at ${openLoop.rate} req/s offered (open loop): ${openLoop.p99.toFixed(2)}${openLoop.p99Spread}${caveat}`,
      `API read p50 / bare read p50, at ${openLoop.rate} req/s offered (open loop): ${openLoop.p50.toFixed(2)}${openLoop.p50Spread}${caveat}`,
    );
  }
  if (bare && read) {
    const cpu = (r: RunResult) => r.cpuMsPerRequest.server;
    if (cpu(read) !== undefined && cpu(bare) !== undefined)
      lines.push(
        `API read / bare read, server CPU:      ${cpu(read)!.toFixed(2)} / ${cpu(bare)!.toFixed(2)} ms per request`,
      );
  }
  for (const [key, aim] of [
    ['create', AIMS.createServerCpuMs],
    ['list', AIMS.listServerCpuMs],
  ] as const) {
    const ms = byKey.get(key)?.cpuMsPerRequest.server;
    if (ms !== undefined)
      lines.push(
        `${`API ${key}, server CPU per request:`.padEnd(39)}${ms.toFixed(2)} ms   (aim <= ${aim} ms: ${verdict(ms <= aim)})`,
      );
  }
  const noAuditRatio = ratioOf(readNoAudit, bare, throughput);
  const noAuditP99Ratio = ratioOf(readNoAudit, bare, p99);
  if (noAuditRatio && noAuditP99Ratio) {
    lines.push(
      `API read without read audit / bare:    ${noAuditRatio.value.toFixed(2)}${noAuditRatio.spread}`,
      `${'  its p99 / bare read p99:'.padEnd(39)}${noAuditP99Ratio.value.toFixed(2)}${noAuditP99Ratio.spread}`,
    );
  }
  // The audit's cost is 1 - read / read-no-audit: from the median ratio of the rounds when interleaved.
  const auditRatio = ratioOf(read, readNoAudit, throughput);
  if (auditRatio) lines.push(costLine('Read audit insert costs:', auditRatio));
  // What waiting for each batch of read events to reach the disk costs: the same API, its commits
  // asynchronous (synchronous_commit off; a crash of PostgreSQL could lose the last moments' events).
  const asyncRatio = ratioOf(readAsyncAudit, bare, throughput);
  const asyncP99Ratio = ratioOf(readAsyncAudit, bare, p99);
  if (asyncRatio && asyncP99Ratio) {
    lines.push(
      `${'API read, async audit commit / bare:'.padEnd(39)}${asyncRatio.value.toFixed(2)}${asyncRatio.spread}`,
      `${'  its p99 / bare read p99:'.padEnd(39)}${asyncP99Ratio.value.toFixed(2)}${asyncP99Ratio.spread}`,
    );
  }
  const durableRatio = ratioOf(read, readAsyncAudit, throughput);
  if (durableRatio) lines.push(costLine('Durable commit of read events costs:', durableRatio));
  if (transfer) lines.push(...(lines.at(-1) === '' ? [] : ['']), ...transferReport(transfer), '');
  if (bulk) lines.push(...(lines.at(-1) === '' ? [] : ['']), ...bulkReport(bulk, pgVersion), '');
  const apiPeaks = serverPeaks.filter((s) => s.label !== 'bare server');
  for (const s of serverPeaks) {
    const aim =
      s.label === 'API' ? `   (aim < ${AIMS.peakRssMb} MB: ${verdict(s.peakRssMb < AIMS.peakRssMb)})` : '';
    lines.push(
      `${`Peak RSS, ${s.label}:`.padEnd(39)}${s.peakRssMb.toFixed(0)} MB${aim}   (idle at the end: RSS ${s.idleRssMb.toFixed(0)} MB, heap ${s.heapUsedMb.toFixed(0)} MB)`,
    );
  }
  if (tsxOverhead !== undefined) {
    lines.push(
      `${'Of which the tsx loader:'.padEnd(39)}about ${(tsxOverhead / MB).toFixed(0)} MB in each server (an idle tsx process less plain node; production runs node dist/main.js)`,
    );
  }
  const seconds = (performance.now() - startedAt) / 1000;
  lines.push(`Run time:                              ${seconds.toFixed(0)} s`);
  console.log(lines.join('\n'));

  if (profileDir) {
    for (const r of results.filter((x) => x.profile)) {
      console.log(`\nCPU profile of the API, ${r.label.trim()} (${r.profile}):`);
      console.log(summariseProfile(r.profile as string));
    }
    for (const [what, t] of transfer
      ? ([
          ['accept', transfer.accept],
          ['bundle import', transfer.import],
        ] as const)
      : []) {
      if (!t.profile) continue;
      console.log(`\nCPU profile of the API, ${t.count} transfer ${what}s (${t.profile}):`);
      console.log(summariseProfile(t.profile));
    }
    for (const r of bulk?.imports.filter((x) => x.profile) ?? []) {
      console.log(`\nCPU profile of the API, ${r.mode} bulk import, from the 202 to the end (${r.profile}):`);
      console.log(summariseProfile(r.profile as string));
    }
    const left = readdirSync(profileDir).length;
    if (left) console.log(`\n${left} profile(s) kept in ${profileDir}`);
  }

  if (JSON_FILE) {
    writeFileSync(
      JSON_FILE,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cpus: availableParallelism(),
          cpuModel,
          postgres: pgVersion,
          options: {
            duration: DURATION,
            warmup: WARMUP,
            connections: CONNECTIONS,
            learners: LEARNERS,
            idempotency: IDEMPOTENCY,
            logLevel: LOG_LEVEL ?? null,
            profile: PROFILE,
            runner: RUNNER,
            serverNodeFlags: SERVER_NODE_FLAGS ?? null,
            mallocArenaMax: env.MALLOC_ARENA_MAX ?? null,
            runs: [...RUNS],
            pacedRate: PACED_RATE ?? null,
            bulkLearners: BULK ? BULK_LEARNERS : null,
            bulkModes: BULK ? BULK_MODES : null,
          },
          aims: AIMS,
          results,
          transfer: transfer ?? null,
          bulk: bulk ?? null,
          servers: serverPeaks,
          ratios: {
            // The figures the aims are judged on: the median of the rounds' ratios when interleaved (the
            // rounds' own, and the pooled rows' ratio, are in `paired`), else the two runs' ratio.
            apiReadOverBare: readRatio?.value ?? null,
            apiReadP99OverBare: readP99Ratio?.value ?? null,
            paired: interleaved.length
              ? {
                  rounds: PAIRS,
                  sliceSeconds: SLICE,
                  apiReadOverBare: readRatio?.paired ?? null,
                  apiReadP99OverBare: readP99Ratio?.paired ?? null,
                  apiReadNoAuditOverBare: noAuditRatio?.paired ?? null,
                  apiReadNoAuditP99OverBare: noAuditP99Ratio?.paired ?? null,
                  apiReadOverReadNoAudit: auditRatio?.paired ?? null,
                  apiReadAsyncAuditOverBare: asyncRatio?.paired ?? null,
                  apiReadAsyncAuditP99OverBare: asyncP99Ratio?.paired ?? null,
                  apiReadOverReadAsyncAudit: durableRatio?.paired ?? null,
                }
              : null,
            // Open loop, at openLoop.rate req/s offered to both (results[].paced has the achieved rates).
            openLoop: openLoop
              ? {
                  rate: openLoop.rate,
                  p50: openLoop.p50,
                  p99: openLoop.p99,
                  p50Paired: openLoop.p50Paired,
                  p99Paired: openLoop.p99Paired,
                  belowSaturation: openLoop.belowSaturation,
                }
              : null,
            apiReadNoAuditOverBare: noAuditRatio?.value ?? null,
            apiReadNoAuditP99OverBare: noAuditP99Ratio?.value ?? null,
            apiReadAsyncAuditOverBare: asyncRatio?.value ?? null,
            apiReadAsyncAuditP99OverBare: asyncP99Ratio?.value ?? null,
            bulkOverCopy: bulk
              ? Object.fromEntries(
                  bulk.imports.map((r) => [r.mode, r.recordsPerSecond / bulk.copy.rowsPerSecond]),
                )
              : null,
          },
          apiPeakRssMb: apiPeaks.length ? Math.max(...apiPeaks.map((s) => s.peakRssMb)) : null,
          tsxLoaderRssMb: tsxOverhead === undefined ? null : tsxOverhead / MB,
          runSeconds: seconds,
          valid: failedRuns.length === 0,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nResults written to ${JSON_FILE}`);
  }

  // A run made mostly of refusals measures nothing: that is an error, not a missed aim.
  if (failedRuns.length)
    throw new Error(`${failedRuns.length} run(s) had more than 1 % failed requests; see INVALID above.`);
}

/** The transfer part's lines: the accept against its aim, and the import of bundles of the same shape. */
function transferReport(t: TransferResult): string[] {
  const ms = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(0));
  const line = (label: string, x: TransferTiming) =>
    `  ${label.padEnd(40)}median ${ms(x.medianMs)} ms (min ${ms(x.minMs)}, max ${ms(x.maxMs)}); CPU per ${label.startsWith('accept') ? 'accept' : 'import'} ` +
    `${ms(x.serverCpuMs)} ms API, ${ms(x.postgresCpuMs)} ms PostgreSQL; ${x.statements.toFixed(0)} SQL statements, ` +
    `${ms(x.sqlMs)} ms in SQL; API event loop ${(100 * x.eventLoopUtilization).toFixed(0)} % busy`;
  const statements = (x: TransferTiming) =>
    x.sql
      .slice(0, 12)
      .map(
        (q) =>
          `      ${q.calls.toFixed(1).padStart(5)} x ${q.ms.toFixed(1).padStart(6)} ms  ${q.label.slice(0, 110)}`,
      );
  const met = t.accept.medianMs < AIMS.transferAcceptMs;
  return [
    `Transfer of 1 learner with ${t.plans} plans and ${t.meetings} meetings, ${t.accept.count} of each measured after one warm-up ` +
      `(load average ${t.load.start.toFixed(1)} before, ${t.load.end.toFixed(1)} after):`,
    line('accept  POST /v1/transfers/{id}/accept', t.accept),
    ...statements(t.accept),
    line('import  POST /v1/bundles/import', t.import),
    ...statements(t.import),
    `  Transfer accept, median:             ${ms(t.accept.medianMs)} ms   (aim < ${AIMS.transferAcceptMs} ms: ${met ? 'met' : 'MISSED'})`,
  ];
}

/**
 * An open-loop run that did not stay below its server's saturation. Either sign: answers falling behind
 * the rate, or a backlog deep enough to fill every connection (which a server that only just keeps up on
 * average can hold for the whole run).
 */
const saturated = (p: PacedFigures) => p.achievedRate < 0.95 * p.offeredRate || p.queued > 0.01 * p.sent;

/**
 * The open-loop ratios, when both open-loop runs ran at the same offered rate: the median of the rounds'
 * when they were interleaved (with the rounds' own in p50Paired and p99Paired), else the two runs'.
 */
function openLoopRatios(bare: RunResult | undefined, read: RunResult | undefined) {
  if (!bare?.paced || !read?.paced || bare.paced.offeredRate !== read.paced.offeredRate) return undefined;
  const p50Ratio = ratioOf(read, bare, p50);
  const p99Ratio = ratioOf(read, bare, p99);
  if (!p50Ratio || !p99Ratio) return undefined;
  return {
    rate: bare.paced.offeredRate,
    p50: p50Ratio.value,
    p99: p99Ratio.value,
    p50Spread: p50Ratio.spread,
    p99Spread: p99Ratio.spread,
    p50Paired: p50Ratio.paired ?? null,
    p99Paired: p99Ratio.paired ?? null,
    belowSaturation: !saturated(bare.paced) && !saturated(read.paced),
  };
}

/**
 * Under the table, what the open-loop runs offered and achieved: a server that did not keep up was at or
 * past saturation, and its latency then measures a queue, not the server.
 */
function openLoopNotes(results: RunResult[]): string[] {
  const pacedRuns = results.filter((r) => r.paced);
  const first = pacedRuns[0]?.paced;
  if (!first) return [];
  const from = {
    given: 'given by --paced-rate',
    bare: `${(100 * PACED_FRACTION).toFixed(0)} % of the bare route's closed-loop throughput`,
    default: 'the default, as `bare` did not run',
  }[first.rateFrom];
  const lines = [
    '',
    `Open loop, paced: requests sent at ${first.offeredRate} req/s (${from}) whether or not the earlier ones are answered,`,
    `over up to ${first.connections} keep-alive connections (bench/paced.ts). req/s is the rate achieved; latency runs from hand-off`,
    'to the end of the answer, any wait for a free connection included, timed to 0.1 ms.',
  ];
  for (const r of pacedRuns) {
    const p = r.paced!;
    lines.push(
      `  ${r.label.trim()}: ${p.achievedRate.toFixed(0)} of ${p.offeredRate} req/s achieved (${r.slices ? `the slices' mean; ${p.sent} sent in ${r.slices.length} slices of ${SLICE} s` : `${p.sent} sent in ${DURATION} s`}); ` +
        `at most ${p.maxInFlight} in flight, ${p.queued} waited for a connection; the generator sent late by ${p.sendLagP99Ms.toFixed(1)} ms at p99${r.slices ? ' (the worst slice)' : ''}`,
    );
    if (saturated(p))
      lines.push(
        `  NOT BELOW SATURATION: ${r.label.trim()} answered under 95 % of the offered rate, or over 1 % of its requests found all ${p.connections} connections busy; ` +
          'its latency measures a queue, not the server. Lower --paced-rate, or run on a quieter machine.',
      );
  }
  return lines;
}

const throughput = (r: Pick<RunResult, 'requestsPerSecond'>) => r.requestsPerSecond;
const p50 = (r: Pick<RunResult, 'latencyP50Ms'>) => r.latencyP50Ms;
const p99 = (r: Pick<RunResult, 'latencyP99Ms'>) => r.latencyP99Ms;

/**
 * `top / bottom` as the report states it: the median of the rounds' ratios, with their range and the
 * pooled rows' ratio beside it, when both runs were interleaved; else the ratio of the two runs.
 */
function ratioOf(
  top: RunResult | undefined,
  bottom: RunResult | undefined,
  figure: (r: Pick<RunResult, 'requestsPerSecond' | 'latencyP50Ms' | 'latencyP99Ms'>) => number,
): { value: number; spread: string; paired?: PairedRatio } | undefined {
  if (!top || !bottom) return undefined;
  const paired = top.slices && bottom.slices ? pairedRatio(top.slices, bottom.slices, figure) : undefined;
  if (!paired) return { value: figure(top) / figure(bottom), spread: '' };
  return {
    value: paired.median,
    spread: `   (median of ${paired.each.length} rounds, ${paired.min.toFixed(2)} to ${paired.max.toFixed(2)}; pooled ${paired.pooled.toFixed(2)})`,
    paired,
  };
}

/** `label` costs 1 - ratio of the API's read throughput (top / bottom of `ratio`), with the rounds' range. */
function costLine(label: string, ratio: NonNullable<ReturnType<typeof ratioOf>>): string {
  const cost = (r: number) => (100 * (1 - r)).toFixed(0);
  const range = ratio.paired
    ? `   (median of ${ratio.paired.each.length} rounds; ${cost(ratio.paired.max)} to ${cost(ratio.paired.min)} %, pooled ${cost(ratio.paired.pooled)} %)`
    : '';
  return `${label.padEnd(39)}${cost(ratio.value)} % of API read throughput${range}`;
}

/** Under the table, how the interleaved runs were measured and what their rows show. */
function interleavedNotes(interleaved: RunResult[]): string[] {
  if (interleaved.length === 0) return [];
  const closed = interleaved.filter((r) => !r.paced).map((r) => r.key);
  const open = interleaved.filter((r) => r.paced).map((r) => r.key);
  const groups = [closed, open].filter((g) => g.length).map((g) => g.join(', '));
  return [
    '',
    `Interleaved: ${groups.join('; then ')}: measured in turn, ${SLICE} s each, in ${PAIRS} rounds, their servers all running (each`,
    `idle while another is measured), after one ${WARMUP} s warm-up each: the CPU's speed on a shared VM drifts within a minute, and`,
    'slices seconds apart share most of the drift. Their rows pool the slices: req/s is the mean over all of them; requests,',
    "errors, audit rows and CPU are summed; peak RSS is the highest slice's; p50 and p99 are the median slice's (the load",
    "generators keep percentiles, not samples). The ratios below are the median of the rounds' ratios, with their range and the",
    'ratio of the rows (pooled). Audit rows are counted while a slice runs, so an insert the API finishes after its slice counts in the next.',
  ];
}
