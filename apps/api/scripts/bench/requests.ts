/**
 * The request runs: autocannon against the bare read (the ceiling), and against the API's read,
 * list and create, then the reads again on an API process without read auditing.
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
  profileDir,
  RUNS,
  type RunKey,
  WARMUP,
} from './options.js';
import { bearer, startServer, stopAndRecordPeak } from './servers.js';
import type { BenchSetup } from './setup.js';

export interface RunResult {
  key: RunKey;
  label: string;
  server: string;
  requestsPerSecond: number;
  requests: number;
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
}

export const LABELS: Record<RunKey, string> = {
  bare: 'bare  GET /learners/{id}  (pg, same SQL, prepared)',
  read: 'API   GET /v1/learners/{id}',
  list: 'API   GET /v1/learners?limit=50',
  create: `API   POST /v1/learners${IDEMPOTENCY ? ' (Idempotency-Key)' : ''}`,
  'read-no-audit': 'API   GET /v1/learners/{id}       no read audit',
  'list-no-audit': 'API   GET /v1/learners?limit=50   no read audit',
};

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

  let bareBody: unknown;
  const plan: { server: 'bare' | 'api' | 'api-no-audit'; runs: RunKey[] }[] = [
    { server: 'bare', runs: ['bare'] },
    { server: 'api', runs: ['read', 'list', 'create'] },
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
          return [{ method: 'GET', setupRequest: (r) => ({ ...r, path: readPath('/learners') }) }];
        case 'read':
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

    for (const key of runs) {
      const options: AutocannonOptions = {
        url: server.url,
        connections: CONNECTIONS,
        duration: DURATION,
        timeout: 10,
        headers,
        requests: requestFor(key),
      };
      if (WARMUP > 0) await autocannon({ ...options, duration: WARMUP });
      // The process's peak so far (warm-up included) counts; each run then gets a peak of its own.
      peak = Math.max(peak, await server.peakRss());
      server.resetPeak();
      const auditBefore = await auditCount();
      const profileFile =
        profileDir && step.server !== 'bare' ? join(profileDir, `${key}.cpuprofile`) : undefined;
      const stopProfile = profileFile ? await server.profile(profileFile) : undefined;
      const cpuBefore = cpuSnapshot(server.pid);
      const r = await autocannon(options);
      const cpuAfter = cpuSnapshot(server.pid);
      await stopProfile?.();
      const perRequest = (after: number | undefined, before: number | undefined) =>
        after === undefined || before === undefined || r.requests.total === 0
          ? undefined
          : (after - before) / r.requests.total;
      const phasePeak = await server.peakRss();
      peak = Math.max(peak, phasePeak);
      const statusCodes = Object.fromEntries(
        Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
      );
      const result: RunResult = {
        key,
        label: LABELS[key],
        server: label,
        requestsPerSecond: r.requests.average,
        requests: r.requests.total,
        latencyP50Ms: r.latency.p50,
        latencyP99Ms: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        statusCodes,
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
      log(
        `${LABELS[key].trim()}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.latencyP99Ms} ms, ` +
          `${result.non2xx} non-2xx, ${result.errors} errors, ${result.auditEvents} audit events, ${(phasePeak / MB).toFixed(0)} MB peak RSS`,
      );
    }
    await stopAndRecordPeak(server, label, peak);
  }
  return results;
}
