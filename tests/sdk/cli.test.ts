/**
 * The `celr` command-line tool run as a process: validate offline, import into and export from the
 * API running on a real socket, and an import killed halfway and resumed.
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
      'bad.ndjson:2: learner /dateOfBirth format: Must match format "date".',
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
      message: 'Must match format "date".',
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
  it('imports the good rows, reports each bad one, and imports the fixed ones on the next run', async () => {
    // An exported learner (with its id and meta) and records that refer to it by that id.
    const exportedId = '11111111-1111-4111-8111-111111111111';
    const exported = {
      id: exportedId,
      meta: {
        version: 4,
        createdAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-02-01T00:00:00.000Z',
        recordedBy: { organisationId: exportedId },
      },
      ...learner(100),
    };
    const rows = (fixed: boolean) =>
      ndjson(
        { kind: 'learner', record: exported },
        { kind: 'plan', record: plan(exportedId) },
        { kind: 'learner', record: learner(101, fixed ? {} : { dateOfBirth: '2013-02-30' }) },
        {
          kind: 'learner',
          record: learner(102, fixed ? {} : { responsibleAuthority: { scheme: 'la-code', code: '991' } }),
        },
        fixed
          ? { kind: 'meeting', record: meeting(exportedId, { summary: 'Fixed row' }) }
          : '{"kind": "meeting"',
        { kind: 'meeting', record: meeting(exportedId) },
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
    const report = first.stdout.split('\n');
    expect(report).toEqual([
      'rows.ndjson:3: learner /dateOfBirth format: Must match format "date".',
      expect.stringMatching(
        /^rows\.ndjson:4: learner \/responsibleAuthority\/code responsible-authority-is-caller: Must be 990\.$/,
      ),
      expect.stringMatching(/^rows\.ndjson:5: \(record\) json: Not valid JSON/),
      expect.stringMatching(/^rows\.ndjson:7: plan \/learnerId learner-exists: No learner with this id/),
      'rows.ndjson: 7 lines: 3 created, 0 updated, 4 failed.',
      '',
    ]);
    // Not a terminal: plain progress lines on stderr, and how to go on.
    expect(first.stderr).toMatch(/^import rows\.ndjson: 7\/7 \(4 failed\)$/m);
    expect(first.stderr).toContain('Fix the failed lines and run the same command again');
    expect(existsSync(join(dir, 'rows.ndjson.celr-checkpoint'))).toBe(true);

    // The good rows are in the API, the plan and meeting attached to the learner's new id.
    const [imported] = await all(client.list('learner', { identifier: `upn|${upn(100)}` }));
    expect(imported?.id).not.toBe(exportedId);
    expect(await all(client.list('plan', { learner: imported!.id }))).toHaveLength(1);
    expect(await all(client.list('meeting', { learner: imported!.id }))).toHaveLength(1);

    // Fixed: only the lines not done are sent, and the checkpoint goes when all are done.
    write('rows.ndjson', rows(true));
    const second = await celr(['import', '--json', 'rows.ndjson'], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      file: 'rows.ndjson',
      lines: 7,
      created: 4,
      updated: 0,
      replayed: 0,
      skipped: 3,
      failed: 0,
      errors: [],
    });
    expect(existsSync(join(dir, 'rows.ndjson.celr-checkpoint'))).toBe(false);
    expect(await all(client.list('plan', { learner: imported!.id }))).toHaveLength(2);
    expect(await all(client.list('meeting', { learner: imported!.id }))).toHaveLength(2);
    expect(await all(client.list('learner', { identifier: `upn|${upn(101)}` }))).toHaveLength(1);
  });

  it('resumes an import killed halfway, and no record exists twice', async () => {
    // Learner B has a UPN (upserted); learner C has no identifier (POSTed with an Idempotency-Key).
    const b = '33333333-3333-4333-8333-333333333333';
    const c = '44444444-4444-4444-8444-444444444444';
    const noIdentifiers = { ...learner(201), name: { given: 'Resume', family: 'Without-Identifiers' } };
    delete (noIdentifiers as { identifiers?: unknown }).identifiers;
    write(
      'resume.ndjson',
      ndjson(
        { kind: 'learner', record: { id: b, ...learner(200) } },
        { kind: 'learner', record: { id: c, ...noIdentifiers } },
        { kind: 'plan', record: plan(b, { reviewDue: '2026-01-01' }) },
        { kind: 'plan', record: plan(b, { reviewDue: '2026-01-02' }) },
        { kind: 'plan', record: plan(c, { reviewDue: '2026-01-03' }) },
        { kind: 'plan', record: plan(c, { reviewDue: '2026-01-04' }) },
      ),
    );
    const env = api.env('northbridge');

    // Killed (SIGKILL) after the third record was written and before it was recorded as done.
    const killed = await celr(['import', 'resume.ndjson'], {
      cwd: dir,
      env: { ...env, CELR_IMPORT_STOP_AFTER: '3' },
    });
    expect(killed.signal).toBe('SIGKILL');
    const checkpoint = readFileSync(join(dir, 'resume.ndjson.celr-checkpoint'), 'utf8').trim().split('\n');
    expect(checkpoint.slice(1).map((l) => JSON.parse(l).line)).toEqual([1, 2]);

    const resumed = await celr(['import', 'resume.ndjson'], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/^resuming: 2 lines were done before/m);
    expect(resumed.stdout).toBe(
      'resume.ndjson: 6 lines: 3 created, 0 updated, 1 already imported, 2 done in an earlier run, 0 failed.\n',
    );

    const everything = async () => {
      const [learnerB] = await all(client.list('learner', { identifier: `upn|${upn(200)}` }));
      const learners = (await all(client.list('learner'))).filter(
        (l) => l.id === learnerB?.id || l.name.family === 'Without-Identifiers',
      );
      const plans = (await all(client.list('plan'))).filter((p) =>
        learners.some((l) => l.id === p.learnerId),
      );
      return { learners, plans };
    };
    const after = await everything();
    expect(after.learners).toHaveLength(2);
    expect(after.plans.map((p) => p.reviewDue).sort()).toEqual([
      '2026-01-01',
      '2026-01-02',
      '2026-01-03',
      '2026-01-04',
    ]);

    // Even from the first line, without the checkpoint, nothing is created twice.
    const again = await celr(['import', '--restart', '--json', 'resume.ndjson'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      created: 0,
      updated: 1,
      replayed: 5,
      skipped: 0,
      failed: 0,
    });
    const final = await everything();
    expect(final.learners.map((l) => l.id).sort()).toEqual(after.learners.map((l) => l.id).sort());
    expect(final.plans.map((p) => p.id).sort()).toEqual(after.plans.map((p) => p.id).sort());
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
    expect(one.stderr).toMatch(/Exported 1 learner, 1 plan, 1 meeting to one\.ndjson\.\n$/);
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
