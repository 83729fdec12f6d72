/**
 * The `celr` command-line tool run as a process: validate offline, import into and export from the
 * API running on a real socket (bulk import jobs and the streamed export), and an import
 * interrupted and run again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { englandMeeting, englandPlan } from '@celr/schema';
import { type CelrClient, createCelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';
import { learner, meeting, plan, upn } from './support/records.js';

let api: RunningApi;
let client: CelrClient;
const scratch = scratchFolder();
const dir = scratch.dir;

beforeAll(async () => {
  api = await startApi();
  // `celr import` sends bulk import jobs: the API's worker runs them (a new job wakes it).
  api.app.bulkImports?.start();
  client = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
  });
});
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

const ndjson = (...values: unknown[]) =>
  `${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n')}\n`;
const write = (name: string, content: string) => {
  writeFileSync(join(dir, name), content);
  return name;
};
async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('celr validate', () => {
  it('exits 0 when every record in the files and folders is valid', async () => {
    mkdirSync(join(dir, 'valid'), { recursive: true });
    write(
      'valid/learners.ndjson',
      ndjson({ kind: 'learner', record: learner(1) }, { kind: 'learner', ...learner(2) }),
    );
    write('valid/plans.json', JSON.stringify({ kind: 'plan', records: [englandPlan, englandPlan] }));
    write('valid/one-meeting.json', JSON.stringify({ kind: 'meeting', record: englandMeeting }));
    write('bare-plans.ndjson', ndjson(englandPlan));
    const [folder, withKind] = await Promise.all([
      celr(['validate', 'valid'], { cwd: dir }),
      celr(['validate', '--kind', 'plan', 'bare-plans.ndjson'], { cwd: dir }),
    ]);
    expect(folder).toMatchObject({ code: 0, stdout: '5 records in 3 files: all valid.\n', stderr: '' });
    expect(withKind).toMatchObject({ code: 0, stdout: '1 record in 1 file: all valid.\n' });
  });

  it('exits 1 and lists every error with its file, line or index, pointer and rule', async () => {
    write(
      'bad.ndjson',
      ndjson(
        { kind: 'learner', record: learner(3) },
        { kind: 'learner', record: { ...learner(4), dateOfBirth: '2013-02-30', nickname: 'Mara' } },
        '{"kind": "plan", ',
        englandPlan,
        { kind: 'pupil', record: {} },
      ),
    );
    write(
      'bad-plans.json',
      JSON.stringify(
        [englandPlan, { ...englandPlan, status: 'sleeping' }].map((p) => ({ kind: 'plan', ...p })),
      ),
    );
    const [text, json] = await Promise.all([
      celr(['validate', 'bad.ndjson', 'bad-plans.json'], { cwd: dir }),
      celr(['validate', '--json', 'bad.ndjson', 'bad-plans.json'], { cwd: dir }),
    ]);
    expect(text.code).toBe(1);
    expect(text.stdout.split('\n')).toEqual([
      "bad.ndjson:2: learner /nickname unknown-property: 'nickname' is not a property of this object.",
      "bad.ndjson:2: learner /dateOfBirth format: '2013-02-30' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01.",
      expect.stringMatching(/^bad\.ndjson:3: \(record\) json: Not valid JSON: .+\(column \d+\)\.$/),
      expect.stringMatching(/^bad\.ndjson:4: \(record\) kind: Cannot tell what kind of record this is/),
      expect.stringMatching(/^bad\.ndjson:5: \/kind kind: "pupil" is not a kind of record/),
      "bad-plans.json[1]: plan /status enum: Must be one of: 'draft', 'active', 'under-review', 'completed', 'superseded'.",
      '',
    ]);
    expect(text.stderr).toBe('7 records in 2 files: 5 not valid (6 errors).\n');

    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ ok: false, files: 2, records: 7, valid: 2, invalid: 5 });
    expect(report.errors).toContainEqual({
      file: 'bad.ndjson',
      line: 2,
      kind: 'learner',
      pointer: '/dateOfBirth',
      rule: 'format',
      message: "'2013-02-30' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01.",
    });
    expect(report.errors).toContainEqual(
      expect.objectContaining({ file: 'bad-plans.json', index: 1, pointer: '/status', rule: 'enum' }),
    );
  });

  // Every usage error and every command's help are tested in process (packages/sdk/test/cli.test.ts);
  // these check that the process exits with the code and prints to stderr.
  it('exits 2 on wrong usage, with a hint and never a stack trace', async () => {
    const runs = await Promise.all([
      celr([], { cwd: dir }),
      celr(['validate', 'missing.ndjson'], { cwd: dir }),
      celr(['validate', '--colour', 'bad.ndjson'], { cwd: dir }),
      celr(['import', 'bad.ndjson'], { cwd: dir }),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      noStack(run.stderr);
    }
    expect(runs.map((r) => r.stderr.split('\n')[0])).toEqual([
      'celr: the CELR command-line tool',
      'celr validate: missing.ndjson: no such file or folder.',
      "celr validate: Unknown option '--colour'.",
      'celr import: say how to reach the API: --api-url (or CELR_API_URL), --client-id (or CELR_CLIENT_ID), --client-secret (or CELR_CLIENT_SECRET) missing.',
    ]);
    expect(runs[1]?.stderr).toContain("Run 'celr validate --help' for usage.");
  });

  it('explains a command with --help, with an example', async () => {
    const { code, stdout } = await celr(['import', '--help'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^celr import: /);
    expect(stdout).toMatch(/Examples:\n {2}\$ celr import /);
  });
});

describe('celr import', () => {
  /** An exported record: its id and meta, as `celr export` writes it. */
  const exportedMeta = (id: string) => ({
    version: 4,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-02-01T00:00:00.000Z',
    recordedBy: { organisationId: id },
  });

  it('imports the good lines as a job, reports each bad one by line, and a fixed file replaces rather than copies', async () => {
    // An exported learner, plan and meeting (with ids), and records that refer to them by those ids.
    const exportedId = '11111111-1111-4111-8111-111111111111';
    const planId = '11111111-1111-4111-8111-111111111112';
    const meetingId = '11111111-1111-4111-8111-111111111113';
    const exported = { id: exportedId, meta: exportedMeta(exportedId), ...learner(100) };
    const rows = (fixed: boolean) =>
      ndjson(
        { kind: 'learner', record: exported },
        { kind: 'plan', record: { id: planId, ...plan(exportedId) } },
        { kind: 'learner', record: learner(101, fixed ? {} : { dateOfBirth: '2013-02-30' }) },
        {
          kind: 'learner',
          record: learner(102, fixed ? {} : { responsibleAuthority: { scheme: 'la-code', code: '991' } }),
        },
        fixed
          ? { kind: 'meeting', record: meeting(exportedId, { summary: 'Fixed row' }) }
          : '{"kind": "meeting"',
        { kind: 'meeting', record: { id: meetingId, ...meeting(exportedId) } },
        {
          kind: 'plan',
          record: plan(fixed ? exportedId : '22222222-2222-4222-8222-222222222222', { status: 'draft' }),
        },
      );
    write('rows.ndjson', rows(false));
    const env = api.env('northbridge');

    const first = await celr(['import', 'rows.ndjson'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(1);
    noStack(first.stderr);
    expect(first.stdout.split('\n')).toEqual([
      "rows.ndjson:3: learner /dateOfBirth format: '2013-02-30' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01.",
      expect.stringMatching(
        /^rows\.ndjson:4: learner \/responsibleAuthority\/code responsible-authority-is-caller: /,
      ),
      expect.stringMatching(/^rows\.ndjson:5: \(record\) json: Not valid JSON/),
      expect.stringMatching(/^rows\.ndjson:7: plan \/learnerId \S+: /),
      'rows.ndjson: 7 lines: 3 created, 0 updated, 0 unchanged, 4 failed.',
      '',
    ]);
    // Not a terminal: plain lines on stderr, the job, and how to go on.
    expect(first.stderr).toMatch(/^rows\.ndjson: sent as import job [0-9a-f-]{36}\.$/m);
    // The job's last state once, not again as a total.
    expect(first.stderr.match(/^import rows\.ndjson: 7\/7 .*$/gm)).toEqual([
      'import rows.ndjson: 7/7 (partially-succeeded, 4 failed)',
    ]);
    expect(first.stderr).toContain('Fix the failed lines and import them again');

    // The good lines are in the API, the plan and meeting attached to the learner's new id.
    const [imported] = await all(client.list('learner', { identifier: `upn|${upn(100)}` }));
    expect(imported?.id).not.toBe(exportedId);
    expect(await all(client.list('plan', { learner: imported!.id }))).toHaveLength(1);
    expect(await all(client.list('meeting', { learner: imported!.id }))).toHaveLength(1);

    // Fixed: a new import, in which the lines with ids written the first time are unchanged.
    write('rows.ndjson', rows(true));
    const second = await celr(['import', '--json', 'rows.ndjson'], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report).toEqual({
      file: 'rows.ndjson',
      mode: 'per-record',
      lines: 7,
      created: 4,
      updated: 0,
      unchanged: 3,
      failed: 0,
      jobs: [
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          part: 1,
          firstLine: 1,
          lastLine: 7,
          lines: 7,
          replayed: false,
          status: 'succeeded',
          counts: { created: 4, updated: 0, unchanged: 3, failed: 0 },
        },
      ],
      errors: [],
    });
    expect(await all(client.list('plan', { learner: imported!.id }))).toHaveLength(2);
    expect(await all(client.list('meeting', { learner: imported!.id }))).toHaveLength(2);
    expect(await all(client.list('learner', { identifier: `upn|${upn(101)}` }))).toHaveLength(1);
  });

  it('interrupted and run again, follows the same job: nothing is imported twice', async () => {
    // Records the API has no key for (a learner without identifiers, plans without ids): sent
    // twice as separate imports they would be created twice.
    const c = '44444444-4444-4444-8444-444444444444';
    const noIdentifiers = { ...learner(201), name: { given: 'Rerun', family: 'Without-Identifiers' } };
    delete (noIdentifiers as { identifiers?: unknown }).identifiers;
    write(
      'rerun.ndjson',
      ndjson(
        { kind: 'learner', record: { id: c, ...noIdentifiers } },
        { kind: 'plan', record: plan(c, { reviewDue: '2026-01-03' }) },
        { kind: 'plan', record: plan(c, { reviewDue: '2026-01-04' }) },
      ),
    );
    const env = api.env('northbridge');

    // Ctrl-C once the file is sent, while the command waits for the job.
    const interrupted = await celr(['import', 'rerun.ndjson'], {
      cwd: dir,
      env,
      interruptWhen: /sent as import job/,
    });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const jobId = /sent as import job ([0-9a-f-]{36})/.exec(interrupted.stderr)?.[1];
    expect(interrupted.stderr).toContain(
      `Interrupted: the import goes on in the API (job ${jobId}). Run the same command again to follow it; nothing is imported twice.`,
    );

    const again = await celr(['import', '--json', 'rerun.ndjson'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`rerun.ndjson: sent before, as import job ${jobId}; following it.`);
    expect(JSON.parse(again.stdout)).toMatchObject({
      created: 3,
      failed: 0,
      jobs: [{ id: jobId, replayed: true, status: 'succeeded' }],
    });
    // And once more: still the same job.
    const third = await celr(['import', '--json', 'rerun.ndjson'], { cwd: dir, env });
    expect(JSON.parse(third.stdout).jobs).toMatchObject([{ id: jobId, replayed: true }]);

    const learners = (await all(client.list('learner'))).filter(
      (l) => l.name.family === 'Without-Identifiers',
    );
    expect(learners).toHaveLength(1);
    const plans = await all(client.list('plan', { learner: learners[0]!.id }));
    expect(plans.map((p) => p.reviewDue).sort()).toEqual(['2026-01-03', '2026-01-04']);
  });

  it('sends a longer file as consecutive jobs, with errors at the lines of the file', async () => {
    const a = '55555555-5555-4555-8555-555555555555';
    const b = '66666666-6666-4666-8666-666666666666';
    write(
      'parts.ndjson',
      ndjson(
        { kind: 'learner', record: { id: a, ...learner(400) } },
        { kind: 'plan', record: plan(a, { reviewDue: '2026-02-01' }) },
        '',
        { kind: 'learner', record: { id: b, ...learner(401) } },
        // Refers to a learner sent in the first part, by the id it had in the file.
        { kind: 'plan', record: { ...plan(a), status: 'sleeping' } },
        { kind: 'meeting', record: meeting(b) },
      ),
    );
    const env = api.env('northbridge');
    const run = await celr(['import', '--part-lines', '2', '--json', 'parts.ndjson'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ lines: 5, created: 4, failed: 1 });
    expect(
      report.jobs.map((j: { part: number; firstLine: number; lastLine: number; lines: number }) => [
        j.part,
        j.firstLine,
        j.lastLine,
        j.lines,
      ]),
    ).toEqual([
      [1, 1, 3, 2],
      [2, 4, 5, 2],
      [3, 6, 6, 1],
    ]);
    expect(report.errors).toEqual([
      expect.objectContaining({
        file: 'parts.ndjson',
        line: 5,
        kind: 'plan',
        pointer: '/status',
        rule: 'enum',
      }),
    ]);
    expect(run.stderr).toMatch(/^part 2\/3 \(lines 4-5\): sent as import job /m);
    const [learnerB] = await all(client.list('learner', { identifier: `upn|${upn(401)}` }));
    expect(await all(client.list('meeting', { learner: learnerB!.id }))).toHaveLength(1);

    // All or nothing cannot span several imports: refused before anything is sent.
    const refused = await celr(['import', '--mode', 'all-or-nothing', '--part-lines', '2', 'parts.ndjson'], {
      cwd: dir,
      env,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n')[0]).toBe(
      'celr import: --mode all-or-nothing: parts.ndjson has 5 records, more than one import takes (--part-lines 2). It would be sent as 3 imports, and none can undo another. Import it per record, or in one part with a larger --part-lines if the API accepts that many.',
    );
  });

  it('all or nothing: one bad line and nothing is written', async () => {
    write('atomic.ndjson', ndjson(learner(500), { ...learner(501), dateOfBirth: 'soon' }, learner(502)));
    const run = await celr(['import', '--mode', 'all-or-nothing', '--kind', 'learner', 'atomic.ndjson'], {
      cwd: dir,
      env: api.env('northbridge'),
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toBe(
      "atomic.ndjson:2: learner /dateOfBirth format: 'soon' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01.\natomic.ndjson: 3 lines: 0 created, 0 updated, 0 unchanged, 1 failed.\n",
    );
    expect(run.stderr).toContain('Nothing was written (--mode all-or-nothing)');
    expect(await all(client.list('learner', { identifier: `upn|${upn(500)}` }))).toHaveLength(0);
  });
});

describe('celr export', () => {
  it('writes one learner with their records, which validate and carry their ids', async () => {
    const owner = await client.create('learner', learner(300));
    const p = await client.create('plan', plan(owner.id));
    await client.create('meeting', meeting(owner.id, { planId: p.id }));
    const env = api.env('northbridge');
    const one = await celr(['export', '--learner', owner.id, '--out', 'one.ndjson'], { cwd: dir, env });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toMatch(
      /Exported 1 learner, 1 plan, 1 meeting to one\.ndjson\.\nChange-feed cursor: \S+ \(GET \/v1\/changes\?after=\S+ lists what changed since the export began\)\.\n$/,
    );
    const lines = readFileSync(join(dir, 'one.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.kind, l.record.id])).toEqual([
      ['learner', owner.id],
      ['plan', p.id],
      ['meeting', expect.any(String)],
    ]);
    const [checked, everything, vendor] = await Promise.all([
      celr(['validate', 'one.ndjson'], { cwd: dir }),
      celr(['export'], { cwd: dir, env }),
      celr(['export'], { cwd: dir, env: api.env('vendor', { CELR_ON_BEHALF_OF: api.orgs.northbridge.id }) }),
    ]);
    expect(checked).toMatchObject({ code: 0, stdout: '3 records in 1 file: all valid.\n' });
    const visible =
      (await all(client.list('learner'))).length +
      (await all(client.list('plan'))).length +
      (await all(client.list('meeting'))).length +
      (await all(client.list('transition'))).length;
    expect(everything.code).toBe(0);
    expect(everything.stdout.trim().split('\n')).toHaveLength(visible);
    // A vendor acting for Northbridge sees what Northbridge sees.
    expect(vendor.stdout).toBe(everything.stdout);
  });

  it('exports some kinds, or what changed since a time, and gives the cursor to follow the change feed from', async () => {
    const owner = await client.create('learner', learner(310));
    await client.create('plan', plan(owner.id));
    const env = api.env('northbridge');
    const plans = await celr(['export', '--learner', owner.id, '--kind', 'plan'], { cwd: dir, env });
    expect(plans.code, plans.stderr).toBe(0);
    expect(
      plans.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).kind),
    ).toEqual(['plan']);
    expect(plans.stderr).toMatch(/^Exported 0 learners, 1 plan\.$/m);
    const cursor = /^Change-feed cursor: (\S+) /m.exec(plans.stderr)?.[1];
    expect(cursor).toBeDefined();

    // Written after the export began: in the change feed from its cursor, and in an export --since.
    const later = new Date().toISOString();
    const added = await client.create('meeting', meeting(owner.id));
    const changes = await client.GET('/v1/changes', { params: { query: { after: cursor! } } });
    expect(changes.items.map((c) => c.recordId)).toContain(added.id);
    const since = await celr(['export', '--since', later, '--kind', 'meeting', '--kind', 'plan'], {
      cwd: dir,
      env,
    });
    expect(since.code, since.stderr).toBe(0);
    expect(
      since.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).record.id),
    ).toEqual([added.id]);

    const wrong = await celr(['export', '--kind', 'pupil', '--since', 'yesterday'], { cwd: dir, env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /^celr export: --kind pupil: use one of learner, plan, meeting, transition\.$/m,
    );
  });

  it('fails with a clear message when the API refuses the client', async () => {
    const run = await celr(['export', '--learner', 'not-a-uuid'], { cwd: dir, env: api.env('northbridge') });
    expect(run).toMatchObject({ code: 2 });
    const refused = await celr(['export', '--out', 'refused.ndjson'], {
      cwd: dir,
      env: { ...api.env('northbridge'), CELR_CLIENT_SECRET: 'wrong' },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^celr export: HTTP 401 Unknown client, wrong secret, or revoked client\. \(request id .+\)$/m,
    );
    noStack(refused.stderr);
    // No output file, whole or partial.
    expect(existsSync(join(dir, 'refused.ndjson'))).toBe(false);
    expect(existsSync(join(dir, 'refused.ndjson.partial'))).toBe(false);
  });
});
