/**
 * The request runs: autocannon against the bare read (the ceiling), and against the API's read,
 * list and create, then the reads again on an API process without read auditing; and the bare read and
 * the API's read open loop (bench/paced.ts), at one offered rate, each on the same server process as its
 * closed-loop run.
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
  profileDir,
  RUNS,
  type RunKey,
  WARMUP,
} from './options.js';
import { type PacedRequest, paced, pacedAgent } from './paced.js';
import { bearer, startServer, stopAndRecordPeak } from './servers.js';
import type { BenchSetup } from './setup.js';

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
  cpuMsPerRequest: { server?: number; postgres?: number; client: number };
  profile?: string;
  /** The open-loop runs only. */
  paced?: PacedFigures;
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

/** Runs the request runs asked for (--runs), each server in turn, and returns their results. */
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
  // Each open-loop run goes right after its closed-loop sibling, on the same server process and data.
  const plan: { server: 'bare' | 'api' | 'api-no-audit'; runs: RunKey[] }[] = [
    { server: 'bare', runs: ['bare', 'bare-paced'] },
    { server: 'api', runs: ['read', 'read-paced', 'list', 'create'] },
    { server: 'api-no-audit', runs: ['read-no-audit', 'list-no-audit'] },
  ];
  for (const step of plan) {
    const runs = step.runs.filter((r) => RUNS.has(r));
    if (runs.length === 0) continue;
    const label =
      step.server === 'bare' ? 'bare server' : step.server === 'api' ? 'API' : 'API (no read audit)';
    const extraEnv: Record<string, string> = { DATABASE_URL: url };
    if (step.server === 'bare') extraEnv.BENCH_ORG_ID = org.id;
    if (step.server === 'api-no-audit') extraEnv.BENCH_NO_AUDIT = '1';
    if (step.server !== 'bare' && LOG_LEVEL) extraEnv.BENCH_LOG_LEVEL = LOG_LEVEL;
    const server = await startServer(label, step.server === 'bare' ? 'bare' : 'api', extraEnv);
    const startupPeak = await server.peakRss();
    log(
      `${label} listening on ${server.url} (pid ${server.pid}, ${(startupPeak / MB).toFixed(0)} MB peak RSS at start)`,
    );
    let peak = startupPeak;

    const headers = step.server === 'bare' ? {} : await bearer(server, client);

    // Each run's request, checked once before any load: a run of errors would measure nothing.
    let readIndex = 0;
    const readPath = (prefix: string) => `${prefix}/${ids[readIndex++ % ids.length]}`;
    const requestFor = (key: RunKey): AutocannonOptions['requests'] => {
      switch (key) {
        case 'bare':
        case 'bare-paced':
          return [{ method: 'GET', setupRequest: (r) => ({ ...r, path: readPath('/learners') }) }];
        case 'read':
        case 'read-paced':
        case 'read-no-audit':
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
    if (step.server === 'bare') {
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

    // The open-loop runs send the same requests as their closed-loop siblings (requestFor), the path
    // taken from the one setupRequest each has.
    const pacedRequest = (key: RunKey): (() => PacedRequest) => {
      const [spec] = requestFor(key) ?? [];
      if (!spec?.setupRequest || !spec.method) throw new Error(`No open-loop request for ${key}.`);
      const { method, setupRequest } = spec;
      return () => {
        const { path, body, headers: extra } = setupRequest({ method, path: '/', headers: {} });
        return { method, path, headers: extra, ...(body === undefined ? {} : { body }) };
      };
    };

    for (const key of runs) {
      const openLoop = key.endsWith('-paced');
      const rate = openLoop ? pacedRateNow() : undefined;
      // One agent for the warm-up and the measured run: the sockets the warm-up opened are reused.
      const agent = openLoop ? pacedAgent(PACED_CONNECTIONS) : undefined;
      const load = async (duration: number): Promise<Load> => {
        if (rate && agent) {
          const p = await paced({
            url: server.url,
            rate: rate.offeredRate,
            duration,
            agent,
            connections: PACED_CONNECTIONS,
            timeout: 10,
            headers,
            next: pacedRequest(key),
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
          url: server.url,
          connections: CONNECTIONS,
          duration,
          timeout: 10,
          headers,
          requests: requestFor(key),
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
      try {
        if (WARMUP > 0) await load(WARMUP);
        // The process's peak so far (warm-up included) counts; each run then gets a peak of its own.
        peak = Math.max(peak, await server.peakRss());
        server.resetPeak();
        const auditBefore = await auditCount();
        const profileFile =
          profileDir && step.server !== 'bare' ? join(profileDir, `${key}.cpuprofile`) : undefined;
        const stopProfile = profileFile ? await server.profile(profileFile) : undefined;
        const cpuBefore = cpuSnapshot(server.pid);
        const measured = await load(DURATION);
        const cpuAfter = cpuSnapshot(server.pid);
        await stopProfile?.();
        // PostgreSQL's figure sums every postgres process on the machine; another client's backend that
        // exits unreaped between the snapshots takes its CPU time with it (as in transfer.ts): a negative
        // difference says nothing, so it is unknown.
        const perRequest = (after: number | undefined, before: number | undefined) =>
          after === undefined || before === undefined || after < before || measured.requests === 0
            ? undefined
            : (after - before) / measured.requests;
        const phasePeak = await server.peakRss();
        peak = Math.max(peak, phasePeak);
        const result: RunResult = {
          key,
          label: LABELS[key],
          server: label,
          ...measured,
          peakRssMb: phasePeak / MB,
          auditEvents: (await auditCount()) - auditBefore,
          cpuMsPerRequest: {
            server: perRequest(cpuAfter.server, cpuBefore.server),
            postgres: perRequest(cpuAfter.postgres, cpuBefore.postgres),
            client: perRequest(cpuAfter.client, cpuBefore.client) ?? 0,
          },
          ...(profileFile ? { profile: profileFile } : {}),
        };
        results.push(result);
        const p = result.paced;
        const latency = p
          ? `p50 ${result.latencyP50Ms.toFixed(1)} ms, p99 ${result.latencyP99Ms.toFixed(1)} ms`
          : `p99 ${result.latencyP99Ms} ms`;
        log(
          `${LABELS[key].trim()}: ${p ? `${p.offeredRate} req/s offered, ${p.achievedRate.toFixed(0)} achieved` : `${result.requestsPerSecond.toFixed(0)} req/s`}, ${latency}, ` +
            `${result.non2xx} non-2xx, ${result.errors} errors, ${result.auditEvents} audit events, ${(phasePeak / MB).toFixed(0)} MB peak RSS`,
        );
      } finally {
        agent?.destroy();
      }
    }
    await stopAndRecordPeak(server, label, peak);
  }
  return results;
}
