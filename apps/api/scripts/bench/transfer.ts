/**
 * The transfer part (`transfer`): what the recipient of a large record waits for when it accepts a
 * transfer, and what importing the same kind of bundle as a file costs (issue 18: 1 learner with 50
 * plans and 200 meetings, accepted in under 200 ms).
 *
 * On the bench's database: a second English authority (Eastmere, LA 991) with an API client; the
 * sending authority (the bench's Northbridge, LA 990) holds learners of a range of their own
 * (syntheticLearner), each with 50 plans (the schema's example PEP) and 200 meetings (the example PEP
 * meeting, four to each plan, so the import re-links every meeting to the recipient's copy of its
 * plan), every record validated and written through the one store (RecordStore.createBlock, as the
 * demo). Over HTTP, against an API process of its own: Northbridge sends one transfer per learner
 * (responsibility-moves), Eastmere accepts them one after the other, timed from request to response;
 * then the same for POST /v1/bundles/import, with bundles sent the same way, read by Eastmere and their
 * transfers removed from the database (as if the bundle had come by another route: otherwise the
 * import finds the transfer of the same bundle and answers with it). The first of each is a warm-up.
 * Each response is checked (200/201, 50 plans and 200 meetings created).
 *
 * Reported: median, min and max of the wall time, the API process's and PostgreSQL's CPU per accept
 * (the mean over the measured ones: /proc counts in 10 ms ticks), the SQL statements the API sent per
 * accept and their time (BENCH_SQL_TIMING), and the load average before and after.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { englandMeeting, englandPlan, type RecordKind, validate } from '@celr/schema';
import { createClient, createOrganisation } from '../../src/admin/organisations.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import type { Caller } from '../../src/auth/caller.js';
import { type Database, sqlThrough } from '../../src/db/database.js';
import { syntheticLearner } from '../../src/demo/cohort.js';
import { type NewRecord, RecordStore } from '../../src/records/store/index.js';
import { cpuSnapshot } from './cpu.js';
import { log, MB, profileDir, TRANSFERS } from './options.js';
import { bearer, type Server, startServer, stopAndRecordPeak } from './servers.js';

export const TRANSFER_PLANS = 50;
export const TRANSFER_MEETINGS = 200;
/** The synthetic learners this part sends: numbers no other part uses (UPNs are unique per owner). */
const FIRST_LEARNER = 900_000_000;

export interface TransferTiming {
  /** How many were measured (after one warm-up). */
  count: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** CPU per accept (or import), ms: the API process and all PostgreSQL processes, mean over the measured. */
  serverCpuMs?: number | undefined;
  postgresCpuMs?: number | undefined;
  /** SQL statements the API sent per accept, and their time from call to result (ms). */
  statements: number;
  sqlMs: number;
  /** The statements by kind (their first words, or the tables a WITH writes): calls and ms per accept. */
  sql: { label: string; calls: number; ms: number }[];
  /** How busy the API's event loop was over the measured ones (0-1). */
  eventLoopUtilization: number;
  profile?: string;
}

export interface TransferResult {
  plans: number;
  meetings: number;
  accept: TransferTiming;
  import: TransferTiming;
  load: { start: number; end: number };
  peakRssMb: number;
}

interface Sent {
  learnerId: string;
  transferId: string;
}

/** Runs the transfer part: its data, an API process of its own, the accepts, then the imports. */
export async function transferPhase(
  db: Database,
  url: string,
  sender: { org: { id: string }; client: { clientId: string; secret: string } },
): Promise<TransferResult> {
  const loadStart = loadavg()[0] ?? 0;
  const { prisma } = db;
  const recipient = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: 'Eastmere County Council',
    jurisdiction: 'england',
    laCode: '991',
  });
  const recipientClient = await createClient(prisma, {
    organisationId: recipient.id,
    name: 'bench transfer client',
  });

  // One warm-up and TRANSFERS measured, for the accepts and again for the imports.
  const learners = 2 * (TRANSFERS + 1);
  const seeding = performance.now();
  const learnerIds = await seed(db, sender.org.id, sender.client.clientId, learners);
  log(
    `transfer: ${learners} learners with ${TRANSFER_PLANS} plans and ${TRANSFER_MEETINGS} meetings each written through RecordStore.createBlock in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
  );
  await prisma.$executeRawUnsafe('VACUUM ANALYZE');

  const server = await startServer('API (transfers)', 'api', { DATABASE_URL: url, BENCH_SQL_TIMING: '1' });
  let peak = await server.peakRss();
  try {
    const senderAuth = await bearer(server, sender.client);
    const recipientAuth = await bearer(server, recipientClient);
    const post = async (path: string, headers: Record<string, string>, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, text };
    };
    const sendAll = async (ids: string[]): Promise<Sent[]> => {
      const sent: Sent[] = [];
      for (const learnerId of ids) {
        const res = await post('/v1/transfers', senderAuth, {
          learnerId,
          recipient: { scheme: 'la-code', code: '991' },
          reason: 'responsibility-moves',
          note: 'Benchmark: responsibility moves to Eastmere.',
        });
        if (res.status !== 201)
          throw new Error(`POST /v1/transfers: ${res.status} ${res.text.slice(0, 2000)}`);
        sent.push({ learnerId, transferId: (JSON.parse(res.text) as { id: string }).id });
      }
      return sent;
    };

    // Accepts.
    const toAccept = await sendAll(learnerIds.slice(0, TRANSFERS + 1));
    const accept = await measure(server, 'accept', toAccept, async ({ transferId }) => {
      const res = await post(`/v1/transfers/${transferId}/accept`, recipientAuth);
      if (res.status !== 200)
        throw new Error(`POST /v1/transfers/${transferId}/accept: ${res.status} ${res.text.slice(0, 2000)}`);
      checkCounts('accept', (JSON.parse(res.text) as { result: Counts }).result);
    });
    peak = Math.max(peak, await server.peakRss());
    log(
      `transfer accept: median ${accept.medianMs.toFixed(0)} ms, max ${accept.maxMs.toFixed(0)} ms, server CPU ${fmt(accept.serverCpuMs)} ms, ${accept.statements.toFixed(0)} SQL statements per accept`,
    );

    // Imports of bundles of the same shape, arrived as files.
    const forImport = await sendAll(learnerIds.slice(TRANSFERS + 1));
    const bundles = new Map<string, unknown>();
    for (const { transferId } of forImport) {
      const res = await fetch(`${server.url}/v1/transfers/${transferId}/bundle`, { headers: recipientAuth });
      if (res.status !== 200) throw new Error(`GET /v1/transfers/${transferId}/bundle: ${res.status}`);
      bundles.set(transferId, await res.json());
    }
    await prisma.transfer.deleteMany({ where: { id: { in: forImport.map((s) => s.transferId) } } });
    const imported = await measure(server, 'import', forImport, async ({ transferId }) => {
      const res = await post('/v1/bundles/import', recipientAuth, bundles.get(transferId));
      if (res.status !== 201)
        throw new Error(`POST /v1/bundles/import: ${res.status} ${res.text.slice(0, 2000)}`);
      checkCounts('import', (JSON.parse(res.text) as { result: Counts }).result);
    });
    peak = Math.max(peak, await server.peakRss());
    log(
      `bundle import: median ${imported.medianMs.toFixed(0)} ms, max ${imported.maxMs.toFixed(0)} ms, server CPU ${fmt(imported.serverCpuMs)} ms, ${imported.statements.toFixed(0)} SQL statements per import`,
    );
    const loadEnd = loadavg()[0] ?? 0;
    return {
      plans: TRANSFER_PLANS,
      meetings: TRANSFER_MEETINGS,
      accept,
      import: imported,
      load: { start: loadStart, end: loadEnd },
      peakRssMb: peak / MB,
    };
  } finally {
    await stopAndRecordPeak(server, 'API (transfers)', peak);
  }
}

type Counts = { plans: { created: string[] }; meetings: { created: string[] } };
function checkCounts(what: string, result: Counts) {
  const got = [result.plans.created.length, result.meetings.created.length];
  if (got[0] !== TRANSFER_PLANS || got[1] !== TRANSFER_MEETINGS)
    throw new Error(
      `The ${what} created ${got[0]} plans and ${got[1]} meetings, not ${TRANSFER_PLANS} and ${TRANSFER_MEETINGS}.`,
    );
}

const fmt = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(0));

/** The first one unmeasured (warm-up), then each of the rest timed on its own, one after the other. */
async function measure(
  server: Server,
  key: 'accept' | 'import',
  items: Sent[],
  run: (item: Sent) => Promise<void>,
): Promise<TransferTiming> {
  const [warmUp, ...measured] = items;
  if (!warmUp || !measured.length) throw new Error('The transfer part needs at least two transfers.');
  await run(warmUp);
  const profileFile = profileDir ? join(profileDir, `transfer-${key}.cpuprofile`) : undefined;
  const stopProfile = profileFile ? await server.profile(profileFile) : undefined;
  await server.timingStart();
  const cpuBefore = cpuSnapshot(server.pid);
  const times: number[] = [];
  for (const item of measured) {
    const started = performance.now();
    await run(item);
    times.push(performance.now() - started);
  }
  const cpuAfter = cpuSnapshot(server.pid);
  const timing = await server.timingStop();
  await stopProfile?.();
  // PostgreSQL's figure sums every postgres process on the machine, other databases' too; a backend of
  // another client that exits unreaped between the snapshots takes its CPU time with it (a negative
  // difference), which says nothing: unknown.
  const perItem = (after?: number, before?: number) =>
    after === undefined || before === undefined || after < before
      ? undefined
      : (after - before) / measured.length;
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2
      ? (sorted[Math.floor(mid)] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    count: measured.length,
    medianMs: median,
    minMs: sorted[0] as number,
    maxMs: sorted.at(-1) as number,
    serverCpuMs: perItem(cpuAfter.server, cpuBefore.server),
    postgresCpuMs: perItem(cpuAfter.postgres, cpuBefore.postgres),
    statements: timing.statements.reduce((n, s) => n + s.calls, 0) / measured.length,
    sqlMs: timing.statements.reduce((n, s) => n + s.ms, 0) / measured.length,
    sql: timing.statements
      .map((s) => ({ label: s.label, calls: s.calls / measured.length, ms: s.ms / measured.length }))
      .sort((a, b) => b.ms - a.ms),
    eventLoopUtilization: timing.eventLoop.utilization,
    ...(profileFile ? { profile: profileFile } : {}),
  };
}

/** The sender's learners with their plans and meetings, validated, one block per kind. */
async function seed(db: Database, ownerId: string, clientId: string, count: number): Promise<string[]> {
  const caller: Caller = {
    clientId,
    organisationId: ownerId,
    organisationKind: 'local-authority',
    actingForId: ownerId,
    actingForKind: 'local-authority',
    scopes: new Set(),
    requestId: 'bench-transfer-seed',
  };
  const blocks: Record<'learner' | 'plan' | 'meeting', NewRecord[]> = { learner: [], plan: [], meeting: [] };
  const add = (kind: RecordKind & keyof typeof blocks, learnerId: string, data: Record<string, unknown>) => {
    const check = validate(kind, data);
    if (!check.ok) throw new Error(`The benchmark's ${kind} is not valid: ${JSON.stringify(check.issues)}`);
    const id = kind === 'learner' ? learnerId : randomUUID();
    blocks[kind].push({ kind, id, learnerId, ownerId, data });
    return id;
  };
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const learnerId = randomUUID();
    ids.push(add('learner', learnerId, syntheticLearner(FIRST_LEARNER + i)));
    const plans = Array.from({ length: TRANSFER_PLANS }, () =>
      add('plan', learnerId, { ...englandPlan, learnerId }),
    );
    for (let m = 0; m < TRANSFER_MEETINGS; m++)
      add('meeting', learnerId, { ...englandMeeting, learnerId, planId: plans[m % plans.length] });
  }
  const store = new RecordStore(new AuditTrail(sqlThrough(db.prisma)));
  await db.prisma.$transaction(
    async (tx) => {
      for (const kind of ['learner', 'plan', 'meeting'] as const)
        await store.createBlock(tx, caller, kind, blocks[kind]);
    },
    { timeout: 120_000 },
  );
  return ids;
}
