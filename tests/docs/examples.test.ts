/**
 * The code samples of the docs are files in apps/docs/examples, included into the pages with
 * VitePress snippet imports; this test runs them against the API on a real socket with the demo
 * data, so a page can never show a request that does not work.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { englandLearner, invalidExamples, upnCheckLetter, validExamples } from '@celr/schema';
import { createCelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  cohortFile,
  exportAll,
  finished,
  followChanges,
  nightlyResend,
  startImport,
} from '../../apps/docs/examples/bulk-exchange.js';
import { heldLearners, loadCtf } from '../../apps/docs/examples/load-a-ctf.js';
import {
  ApiError,
  changedLearners,
  connect,
  type MisPupil,
  nightlySync,
  syncPupil,
  toLearner,
} from '../../apps/docs/examples/sync-from-mis.js';
import {
  acceptTransfer,
  pendingTransfers,
  sendLearner,
} from '../../apps/docs/examples/transfer-a-learner.js';
import { checkFile, jsonSchemaFiles } from '../../apps/docs/examples/validate-offline.js';
import { changeHandler, LocalCopy, startReceiver } from '../../apps/docs/examples/webhook-receiver.js';
import { runTypeScript } from '../sdk/support/cli.js';
import { DOCS_DIR, type RunningApi, startApi } from './support/site.js';

const run = promisify(execFile);
const EXAMPLES = join(DOCS_DIR, 'examples');

let api: RunningApi;
beforeAll(async () => {
  api = await startApi({ demo: true });
}, 300_000);
afterAll(async () => {
  await api?.close();
});

const bash = (script: string) =>
  run('bash', [join(EXAMPLES, script)], { env: { ...process.env, CELR_URL: api.baseUrl }, timeout: 60_000 });

describe('every snippet the pages include', () => {
  it('names a file and a region that exist', () => {
    const missing: string[] = [];
    const pages = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() && !e.name.startsWith('.') && e.name !== 'reference'
          ? pages(join(dir, e.name))
          : e.name.endsWith('.md')
            ? [join(dir, e.name)]
            : [],
      );
    const included = pages(join(DOCS_DIR, 'site')).flatMap((page) =>
      [...readFileSync(page, 'utf8').matchAll(/^<<< @\/\.\.\/examples\/([^#{\s]+)(?:#([\w-]+))?/gm)].map(
        (m) => ({
          page,
          file: m[1]!,
          region: m[2],
        }),
      ),
    );
    expect(included.length).toBeGreaterThan(10);
    // The markers VitePress finds (findRegion in its snippet plugin): `// #region name` in TypeScript,
    // `#region name` in a shell script. Any other spelling makes it include the whole file.
    const marker = (region: string, end: boolean) =>
      new RegExp(`^\\s*(?://\\s?#?|#\\s?)${end ? 'end' : ''}region ${region}\\s*$`, 'm');
    for (const { page, file, region } of included) {
      const source = readFileSync(join(EXAMPLES, file), 'utf8');
      if (region && !(marker(region, false).test(source) && marker(region, true).test(source)))
        missing.push(`${page}: ${file}#${region}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('getting-started.sh', () => {
  it('gets a token with the demo client and lists five learners with a next link', async () => {
    const { stdout } = await bash('getting-started.sh');
    const page = JSON.parse(stdout) as {
      items: { id: string; responsibleAuthority: { code: string } }[];
      next?: string;
    };
    expect(page.items).toHaveLength(5);
    expect(page.items.every((l) => l.responsibleAuthority.code === '990')).toBe(true);
    expect(page.next).toMatch(/^\/v1\/learners\?limit=5&cursor=/);
  });
});

describe('vendor-on-behalf-of.sh', () => {
  it('finds the organisations the demo vendor acts for in GET /v1/me, and lists learners for one', async () => {
    const { stdout } = await bash('vendor-on-behalf-of.sh');
    const [heading, delegation, ...rest] = stdout.split('\n');
    expect(heading).toBe('Example ePEP Ltd (vendor) acts for:');
    expect(delegation).toMatch(/^ {2}[0-9a-f-]{36} {2}Northbridge Borough Council \(la-code 990\)$/);
    const page = JSON.parse(rest.join('\n')) as { items: { responsibleAuthority: { code: string } }[] };
    expect(page.items).toHaveLength(2);
    expect(page.items.every((l) => l.responsibleAuthority.code === '990')).toBe(true);
  });
});

describe('versions.sh', () => {
  it('changes a learner with If-Match, and is refused with 412 for an old ETag and 428 without one', async () => {
    const { stdout } = await bash('versions.sh');
    const lines = stdout.trim().split('\n');
    const read = /^read learner ([0-9a-f-]{36}) at version "v(\d+)"$/.exec(lines[0]!);
    expect(read, stdout).not.toBeNull();
    const before = Number(read![2]);
    expect(lines[1]).toBe(`patched: now at version "v${before + 1}"`);
    expect(lines[2]).toBe('with the old ETag: 412');
    expect(lines[3]).toBe('without If-Match: 428');
    expect(lines.at(-1)).toMatch(new RegExp(`^version ${before + 1}: patched at `));
    expect(lines.slice(4)).toHaveLength(before + 1);
  });
});

describe('sync-from-mis.ts', () => {
  const credentials = () => ({
    baseUrl: api.baseUrl,
    clientId: 'demo-northbridge',
    clientSecret: 'demo-northbridge-secret',
  });
  const pupil = (overrides: Partial<MisPupil> = {}): MisPupil => ({
    upn: 'C990123424001',
    misId: 'STU-1001',
    forename: 'Amara',
    surname: 'Okafor-Lees',
    dob: '2013-05-14',
    careStatus: 'looked-after',
    legalStatus: 'C2',
    schoolUrn: '990002',
    schoolName: 'Northbridge Primary',
    admitted: '2024-09-04',
    ncYear: '8',
    ...overrides,
  });

  it('creates, then replaces, a learner by UPN, and reports a bad UPN field by field', async () => {
    const started = new Date().toISOString();
    const first = await nightlySync(credentials(), [
      pupil(),
      pupil({ upn: 'A990123424001', misId: 'STU-1002', forename: 'Jo' }),
    ]);
    expect(first.created).toBe(1);
    expect(first.replaced).toBe(0);
    expect(first.rejected).toHaveLength(1);
    expect(first.rejected[0]).toMatch(/^STU-1002 \/identifiers\/0\/value upn-check-letter: /);
    expect(first.changed).toBeGreaterThan(20);

    const second = await nightlySync(credentials(), [pupil({ ncYear: '9' })], started);
    expect(second).toMatchObject({ created: 0, replaced: 1, rejected: [] });
    // Only what changed since the first run: the learner it just replaced.
    expect(second.changed).toBe(1);
    expect(second.lastChange! > started).toBe(true);
  });

  it('follows next links through every page', async () => {
    const api1 = connect(credentials());
    const ids = new Set<string>();
    for await (const learner of changedLearners(api1)) ids.add(learner.id);
    const all = (await (await api1('/v1/learners?limit=200')).json()) as { items: unknown[]; next?: string };
    expect(all.next).toBeUndefined();
    expect(ids.size).toBe(all.items.length);
  });

  it('acts for an organisation as a vendor, with CELR-On-Behalf-Of', async () => {
    const northbridge = await api.prisma.organisation.findFirstOrThrow({
      where: { kind: 'local-authority', laCode: '990' },
    });
    const vendor = connect({
      baseUrl: api.baseUrl,
      clientId: 'demo-vendor',
      clientSecret: 'demo-vendor-secret',
      onBehalfOf: northbridge.id,
    });
    const result = await syncPupil(
      vendor,
      toLearner(pupil({ upn: 'C990123424001', ncYear: '10' }), {
        code: '990',
        name: 'Northbridge Borough Council',
      }),
    );
    expect(result.created).toBe(false);
    // A vendor without a delegation from the organisation is refused, with a problem document.
    const stranger = connect({
      ...credentials(),
      clientId: 'demo-vendor',
      clientSecret: 'demo-vendor-secret',
      onBehalfOf: '00000000-0000-4000-8000-000000000000',
    });
    const refused = await stranger('/v1/learners').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).problem.status).toBe(403);
  });
});

describe('validate-offline.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celr-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it('finds no problem in the valid examples and every problem in the invalid ones', () => {
    for (const example of validExamples) {
      expect(checkFile(example.kind, file(`${example.kind}-${example.name}.json`, example.value))).toEqual(
        [],
      );
    }
    const wrongUpn = invalidExamples.find((e) => e.name === 'upn-wrong-check-letter')!;
    const lines = checkFile('learner', file('wrong-upn.json', wrongUpn.value));
    expect(lines[0]).toMatch(
      /^\/identifiers\/0\/value upn-check-letter 'A990123424001' fails the DfE UPN check/,
    );
    expect(
      checkFile('learner', file('no-jurisdiction.json', { ...englandLearner, jurisdiction: undefined })),
    ).toEqual([expect.stringMatching(/^\/jurisdiction required /)]);
  });

  it('lists the JSON Schema files that ship in @celr/schema', () => {
    const files = jsonSchemaFiles();
    expect(files.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        'learner-input.schema.json',
        'learner-input-england.schema.json',
        'problem.schema.json',
      ]),
    );
    for (const f of files) expect(JSON.parse(readFileSync(f.path, 'utf8')).$id).toMatch(/^https:\/\//);
  });
});

describe('transfer-a-learner.ts', () => {
  const as = (org: 'northbridge' | 'eastmere' | 'glenmoray') =>
    connect({ baseUrl: api.baseUrl, clientId: `demo-${org}`, clientSecret: `demo-${org}-secret` });

  it('sends a learner, finds it in the inbox, and accepts it with every record', async () => {
    const northbridge = as('northbridge');
    const [learner] = (
      (await (await northbridge('/v1/learners?limit=1')).json()) as {
        items: { id: string; name: { family: string } }[];
      }
    ).items;
    const sent = await sendLearner(northbridge, learner!.id, { scheme: 'la-code', code: '991' });
    expect(sent.status).toBe('pending');
    // A retry with the same key is the same transfer.
    expect((await sendLearner(northbridge, learner!.id, { scheme: 'la-code', code: '991' })).id).toBe(
      sent.id,
    );
    const eastmere = as('eastmere');
    expect((await pendingTransfers(eastmere)).map((t) => t.id)).toContain(sent.id);
    const { name, result } = await acceptTransfer(eastmere, sent.id);
    expect(name.family).toBe(learner!.name.family);
    expect(result.learner.outcome).toBe('created');
    expect(result.plans.created).toHaveLength(sent.counts.plans);
    expect(result.meetings.created).toHaveLength(sent.counts.meetings);
    expect(result.transition.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps English codes without a Scottish counterpart for review when the learner moves to Scotland', async () => {
    const northbridge = as('northbridge');
    const page = (await (await northbridge('/v1/learners?limit=200&status=looked-after')).json()) as {
      items: { id: string; careStatus: { legalStatus?: string } }[];
    };
    // Not a learner another test of this file has already sent (its records are no longer
    // Northbridge's to send): which learner comes first depends on the demo's write order.
    const transfers = (await (await northbridge('/v1/transfers?limit=200')).json()) as {
      items: { learnerId: string | null }[];
    };
    const sentBefore = new Set(transfers.items.map((t) => t.learnerId));
    const learner = page.items.find((l) => l.careStatus.legalStatus && !sentBefore.has(l.id))!;
    const sent = await sendLearner(northbridge, learner.id, { scheme: 'council-code', code: 'S12000099' });
    const { result } = await acceptTransfer(as('glenmoray'), sent.id);
    expect(result.review).toContainEqual(
      expect.objectContaining({
        pointer: '/careStatus/legalStatus',
        value: learner.careStatus.legalStatus,
        list: 'england-legal-status',
      }),
    );
  });
});

describe('webhook-receiver.ts', () => {
  const northbridge = () =>
    connect({ baseUrl: api.baseUrl, clientId: 'demo-northbridge', clientSecret: 'demo-northbridge-secret' });
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterAll(async () => {
    receiver?.server.closeAllConnections();
    await new Promise((resolve) => receiver?.server.close(resolve) ?? resolve(undefined));
  });

  /** Runs the API's webhook worker (the server polls; the tests step it) until `done`, for 10 s at most. */
  async function tickUntil(done: () => boolean) {
    const until = Date.now() + 10_000;
    for (;;) {
      await api.app.webhooks!.tick();
      await receiver!.events.idle();
      if (done()) return;
      if (Date.now() > until) throw new Error('no delivery within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('subscribes, verifies a delivery, and fetches the changed learner; a replay is dropped', async () => {
    const client = northbridge();
    receiver = await startReceiver(client);
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/celr-hooks$/);
    expect(receiver.subscription.secret).toMatch(/^whsec_/);

    // A new learner: `created` and `visible` are delivered, and the receiver fetches them.
    const learner = (await (
      await client('/v1/learners', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...englandLearner, identifiers: [] }),
      })
    ).json()) as { id: string; meta: { version: number } };
    await tickUntil(() => receiver!.copy.version('learner', learner.id) === learner.meta.version);

    // A change to it: `updated`, and the receiver fetches the new version.
    const patched = await client(`/v1/learners/${learner.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': `"v${learner.meta.version}"` },
      body: JSON.stringify({
        views: [{ recordedOn: '2026-02-02', text: 'I would like a laptop for homework.', how: 'In her PEP' }],
      }),
    });
    const version = ((await patched.json()) as { meta: { version: number } }).meta.version;
    expect(version).toBe(learner.meta.version + 1);

    await tickUntil(() => receiver!.copy.version('learner', learner.id) === version);
    const held = receiver.copy.records.get(`learner/${learner.id}`)!;
    expect(held.record).toMatchObject({
      id: learner.id,
      views: [expect.objectContaining({ how: 'In her PEP' })],
    });

    const log = (await (
      await client(`/v1/webhook-subscriptions/${receiver.subscription.id}/deliveries`)
    ).json()) as { items: { id: string; status: string; lastStatusCode?: number }[] };
    expect(log.items[0]).toMatchObject({ status: 'delivered', lastStatusCode: 204 });

    // A replay has the same webhook-id: the receiver answers 2xx and does not handle it again.
    const handled = vi.spyOn(receiver.copy, 'version');
    await client(
      `/v1/webhook-subscriptions/${receiver.subscription.id}/deliveries/${log.items[0]!.id}/replay`,
      { method: 'POST' },
    );
    await api.app.webhooks!.tick();
    await receiver.events.idle();
    const replayed = (await (
      await client(`/v1/webhook-subscriptions/${receiver.subscription.id}/deliveries`)
    ).json()) as { items: { id: string; status: string; attempts: number }[] };
    expect(replayed.items.find((d) => d.id === log.items[0]!.id)).toMatchObject({
      status: 'delivered',
      attempts: 2,
    });
    expect(handled).not.toHaveBeenCalled();
  });

  it('rejects a delivery without a valid signature with 400, and handles nothing', async () => {
    const before = receiver!.copy.records.size;
    const body = JSON.stringify({
      type: 'celr.change',
      timestamp: new Date().toISOString(),
      data: { change: 'hidden', recordKind: 'learner', recordId: 'x', learnerId: 'x' },
    });
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_forged',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    };
    const forged = await fetch(receiver!.url, {
      method: 'POST',
      headers: { ...headers, 'webhook-signature': `v1,${randomBytes(32).toString('base64')}` },
      body,
    });
    expect(forged.status).toBe(400);
    const unsigned = await fetch(receiver!.url, { method: 'POST', headers, body });
    expect(unsigned.status).toBe(400);
    await receiver!.events.idle();
    expect(receiver!.copy.records.size).toBe(before);
  });

  it('drops a deleted record, and forgets a learner who is hidden with everything about them', async () => {
    const copy = new LocalCopy();
    const handle = changeHandler(northbridge(), copy);
    copy.put('learner', 'l1', 'l1', { meta: { version: 3 } });
    copy.put('plan', 'p1', 'l1', { meta: { version: 1 } });
    copy.put('plan', 'p2', 'l2', { meta: { version: 1 } });
    const event = (change: string, recordKind: string, recordId: string, learnerId: string) =>
      ({
        type: 'celr.change',
        timestamp: new Date().toISOString(),
        data: { change, recordKind, recordId, learnerId },
      }) as Parameters<typeof handle>[0];
    await handle(event('deleted', 'plan', 'p2', 'l2'));
    expect([...copy.records.keys()]).toEqual(['learner/l1', 'plan/p1']);
    await handle(event('hidden', 'learner', 'l1', 'l1'));
    expect(copy.records.size).toBe(0);
  });
});

describe('bulk-exchange.sh', () => {
  it('exports everything, sends the file back (unchanged lines write nothing) and reads the feed from the export cursor', async () => {
    const { stdout } = await bash('bulk-exchange.sh');
    const lines = stdout.trim().split('\n');
    const records = Number(/^exported (\d+) records$/.exec(lines[0]!)?.[1]);
    expect(records, stdout).toBeGreaterThan(50);
    const job = /^queued (\/v1\/bulk\/import\/[0-9a-f-]{36})$/.exec(lines[1]!)?.[1];
    expect(job, stdout).toBeDefined();
    const summary =
      /^(succeeded|partially-succeeded): (\d+) lines, 0 created, 0 updated, (\d+) unchanged, (\d+) failed$/.exec(
        lines[2]!,
      );
    expect(summary, stdout).not.toBeNull();
    const [unchanged, failed] = [Number(summary![3]), Number(summary![4])];
    expect(Number(summary![2])).toBe(records);
    expect(unchanged + failed).toBe(records);
    // Nothing fails, not even the records Northbridge may read but no longer write (the learner the
    // transfer test sent to Eastmere, and their records): an identical line needs no write permission.
    expect(failed, stdout).toBe(0);
    expect(unchanged).toBe(records);
    expect(lines.slice(3, -1)).toEqual([]);
    // The guide says so, and shows such a run.
    const guide = readFileSync(join(DOCS_DIR, 'site/guides/integrate-mis.md'), 'utf8');
    expect(guide).toMatch(/^succeeded: (\d+) lines, 0 created, 0 updated, \1 unchanged, 0 failed$/m);
    expect(guide).not.toMatch(/fails with `forbidden`\s+even when nothing in it changed/);
    console.info(stdout);
    expect(lines.at(-1)).toMatch(/^changes since the export: \d+$/);

    // Identical records write nothing: no feed entry is as recent as the import.
    const northbridge = connect({
      baseUrl: api.baseUrl,
      clientId: 'demo-northbridge',
      clientSecret: 'demo-northbridge-secret',
    });
    const { createdAt } = (await (await northbridge(job!)).json()) as { createdAt: string };
    const feed: { at: string }[] = [];
    for (let next: string | undefined = '/v1/changes?limit=1000'; next; ) {
      const page = (await (await northbridge(next)).json()) as { items: { at: string }[]; next?: string };
      feed.push(...page.items);
      next = page.next;
    }
    expect(feed.length).toBeGreaterThan(0);
    expect(feed.filter((c) => c.at >= createdAt)).toEqual([]);
  });
});

describe('bulk-exchange.ts', () => {
  const credentials = { clientId: 'demo-northbridge', clientSecret: 'demo-northbridge-secret' };
  const northbridge = () => createCelrClient({ ...credentials, baseUrl: api.baseUrl });
  /** A pupil with a UPN of its own (LA 990, the nth of this test) and MIS id STU-20nn. */
  const pupil = (n: number, overrides: Partial<MisPupil> = {}): MisPupil => {
    const digits = `99020000${String(n).padStart(4, '0')}`;
    return {
      upn: `${upnCheckLetter(`A${digits}`)}${digits}`,
      misId: `STU-${2000 + n}`,
      forename: ['Callum', 'Priya', 'Tomasz', 'Aisha', 'Kieran'][n % 5]!,
      surname: 'Whitcombe',
      dob: '2012-11-03',
      careStatus: 'looked-after',
      legalStatus: 'C2',
      schoolUrn: '990002',
      schoolName: 'Northbridge Primary',
      admitted: '2024-09-04',
      ncYear: '8',
      ...overrides,
    };
  };
  const cohort = [
    pupil(1),
    pupil(2, { upn: 'A990123424001' }),
    pupil(3),
    pupil(4, { dob: '03/11/2012' }),
    pupil(5),
  ];

  it('sends a cohort per record: writes the good pupils and reports each bad one by line, pointer and rule', async () => {
    const run = (runId: string, pupils = cohort) =>
      nightlyResend({ ...credentials, baseUrl: api.baseUrl }, pupils, runId);
    const first = await run('2026-11-24');
    expect(first).toMatchObject({
      replayed: false,
      status: 'partially-succeeded',
      counts: { created: 3, updated: 0, unchanged: 0, failed: 2 },
    });
    expect(first.rejected).toEqual([
      expect.stringMatching(/^STU-2002 \(line 2\) \/identifiers\/0\/value upn-check-letter: /),
      expect.stringMatching(
        /^STU-2004 \(line 4\) \/dateOfBirth format: '03\/11\/2012' is not a valid date: write it as YYYY-MM-DD/,
      ),
    ]);
    console.info(first.rejected.join('\n'));

    // The same run retried: the same job, imported once.
    const retried = await run('2026-11-24');
    expect(retried).toMatchObject({ id: first.id, replayed: true, counts: first.counts });

    // The next night, nothing changed: nothing is written.
    const again = await run('2026-11-25');
    expect(again.id).not.toBe(first.id);
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 3, failed: 2 });

    // A pupil moved up a year and the two fixed: one replaced, two created, the rest unchanged.
    const fixed = [pupil(1), pupil(2), pupil(3, { ncYear: '9' }), pupil(4), pupil(5)];
    const third = await run('2026-11-26', fixed);
    expect(third).toMatchObject({
      status: 'succeeded',
      counts: { created: 2, updated: 1, unchanged: 2, failed: 0 },
      rejected: [],
    });
  });

  it('all-or-nothing: one bad line and nothing is written', async () => {
    const celr = northbridge();
    const pupils = [pupil(11), pupil(12, { dob: '2012-13-01' })];
    const { job } = await startImport(celr, cohortFile(pupils), {
      mode: 'all-or-nothing',
      idempotencyKey: 'docs-all-or-nothing',
    });
    const done = await finished(celr, job.id);
    expect(done).toMatchObject({ status: 'failed', counts: { created: 0, failed: 1 } });
    const found = await celr.GET('/v1/learners', {
      params: { query: { identifier: `upn|${pupils[0]!.upn}` } },
    });
    expect(found.items).toEqual([]);
  });

  it('exports everything to a file, and follows the change feed from its cursor', async () => {
    const celr = northbridge();
    const dir = mkdtempSync(join(tmpdir(), 'celr-export-'));
    try {
      const file = join(dir, 'cohort.ndjson');
      const { cursor, records } = await exportAll(celr, file);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(records);
      const kinds = lines.map((l) => (JSON.parse(l) as { kind: string }).kind);
      expect(kinds[0]).toBe('learner');
      expect(new Set(kinds)).toEqual(new Set(['learner', 'plan', 'meeting', 'transition']));

      // A change after the export is in the feed from the export's cursor.
      const [learner] = (
        await celr.GET('/v1/learners', { params: { query: { identifier: `upn|${pupil(1).upn}` } } })
      ).items;
      const changed = await celr.update('learner', learner!.id, (l) => ({
        ...l,
        views: [{ recordedOn: '2026-11-24', text: 'I like art club.', how: 'At her PEP meeting' }],
      }));
      const seen: { change: string; recordId: string; version?: number }[] = [];
      const next = await followChanges(celr, cursor, (entry) => void seen.push(entry));
      expect(seen).toContainEqual(
        expect.objectContaining({ change: 'updated', recordId: learner!.id, version: changed.meta.version }),
      );
      // Followed to the end: from the cursor it returned there is nothing more.
      expect(await followChanges(celr, next, () => {})).toBe(next);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('load-a-ctf.ts', () => {
  it("loads a school's CTF: the held pupil's attendance and results are updated, the other pupil is listed", async () => {
    const school = createCelrClient({
      baseUrl: api.baseUrl,
      clientId: 'demo-school-eastmere-park',
      clientSecret: 'demo-school-eastmere-park-secret',
    });
    type Held = {
      record: { id: string; dateOfBirth: string; identifiers?: { system: string; value: string }[] };
    };
    const held = (await heldLearners(school)) as Held[];
    // A pupil whose UPN no other learner the school sees has: the transfer examples above leave
    // two copies of a transferred learner, and the loader refuses to guess between them.
    const upnOf = (l: Held) => l.record.identifiers?.find((i) => i.system === 'upn')?.value;
    const pupil = held.find(
      (l) => upnOf(l) && held.filter((o) => upnOf(o) === upnOf(l)).length === 1,
    )!.record;
    const upn = upnOf({ record: pupil })!;
    // A fictional CTF: the school's pupil, and one CELR does not hold.
    const dir = mkdtempSync(join(tmpdir(), 'celr-ctf-'));
    const file = join(dir, 'CTF_in.xml');
    writeFileSync(
      file,
      `<CTfile>\n<Header><CTFversion>25.0</CTFversion></Header>\n<CTFpupilData>\n` +
        `<Pupil><UPN>${upn}</UPN><Surname>Held</Surname><Forename>Pupil</Forename><DOB>${pupil.dateOfBirth}</DOB>` +
        '<Attendance><YearData><Year>2023</Year><LEA>990</LEA><Estab>4001</Estab><SchoolName>Eastmere Park Academy</SchoolName>' +
        '<SessionsPossible>318</SessionsPossible><SessionsAuthorised>12</SessionsAuthorised><SessionsUnauthorised>3</SessionsUnauthorised></YearData></Attendance>' +
        '<StageAssessments><KeyStage><Stage>KS2</Stage><StageAssessment><Subject>REA</Subject><Method>TT</Method><Component>SCL</Component>' +
        '<Result>104</Result><ResultDate>2024-07-09</ResultDate></StageAssessment></KeyStage></StageAssessments></Pupil>\n' +
        '<Pupil><UPN>N990777000011</UPN><Surname>Fictional</Surname><Forename>Jonah</Forename><DOB>2014-01-20</DOB></Pupil>\n' +
        '</CTFpupilData>\n</CTfile>\n',
    );
    try {
      const loaded = await loadCtf(school, file, 'docs-test');
      expect(loaded).toEqual({
        counts: { created: 0, updated: 1, unchanged: 0, failed: 0 },
        problems: [],
        notHeld: ['N990777000011 (line 5)'],
        rejected: [],
      });
      const after = (await school.get('learner', pupil.id)) as unknown as Record<string, unknown[]>;
      expect(after.attendance).toContainEqual({
        period: { start: '2023-09-01', end: '2024-08-31' },
        possibleSessions: 318,
        attendedSessions: 303,
        authorisedAbsenceSessions: 12,
        unauthorisedAbsenceSessions: 3,
        source: 'Common Transfer File from Eastmere Park Academy, LAESTAB 9904001',
      });
      expect(after.attainment).toContainEqual({
        subject: 'Reading',
        measure: 'KS2 TT SCL (CTF)',
        result: '104',
        assessedOn: '2024-07-09',
      });
      // Loading the same file again writes nothing.
      expect((await loadCtf(school, file, 'docs-test-again')).counts).toEqual({
        created: 0,
        updated: 0,
        unchanged: 1,
        failed: 0,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Last in the file: the programs send a transfer that the tests above do not expect.
describe('the guides’ examples run as programs', () => {
  const env = (org: string) => ({
    CELR_API_URL: api.baseUrl,
    CELR_CLIENT_ID: `demo-${org}`,
    CELR_CLIENT_SECRET: `demo-${org}-secret`,
  });
  const program = (file: string, args: string[], org: string, cwd = EXAMPLES) =>
    runTypeScript(join(EXAMPLES, file), args, { cwd, env: env(org) });

  it('sync-from-mis.ts sends the pupils of an MIS extract, then again replaces them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celr-sync-program-'));
    try {
      const upnBody = '990123499001';
      const pupil: MisPupil = {
        upn: `${upnCheckLetter(`X${upnBody}`)}${upnBody}`,
        misId: 'STU-9001',
        forename: 'Program',
        surname: 'Run',
        dob: '2013-05-14',
        careStatus: 'looked-after',
        legalStatus: 'C2',
        schoolUrn: '990002',
        schoolName: 'Northbridge Primary',
        admitted: '2024-09-04',
        ncYear: '8',
      };
      writeFileSync(join(dir, 'pupils.json'), JSON.stringify([pupil]));
      const first = await program('sync-from-mis.ts', [join(dir, 'pupils.json')], 'northbridge', dir);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ created: 1, replaced: 0, rejected: [] });
      const { lastChange } = JSON.parse(first.stdout) as { lastChange: string };
      const again = await program(
        'sync-from-mis.ts',
        [join(dir, 'pupils.json'), lastChange],
        'northbridge',
        dir,
      );
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, replaced: 1, rejected: [] });
      const usage = await program('sync-from-mis.ts', [], 'northbridge', dir);
      expect(usage.code).toBe(1);
      expect(usage.stderr).toMatch(/^Usage: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('transfer-a-learner.ts sends a learner, and the recipient finds it in its inbox', async () => {
    const northbridge = connect({
      baseUrl: api.baseUrl,
      ...{ clientId: 'demo-northbridge', clientSecret: 'demo-northbridge-secret' },
    });
    const { items } = (await (await northbridge('/v1/learners?limit=200')).json()) as {
      items: { id: string }[];
    };
    const learnerId = items.at(-1)!.id;
    const sent = await program('transfer-a-learner.ts', ['send', learnerId, 'la-code', '991'], 'northbridge');
    expect(sent.code, sent.stderr).toBe(0);
    const transfer = JSON.parse(sent.stdout) as { id: string; status: string };
    expect(transfer.status).toBe('pending');
    const inbox = await program('transfer-a-learner.ts', ['inbox'], 'eastmere');
    expect(inbox.code, inbox.stderr).toBe(0);
    expect((JSON.parse(inbox.stdout) as { id: string }[]).map((t) => t.id)).toContain(transfer.id);
    const wrong = await program('transfer-a-learner.ts', ['sned'], 'eastmere');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Usage: transfer-a-learner\.ts send /);
  });
});

describe('quickstart.py', () => {
  it('gets a token, lists, creates, changes with If-Match (a stale ETag gets 412) and reads the feed, with only the standard library', async () => {
    const { stdout, stderr } = await run('python3', ['-I', join(EXAMPLES, 'quickstart.py')], {
      env: { PATH: process.env.PATH ?? '', CELR_URL: api.baseUrl },
      timeout: 60_000,
    });
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^token: \d+ characters$/);
    expect(Number(/^learners: (\d+)$/.exec(lines[1]!)?.[1])).toBeGreaterThan(0);
    const created = /^created ([0-9a-f-]{36}) \(UPN ([A-Z]\d{12})\), version 1, ETag "v1"$/.exec(lines[2]!);
    expect(created, stdout).not.toBeNull();
    expect(lines.slice(3)).toEqual([
      'changed to version 2, ETag "v2"',
      'the old ETag is refused: 412 urn:celr:problem:precondition-failed',
      expect.stringMatching(
        /^refused: \/identifiers\/0\/value upn-check-letter: '[A-Z]\d{12}' fails the DfE UPN check/,
      ),
      'changes since the start: visible, created, updated',
    ]);
    // The learner is in the API as the script left it.
    const northbridge = connect({
      baseUrl: api.baseUrl,
      clientId: 'demo-northbridge',
      clientSecret: 'demo-northbridge-secret',
    });
    const stored = (await (await northbridge(`/v1/learners/${created![1]}`)).json()) as {
      name: { preferred: string };
      identifiers: { value: string }[];
    };
    expect(stored.name.preferred).toBe('Sammy');
    expect(stored.identifiers[0]!.value).toBe(created![2]);
  });

  it('is on the Python quickstart page, every region of it', () => {
    const page = readFileSync(join(DOCS_DIR, 'site/guides/python.md'), 'utf8');
    const source = readFileSync(join(EXAMPLES, 'quickstart.py'), 'utf8');
    const regions = [...source.matchAll(/^# region (\w+)$/gm)].map((m) => m[1]);
    expect(regions).toEqual(['problem', 'token', 'list', 'create', 'update', 'changes', 'run']);
    for (const region of regions.filter((r) => r !== 'run'))
      expect(page).toContain(`<<< @/../examples/quickstart.py#${region}{python}`);
  });
});
