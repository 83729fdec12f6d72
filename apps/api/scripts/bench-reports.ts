/**
 * How long the PEP compliance report takes for a large authority, on PostgreSQL:
 * `DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:reports -w @celr/api`.
 * Not a test (the suite stays quick); run it by hand on a quiet machine and put the figures in the
 * release note. Issue 16's aim: 10,000 children answered in under 2 s.
 *
 * One run:
 *   1. creates a fresh database (createTestDatabase), migrates it, creates an English authority with
 *      an API client;
 *   2. starts the API on 127.0.0.1 (an ephemeral port) with its bulk import worker, and loads
 *      `--children` learners through `POST /v1/bulk/import` (the one write path), each with a PEP and
 *      two PEP meetings; care starts are spread over 2024 to mid-2026 so that every deadline is
 *      computed in working days, and the PEPs fall on time, late or not at all;
 *   3. times `GET /v1/reports/pep-compliance`
 *      over HTTP, as JSON and as CSV, `--repeat` times each after one unmeasured warm-up, and the
 *      process's peak RSS;
 *   4. stops the API and drops the database.
 *
 * Options: --children <n> (BENCH_CHILDREN, default 10000), --repeat <n> (BENCH_REPEAT, default 5),
 * --as-of <date> (default 2026-07-17), --keep (leave the database, and print its URL, so that a
 * change can be measured again without loading), --reuse <url> (time against a database a --keep
 * run left, without loading; its client is found by name), --report <name> (pep-compliance, the
 * default, or cohort: which report to time).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { englandLearner, englandMeeting, englandPlan } from '@celr/schema';
import { createClient, createOrganisation } from '../src/admin/organisations.js';
import { buildApp } from '../src/app.js';
import { configFromEnv } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createTestDatabase } from '../src/db/test-database.js';
import { syntheticLearner } from '../src/demo/cohort.js';

const { values } = parseArgs({
  options: {
    children: { type: 'string', default: process.env.BENCH_CHILDREN ?? '10000' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '5' },
    'as-of': { type: 'string', default: '2026-07-17' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    report: { type: 'string', default: 'pep-compliance' },
  },
});
const REPORTS = { 'pep-compliance': 'PEP compliance report', cohort: 'Cohort report' } as const;
const REPORT = values.report as keyof typeof REPORTS;
if (!Object.hasOwn(REPORTS, REPORT)) {
  console.error(`--report: one of ${Object.keys(REPORTS).join(', ')}.`);
  process.exit(2);
}
const CHILDREN = Number(values.children);
const REPEAT = Number(values.repeat);
const AS_OF = values['as-of'];
if (!process.env.DATABASE_URL) {
  console.error('Set DATABASE_URL to a PostgreSQL server the bench may create a database on.');
  process.exit(2);
}
const log = (message: string) => console.error(`[bench-reports] ${message}`);

const DAY = 86_400_000;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

/**
 * The nth child's records. Care starts cycle over 2024-01-08 to 2026-06-05; the PEP starts 3 to 30
 * days after it (so some are late) or, for one child in ten, there is none; the meetings are held a
 * term apart. The same n always gives the same child.
 */
function childRecords(n: number) {
  const since = addDays('2024-01-08', (n * 7) % 880);
  const learner = {
    ...syntheticLearner(n),
    careStatus: { ...englandLearner.careStatus, since, placementStart: since },
  };
  const planStart = addDays(since, 3 + (n % 28));
  const plan =
    n % 10 === 9
      ? undefined
      : {
          jurisdiction: 'england',
          type: 'pep',
          status: 'active',
          period: { start: planStart, end: addDays(planStart, 110) },
          reviewDue: addDays(planStart, 100),
          views: englandPlan.views,
          contributors: englandPlan.contributors,
          qualityAssurance: {
            ...englandPlan.qualityAssurance,
            rating: (['green', 'amber', 'red'] as const)[n % 3],
            reviewedOn: addDays(planStart, 14),
          },
        };
  const meetings = plan
    ? [20, 110].map((d) => {
        const { actions: _a, nextMeetingDue: _n, decisions: _d, ...meeting } = englandMeeting;
        return { ...meeting, scheduledFor: `${addDays(planStart, d)}T10:00:00Z` };
      })
    : [];
  return { learner, plan, meetings };
}

/**
 * Loads the children through the API's bulk import (the write path every record takes), one
 * per-record job of NDJSON lines whose plans and meetings refer to their learner and plan by the
 * ids given in the file, and waits for it to finish.
 */
async function load(base: string, auth: Record<string, string>) {
  const started = performance.now();
  let body = '';
  let records = 0;
  const line = (kind: string, record: unknown) => {
    records++;
    body += `${JSON.stringify({ kind, record })}\n`;
  };
  for (let n = 0; n < CHILDREN; n++) {
    const { learner, plan, meetings } = childRecords(n);
    const learnerId = randomUUID();
    line('learner', { ...learner, id: learnerId });
    if (!plan) continue;
    const planId = randomUUID();
    line('plan', { ...plan, id: planId, learnerId });
    for (const meeting of meetings) line('meeting', { ...meeting, id: randomUUID(), learnerId, planId });
  }
  const posted = await fetch(`${base}/v1/bulk/import?mode=per-record`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-ndjson', 'idempotency-key': randomUUID() },
    body,
  });
  const location = posted.headers.get('location');
  if (posted.status !== 202 || !location) throw new Error(`${posted.status}: ${await posted.text()}`);
  let reported = -1;
  for (;;) {
    const job = (await (await fetch(`${base}${location}`, { headers: auth })).json()) as {
      status: string;
      counts: { created: number; failed: number };
      progress: { linesDone: number };
    };
    if (['succeeded', 'partially-succeeded', 'failed'].includes(job.status)) {
      if (job.status !== 'succeeded' || job.counts.created !== records)
        throw new Error(`The import did not create every record: ${JSON.stringify(job)}`);
      break;
    }
    if (job.progress.linesDone !== reported) log(`${job.progress.linesDone} of ${records} records loaded`);
    reported = job.progress.linesDone;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  log(
    `${CHILDREN} children (${records} records) loaded through the bulk import in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

const testDb = values.reuse ? undefined : await createTestDatabase();
const db = await openDatabase({ url: values.reuse ?? testDb?.url, poolSize: 10 });
try {
  await db.migrate();
  const { prisma } = db;
  let client: { clientId: string; secret: string };
  if (values.reuse) {
    // A --keep run's client: its secret cannot be read back, so it gets a new one.
    const org = await prisma.organisation.findFirstOrThrow({ where: { laCode: '990' } });
    await prisma.apiClient.deleteMany({ where: { organisationId: org.id, name: 'bench client' } });
    client = await createClient(prisma, { organisationId: org.id, name: 'bench client' });
  } else {
    const org = await createOrganisation(prisma, {
      kind: 'local-authority',
      name: 'Northbridge Borough Council',
      jurisdiction: 'england',
      laCode: '990',
    });
    client = await createClient(prisma, { organisationId: org.id, name: 'bench client' });
  }
  const app = await buildApp({ db, config: configFromEnv({}) });
  app.bulkImports?.start();
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const token = (await (
      await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.secret,
        }),
      })
    ).json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token.access_token}` };
    if (!values.reuse) {
      await load(base, auth);
      await prisma.$executeRawUnsafe('VACUUM ANALYZE');
    }
    const rows: string[] = [];
    for (const accept of ['application/json', 'text/csv']) {
      const times: number[] = [];
      let bytes = 0;
      let children = 0;
      for (let i = 0; i <= REPEAT; i++) {
        const started = performance.now();
        const res = await fetch(`${base}/v1/reports/${REPORT}?asOf=${AS_OF}`, {
          headers: { ...auth, accept },
        });
        const body = await res.text();
        const ms = performance.now() - started;
        if (res.status !== 200) throw new Error(`${res.status}: ${body.slice(0, 500)}`);
        bytes = Buffer.byteLength(body);
        if (accept === 'application/json')
          children = (JSON.parse(body) as { summary: { children: number } }).summary.children;
        if (i > 0) times.push(ms); // the first is the warm-up
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] ?? 0;
      rows.push(
        `| ${accept} | ${children || CHILDREN} | ${(median / 1000).toFixed(2)} s | ${((times[0] ?? 0) / 1000).toFixed(2)}–${((times.at(-1) ?? 0) / 1000).toFixed(2)} s | ${(bytes / 1048576).toFixed(1)} MiB |`,
      );
    }
    const pg = await prisma.$queryRawUnsafe<{ server_version: string }[]>('SHOW server_version');
    console.log(
      `${REPORTS[REPORT]}, ${CHILDREN} children, asOf ${AS_OF}, PostgreSQL ${pg[0]?.server_version}, ${REPEAT} timed runs each\n`,
    );
    console.log('| Accept | children | median | min–max | body |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
    console.log(
      `\nPeak RSS of the process (loader and API together): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
  } finally {
    await app.close();
  }
} finally {
  await db.close();
  if (values.keep && testDb) log(`kept the database: --reuse ${testDb.url}`);
  else await testDb?.drop();
}
