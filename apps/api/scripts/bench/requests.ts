/**
 * The request runs: autocannon against the bare read (the ceiling), and against the API's read,
 * list and create, then the reads again on an API process without read auditing; and the bare read and
 * the API's read open loop (bench/paced.ts), at one offered rate, each on the same server process as its
 * closed-loop run. The runs that are compared run first, their servers all up, in interleaved slices
 * (PAIRS rounds; slices.ts): the closed-loop reads (bare, read, read-no-audit, read-async-audit), then the open-loop ones;
 * the other runs follow, a server at a time.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { syntheticLearner } from '../../src/demo/cohort.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { type AutocannonOptions, autocannon } from './autocannon.js';
import { cpuSnapshot } from './cpu.js';
import {
  CONNECTIONS,
  DURATION,
  IDEMPOTENCY,
  LEARNERS,
  LOG_LEVEL,
  log,
  MB,
  PACED_CONNECTIONS,
  PACED_DEFAULT_RATE,
  PACED_FRACTION,
  PACED_RATE,
  PAIRS,
  profileDir,
  RUNS,
  type RunKey,
  SLICE,
  WARMUP,
} from './options.js';
import { paced, pacedAgent } from './paced.js';
import { bearer, type Server, startServer, stopAndRecordPeak } from './servers.js';
import type { BenchSetup } from './setup.js';
import { median, pooledRow, type SliceFigures } from './slices.js';

export interface RunResult {
  key: RunKey;
  label: string;
  server: string;
  /** Closed loop: autocannon's mean of its per-second counts; open loop: the achieved rate. */
  requestsPerSecond: number;
  requests: number;
  /** Closed loop: whole ms (autocannon's histogram records ms as integers); open loop: fractional. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  peakRssMb: number;
  auditEvents?: number;
  /** CPU time per request, in ms, of the server process, PostgreSQL and the load generator. */
  cpuMsPerRequest: { server?: number | undefined; postgres?: number | undefined; client: number };
  profile?: string;
  /** The open-loop runs only. */
  paced?: PacedFigures;
  /**
   * The interleaved reads only (bare, read, read-no-audit, read-async-audit): each slice's figures, by round; the row's
   * are pooled from them (slices.ts).
   */
  slices?: SliceFigures[];
}

/** What an open-loop run offered and what it got (bench/paced.ts). */
export interface PacedFigures {
  offeredRate: number;
  /** Where the rate came from: --paced-rate, a share of the bare route's closed-loop throughput, or the default. */
  rateFrom: 'given' | 'bare' | 'default';
  sent: number;
  achievedRate: number;
  connections: number;
  /** Requests that found every socket busy and waited for one. */
  queued: number;
  maxInFlight: number;
  sendLagP99Ms: number;
  latencyP90Ms: number;
  latencyMaxMs: number;
  latencyMeanMs: number;
}

export const LABELS: Record<RunKey, string> = {
  bare: 'bare  GET /learners/{id}  (pg, same SQL, prepared)',
  read: 'API   GET /v1/learners/{id}',
  list: 'API   GET /v1/learners?limit=50',
  create: `API   POST /v1/learners${IDEMPOTENCY ? ' (Idempotency-Key)' : ''}`,
  'read-no-audit': 'API   GET /v1/learners/{id}       no read audit',
  'list-no-audit': 'API   GET /v1/learners?limit=50   no read audit',
  'read-async-audit': 'API   GET /v1/learners/{id}  async audit commit',
  'bare-paced': 'bare  GET /learners/{id}  open loop, paced',
  'read-paced': 'API   GET /v1/learners/{id}  open loop, paced',
};

/** The load a run measured, closed loop or open. */
type Load = Pick<
  RunResult,
  | 'requestsPerSecond'
  | 'requests'
  | 'latencyP50Ms'
  | 'latencyP99Ms'
  | 'non2xx'
  | 'errors'
  | 'timeouts'
  | 'statusCodes'
  | 'paced'
>;

type ServerKind = 'bare' | 'api' | 'api-no-audit' | 'api-async-audit';

/** A server process started for the request runs, with what its runs need. */
interface LiveServer {
  kind: ServerKind;
  label: string;
  server: Server;
  headers: Record<string, string>;
  /** The process's peak RSS so far, folded in before each resetPeak(), for the report's memory lines. */
  peak: number;
  /** The requests of a run on this server (rotating over the learners). */
  requestFor(key: RunKey): NonNullable<AutocannonOptions['requests']>;
}

/** Which server each run goes to, in the order the servers were started one at a time before. */
const SERVER_RUNS: { server: ServerKind; runs: RunKey[] }[] = [
  { server: 'bare', runs: ['bare', 'bare-paced'] },
  { server: 'api', runs: ['read', 'read-paced', 'list', 'create'] },
  { server: 'api-no-audit', runs: ['read-no-audit', 'list-no-audit'] },
  { server: 'api-async-audit', runs: ['read-async-audit'] },
];
/**
 * The runs measured in interleaved slices (options.ts, PAIRS): each group whose runs are asked for, at
 * least two, runs as one set of rounds. The closed-loop reads first: the open-loop runs' offered rate
 * may be a share of the bare read's throughput.
 */
const INTERLEAVED: RunKey[][] = [
  ['bare', 'read', 'read-no-audit', 'read-async-audit'],
  ['bare-paced', 'read-paced'],
];
const SERVER_LABELS: Record<ServerKind, string> = {
  bare: 'bare server',
  api: 'API',
  'api-no-audit': 'API (no read audit)',
  'api-async-audit': 'API (async audit commit)',
};

/** The database URL with PostgreSQL's synchronous_commit off for every connection made from it. */
function withAsynchronousCommit(url: string): string {
  const at = new URL(url);
  at.searchParams.set('options', '-c synchronous_commit=off');
  return at.toString();
}
const serverOf = (key: RunKey) => SERVER_RUNS.find((s) => s.runs.includes(key))!.server;

/**
 * Runs the request runs asked for (--runs) and returns their results. The reads compared with the bare
 * read go first, interleaved: their servers all started, then warmed up once each, then measured in
 * PAIRS rounds of one slice each (bare, API, API without audit), so that each ratio compares slices
 * taken seconds apart rather than runs a minute apart on a CPU whose speed drifts. A server is idle
 * while another is measured. Then each server's other runs, in the order of SERVER_RUNS, each server
 * stopped after its last run; every server is started once.
 */
export async function requestRuns(
  prisma: PrismaClient,
  url: string,
  { org, client, ids, seeded }: BenchSetup,
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  let nextLearner = seeded;

  const auditCount = async () =>
    Number(
      (await prisma.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM audit_event'))[0]?.n ?? 0,
    );

  // The open-loop runs share one offered rate, fixed when the first of them starts: after `bare`, whose
  // throughput it may be a share of (options.ts, PACED_RATE).
  let pacedRate: Pick<PacedFigures, 'offeredRate' | 'rateFrom'> | undefined;
  const pacedRateNow = () => {
    if (pacedRate) return pacedRate;
    const bare = results.find((r) => r.key === 'bare');
    pacedRate =
      PACED_RATE !== undefined
        ? { offeredRate: PACED_RATE, rateFrom: 'given' }
        : bare
          ? {
              offeredRate: Math.max(1, Math.round(PACED_FRACTION * bare.requestsPerSecond)),
              rateFrom: 'bare',
            }
          : { offeredRate: PACED_DEFAULT_RATE, rateFrom: 'default' };
    return pacedRate;
  };

  let bareBody: unknown;
  /** Starts a server and checks each of its requests once before any load: a run of errors would measure nothing. */
  const open = async (kind: ServerKind, runs: RunKey[]): Promise<LiveServer> => {
    const label = SERVER_LABELS[kind];
    // The API whose read events commit without waiting for the write-ahead log to reach the disk: what
    // the durable commit of each batch costs. Measurement only: every commit of that process is
    // asynchronous, and it serves only reads, whose batches of events are its only commits.
    const extraEnv: Record<string, string> = {
      DATABASE_URL: kind === 'api-async-audit' ? withAsynchronousCommit(url) : url,
    };
    if (kind === 'bare') extraEnv.BENCH_ORG_ID = org.id;
    if (kind === 'api-no-audit') extraEnv.BENCH_NO_AUDIT = '1';
    if (kind !== 'bare' && LOG_LEVEL) extraEnv.BENCH_LOG_LEVEL = LOG_LEVEL;
    const server = await startServer(label, kind === 'bare' ? 'bare' : 'api', extraEnv);
    const startupPeak = await server.peakRss();
    log(
      `${label} listening on ${server.url} (pid ${server.pid}, ${(startupPeak / MB).toFixed(0)} MB peak RSS at start)`,
    );
    const headers = kind === 'bare' ? {} : await bearer(server, client);

    let readIndex = 0;
    const readPath = (prefix: string) => `${prefix}/${ids[readIndex++ % ids.length]}`;
    const requestFor = (key: RunKey): NonNullable<AutocannonOptions['requests']> => {
      switch (key) {
        case 'bare':
        case 'bare-paced':
          return [{ method: 'GET', setupRequest: (r) => ({ ...r, path: readPath('/learners') }) }];
        case 'read':
        case 'read-paced':
        case 'read-no-audit':
        case 'read-async-audit':
          return [{ method: 'GET', setupRequest: (r) => ({ ...r, path: readPath('/v1/learners') }) }];
        case 'list':
        case 'list-no-audit':
          return [{ method: 'GET', path: '/v1/learners?limit=50' }];
        case 'create':
          return [
            {
              method: 'POST',
              path: '/v1/learners',
              setupRequest: (r) => ({
                ...r,
                headers: {
                  ...r.headers,
                  'content-type': 'application/json',
                  ...(IDEMPOTENCY ? { 'idempotency-key': randomUUID() } : {}),
                },
                body: JSON.stringify(syntheticLearner(nextLearner++)),
              }),
            },
          ];
      }
    };

    const probe = ids[0] as string;
    if (kind === 'bare') {
      const res = await fetch(`${server.url}/learners/${probe}`);
      if (res.status !== 200) throw new Error(`bare GET /learners/{id}: ${res.status} ${await res.text()}`);
      bareBody = await res.json();
    } else {
      const res = await fetch(`${server.url}/v1/learners/${probe}`, { headers });
      if (res.status !== 200) throw new Error(`API GET /v1/learners/{id}: ${res.status} ${await res.text()}`);
      const body = await res.json();
      if (bareBody !== undefined && !isDeepStrictEqual(body, bareBody)) {
        throw new Error(
          'The bare route and the API return different representations of the same learner; the comparison would be unfair.',
        );
      }
      const list = await fetch(`${server.url}/v1/learners?limit=50`, { headers });
      const items = list.status === 200 ? ((await list.json()) as { items: unknown[] }).items.length : 0;
      if (list.status !== 200 || items !== Math.min(50, LEARNERS))
        throw new Error(`API GET /v1/learners?limit=50: ${list.status}, ${items} items`);
      if (runs.includes('create')) {
        const created = await fetch(`${server.url}/v1/learners`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify(syntheticLearner(nextLearner++)),
        });
        if (created.status !== 201)
          throw new Error(`API POST /v1/learners: ${created.status} ${await created.text()}`);
      }
    }
    return { kind, label, server, headers, peak: startupPeak, requestFor };
  };

  /** The load of one run for `duration` seconds, closed loop (autocannon) or open (paced.ts). */
  const load = async (
    live: LiveServer,
    key: RunKey,
    duration: number,
    agent: ReturnType<typeof pacedAgent> | undefined,
  ): Promise<Load> => {
    if (agent) {
      const rate = pacedRateNow();
      // The open-loop runs send the same requests as their closed-loop siblings, the path taken from
      // the one setupRequest each has.
      const [spec] = live.requestFor(key);
      if (!spec?.setupRequest || !spec.method) throw new Error(`No open-loop request for ${key}.`);
      const { method, setupRequest } = spec;
      const p = await paced({
        url: live.server.url,
        rate: rate.offeredRate,
        duration,
        agent,
        connections: PACED_CONNECTIONS,
        timeout: 10,
        headers: live.headers,
        next: () => {
          const { path, body, headers: extra } = setupRequest({ method, path: '/', headers: {} });
          return { method, path, headers: extra, ...(body === undefined ? {} : { body }) };
        },
      });
      return {
        requestsPerSecond: p.achievedRate,
        requests: p.answered,
        latencyP50Ms: p.latency.p50,
        latencyP99Ms: p.latency.p99,
        non2xx: p.non2xx,
        errors: p.errors,
        timeouts: p.timeouts,
        statusCodes: p.statusCodes,
        paced: {
          ...rate,
          sent: p.sent,
          achievedRate: p.achievedRate,
          connections: PACED_CONNECTIONS,
          queued: p.queued,
          maxInFlight: p.maxInFlight,
          sendLagP99Ms: p.sendLagP99Ms,
          latencyP90Ms: p.latency.p90,
          latencyMaxMs: p.latency.max,
          latencyMeanMs: p.latency.mean,
        },
      };
    }
    const r = await autocannon({
      url: live.server.url,
      connections: CONNECTIONS,
      duration,
      timeout: 10,
      headers: live.headers,
      requests: live.requestFor(key),
    });
    return {
      requestsPerSecond: r.requests.average,
      requests: r.requests.total,
      latencyP50Ms: r.latency.p50,
      latencyP99Ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      statusCodes: Object.fromEntries(
        Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
      ),
    };
  };

  /**
   * One measured stretch of a run: the server's peak RSS over it alone (its own process's: the other
   * servers' are theirs), its CPU and audit rows. The peak so far is folded into the server's before
   * the reset, so the report's peak per server still covers its whole life.
   */
  const measure = async (
    live: LiveServer,
    key: RunKey,
    duration: number,
    agent?: ReturnType<typeof pacedAgent>,
  ) => {
    live.peak = Math.max(live.peak, await live.server.peakRss());
    live.server.resetPeak();
    const auditBefore = await auditCount();
    const cpuBefore = cpuSnapshot(live.server.pid);
    const measured = await load(live, key, duration, agent);
    const cpuAfter = cpuSnapshot(live.server.pid);
    const peak = await live.server.peakRss();
    live.peak = Math.max(live.peak, peak);
    // PostgreSQL's figure sums every postgres process on the machine; another client's backend that
    // exits unreaped between the snapshots takes its CPU time with it (as in transfer.ts): a negative
    // difference says nothing, so it is unknown.
    const used = (after: number | undefined, before: number | undefined) =>
      after === undefined || before === undefined || after < before ? undefined : after - before;
    return {
      measured,
      peak,
      auditEvents: (await auditCount()) - auditBefore,
      cpu: {
        server: used(cpuAfter.server, cpuBefore.server),
        postgres: used(cpuAfter.postgres, cpuBefore.postgres),
        client: used(cpuAfter.client, cpuBefore.client) ?? 0,
      },
    };
  };

  const record = (result: RunResult) => {
    results.push(result);
    const p = result.paced;
    const latency = p
      ? `p50 ${result.latencyP50Ms.toFixed(1)} ms, p99 ${result.latencyP99Ms.toFixed(1)} ms`
      : `p99 ${result.latencyP99Ms} ms`;
    const slices = result.slices
      ? ` (pooled over ${result.slices.length} slices; p99 the median slice's)`
      : '';
    log(
      `${LABELS[result.key].trim()}: ${p ? `${p.offeredRate} req/s offered, ${p.achievedRate.toFixed(0)} achieved` : `${result.requestsPerSecond.toFixed(0)} req/s`}, ${latency}${slices}, ` +
        `${result.non2xx} non-2xx, ${result.errors} errors, ${result.auditEvents} audit events, ${result.peakRssMb.toFixed(0)} MB peak RSS`,
    );
  };
  const perRequest = (ms: number | undefined, requests: number) =>
    ms === undefined || requests === 0 ? undefined : ms / requests;
  const profileFileFor = (live: LiveServer, key: RunKey) =>
    profileDir && live.kind !== 'bare' ? join(profileDir, `${key}.cpuprofile`) : undefined;

  /** A run measured once, for --duration seconds after its warm-up, as all runs were before the slices. */
  const runOnce = async (live: LiveServer, key: RunKey) => {
    // One agent for the warm-up and the measured run: the sockets the warm-up opened are reused.
    const agent = key.endsWith('-paced') ? pacedAgent(PACED_CONNECTIONS) : undefined;
    try {
      if (WARMUP > 0) await load(live, key, WARMUP, agent);
      const profileFile = profileFileFor(live, key);
      const stopProfile = profileFile ? await live.server.profile(profileFile) : undefined;
      const m = await measure(live, key, DURATION, agent);
      await stopProfile?.();
      record({
        key,
        label: LABELS[key],
        server: live.label,
        ...m.measured,
        peakRssMb: m.peak / MB,
        auditEvents: m.auditEvents,
        cpuMsPerRequest: {
          server: perRequest(m.cpu.server, m.measured.requests),
          postgres: perRequest(m.cpu.postgres, m.measured.requests),
          client: perRequest(m.cpu.client, m.measured.requests) ?? 0,
        },
        ...(profileFile ? { profile: profileFile } : {}),
      });
    } finally {
      agent?.destroy();
    }
  };

  /**
   * The interleaved reads: each warmed up once, then PAIRS rounds of one SLICE-second slice per run, in
   * the order given (bare first). Each run's row pools its slices (slices.ts); CPU and audit rows are
   * summed over its slices, its peak RSS is the highest of its slices'. A --profile covers the API's
   * slices and the idle time between them, which the summary leaves out.
   */
  const runInterleaved = async (runs: { live: LiveServer; key: RunKey }[]) => {
    // An open-loop run keeps one agent from its warm-up to its last slice: its sockets stay open.
    const agents = runs.map(({ key }) =>
      key.endsWith('-paced') ? pacedAgent(PACED_CONNECTIONS) : undefined,
    );
    try {
      await roundsOf(runs, agents);
    } finally {
      for (const agent of agents) agent?.destroy();
    }
  };
  const roundsOf = async (
    runs: { live: LiveServer; key: RunKey }[],
    agents: (ReturnType<typeof pacedAgent> | undefined)[],
  ) => {
    for (const [i, { live, key }] of runs.entries()) if (WARMUP > 0) await load(live, key, WARMUP, agents[i]);
    const stops = await Promise.all(
      runs.map(async ({ live, key }) => {
        const file = profileFileFor(live, key);
        return file ? { file, stop: await live.server.profile(file) } : undefined;
      }),
    );
    const taken = runs.map(() => [] as Awaited<ReturnType<typeof measure>>[]);
    for (let round = 0; round < PAIRS; round++) {
      for (const [i, { live, key }] of runs.entries()) {
        const m = await measure(live, key, SLICE, agents[i]);
        taken[i]?.push(m);
        log(
          `  round ${round + 1}/${PAIRS}, ${LABELS[key].trim()}: ${m.measured.requestsPerSecond.toFixed(0)} req/s, p50 ${m.measured.latencyP50Ms.toFixed(1)} ms, p99 ${m.measured.latencyP99Ms.toFixed(1)} ms`,
        );
      }
    }
    for (const s of stops) await s?.stop();
    for (const [i, { live, key }] of runs.entries()) {
      const ms = taken[i] ?? [];
      const slices: SliceFigures[] = ms.map((m, round) => ({
        round,
        requestsPerSecond: m.measured.requestsPerSecond,
        requests: m.measured.requests,
        latencyP50Ms: m.measured.latencyP50Ms,
        latencyP99Ms: m.measured.latencyP99Ms,
      }));
      const row = pooledRow(slices);
      const sum = (pick: (m: (typeof ms)[number]) => number | undefined) =>
        ms.some((m) => pick(m) === undefined) ? undefined : ms.reduce((t, m) => t + (pick(m) ?? 0), 0);
      const statusCodes: Record<string, number> = {};
      for (const m of ms)
        for (const [code, n] of Object.entries(m.measured.statusCodes))
          statusCodes[code] = (statusCodes[code] ?? 0) + n;
      const file = stops[i]?.file;
      record({
        key,
        label: LABELS[key],
        server: live.label,
        ...row,
        non2xx: sum((m) => m.measured.non2xx) ?? 0,
        errors: sum((m) => m.measured.errors) ?? 0,
        timeouts: sum((m) => m.measured.timeouts) ?? 0,
        statusCodes,
        peakRssMb: Math.max(...ms.map((m) => m.peak)) / MB,
        auditEvents: sum((m) => m.auditEvents) ?? 0,
        cpuMsPerRequest: {
          server: perRequest(
            sum((m) => m.cpu.server),
            row.requests,
          ),
          postgres: perRequest(
            sum((m) => m.cpu.postgres),
            row.requests,
          ),
          client:
            perRequest(
              sum((m) => m.cpu.client),
              row.requests,
            ) ?? 0,
        },
        ...(file ? { profile: file } : {}),
        ...pooledPaced(ms.map((m) => m.measured.paced)),
        slices,
      });
    }
  };

  const live = new Map<ServerKind, LiveServer>();
  const runsOf = (kind: ServerKind) =>
    SERVER_RUNS.find((s) => s.server === kind)!.runs.filter((r) => RUNS.has(r));
  const groups = INTERLEAVED.map((g) => g.filter((r) => RUNS.has(r))).filter((g) => g.length >= 2);
  for (const group of groups) {
    // Started in SERVER_RUNS order, so the bare route's representation is known before the API's is checked.
    for (const key of group) {
      const kind = serverOf(key);
      if (!live.has(kind)) live.set(kind, await open(kind, runsOf(kind)));
    }
    await runInterleaved(group.map((key) => ({ live: live.get(serverOf(key))!, key })));
  }
  for (const { server: kind } of SERVER_RUNS) {
    const runs = runsOf(kind).filter((r) => !groups.flat().includes(r));
    let server = live.get(kind);
    if (!server && runs.length === 0) continue;
    server ??= await open(kind, runs);
    for (const key of runs) await runOnce(server, key);
    await stopAndRecordPeak(
      server.server,
      server.label,
      Math.max(server.peak, await server.server.peakRss()),
    );
    live.delete(kind);
  }
  return results;
}

/**
 * An interleaved open-loop run's figures over its slices, as the report's saturation check reads them:
 * the rate achieved is the slices' mean (they are equally long), requests sent and queued are summed,
 * the worst in flight, send lag and latency are the worst slice's, the mean latency is weighted by sends,
 * and p90 is the median slice's, as p50 and p99 are (slices.ts). Nothing for a closed-loop run.
 */
function pooledPaced(slices: (PacedFigures | undefined)[]): { paced?: PacedFigures } {
  const ps = slices.filter((p): p is PacedFigures => p !== undefined);
  const first = ps[0];
  if (!first || ps.length !== slices.length) return {};
  const sent = ps.reduce((t, p) => t + p.sent, 0);
  return {
    paced: {
      offeredRate: first.offeredRate,
      rateFrom: first.rateFrom,
      connections: first.connections,
      sent,
      achievedRate: ps.reduce((t, p) => t + p.achievedRate, 0) / ps.length,
      queued: ps.reduce((t, p) => t + p.queued, 0),
      maxInFlight: Math.max(...ps.map((p) => p.maxInFlight)),
      sendLagP99Ms: Math.max(...ps.map((p) => p.sendLagP99Ms)),
      latencyP90Ms: median(ps.map((p) => p.latencyP90Ms)),
      latencyMaxMs: Math.max(...ps.map((p) => p.latencyMaxMs)),
      latencyMeanMs: sent ? ps.reduce((t, p) => t + p.latencyMeanMs * p.sent, 0) / sent : Number.NaN,
    },
  };
}
