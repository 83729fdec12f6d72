/** The CLI in process, without an API: argument handling, help, `validate`, progress. `tests/sdk` runs it as a process. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { englandLearner, englandMeeting, englandPlan, scotlandTransition } from '@celr/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../src/cli/app.js';
import type { CliIO } from '../src/cli/command.js';
import { Progress } from '../src/cli/progress.js';
import { classify } from '../src/cli/records-io.js';

const dir = mkdtempSync(join(tmpdir(), 'celr-cli-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memory(isTTY = false) {
  let text = '';
  return {
    write: (s: string) => {
      text += s;
      return true;
    },
    isTTY,
    columns: 100,
    get text() {
      return text;
    },
  };
}

async function run(args: string[], env: Record<string, string> = {}, signal = new AbortController().signal) {
  const stdout = memory();
  const stderr = memory();
  const io: CliIO = { stdout, stderr, env, cwd: dir, signal };
  const code = await runCli(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const file = (name: string, content: unknown) => {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return name;
};

describe('help', () => {
  it.each(COMMANDS.map((c) => c.name))('celr %s --help says what it does, with an example', async (name) => {
    const { code, stdout } = await run([name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^celr ${name}: .+\\n\\nUsage:\\n  celr ${name} `));
    expect(stdout).toMatch(/\nExamples:\n {2}\$ celr \w+.*\n {4}\S/);
    expect(stdout).toContain('Exit codes: 0 success; 1 invalid data or a failed request; 2 wrong usage');
  });

  it('lists the commands, and the environment of those that talk to the API', async () => {
    const { stdout } = await run(['--help']);
    expect(stdout).toMatch(/Commands:\n {2}validate +Check .+\n {2}import +Write .+\n {2}export +Write /);
    expect((await run(['import', '--help'])).stdout).toContain('--client-secret <secret>');
    expect((await run(['import', '--help'])).stdout).toContain('[env CELR_CLIENT_SECRET]');
    expect((await run(['--version'])).stdout).toMatch(/^celr \d+\.\d+\.\d+\n$/);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [['nonsense'], "celr: unknown command 'nonsense'. Commands: validate, import, export, transfer."],
    [['validate', '--strict', 'x.json'], "celr validate: Unknown option '--strict'."],
    [['validate', '--kind'], "celr validate: Option '-k, --kind <value>' argument missing"],
    [['import', 'a.ndjson', 'b.ndjson'], 'celr import: name one NDJSON file to import.'],
    [['import', 'missing.ndjson'], 'celr import: missing.ndjson: no such file.'],
    [
      ['export', 'out.ndjson'],
      'celr export: unexpected argument out.ndjson: use --out <file> to name the output.',
    ],
  ])('celr %j', async (args, message) => {
    const { code, stderr } = await run(args, {
      CELR_API_URL: 'http://localhost:1',
      CELR_CLIENT_ID: 'x',
      CELR_CLIENT_SECRET: 'y',
    });
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(message);
    expect(stderr).toMatch(/Run 'celr( \w+)? --help' for usage\.\n$/);
  });

  it('refuses an API URL that is not http(s)', async () => {
    file('one.ndjson', '{}\n');
    const { code, stderr } = await run(['import', 'one.ndjson'], {
      CELR_API_URL: 'ftp://x',
      CELR_CLIENT_ID: 'x',
      CELR_CLIENT_SECRET: 'y',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('--api-url ftp://x: use an http or https URL.');
  });

  it('exits 1 with the reason when the API cannot be reached, without a stack trace', async () => {
    file('reach.ndjson', `${JSON.stringify({ kind: 'plan', record: englandPlan })}\n`);
    const { code, stderr } = await run(['import', 'reach.ndjson'], {
      CELR_API_URL: 'http://127.0.0.1:9',
      CELR_CLIENT_ID: 'x',
      CELR_CLIENT_SECRET: 'y',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^celr import: stopped at line 1: No response|^celr import: .*(ECONNREFUSED|fetch failed)/m,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('celr validate', () => {
  it('reads every kind of file and envelope', async () => {
    file('learner.json', englandLearner);
    file('envelope.json', { kind: 'meeting', record: englandMeeting });
    file('array.json', [
      { kind: 'plan', ...englandPlan },
      { kind: 'transition', record: scotlandTransition },
    ]);
    file('records.json', { kind: 'plan', records: [englandPlan] });
    file(
      'lines.jsonl',
      `${JSON.stringify({ kind: 'plan', record: englandPlan })}\n\n${JSON.stringify({ kind: 'learner', ...englandLearner })}\n`,
    );
    file(
      'ndjson-named.json',
      `${JSON.stringify({ kind: 'plan', record: englandPlan })}\n${JSON.stringify({ kind: 'plan', record: englandPlan })}\n`,
    );
    const result = await run([
      'validate',
      '--kind',
      'learner',
      'learner.json',
      'envelope.json',
      'array.json',
      'records.json',
      'lines.jsonl',
      'ndjson-named.json',
    ]);
    expect(result).toEqual({ code: 0, stdout: '9 records in 6 files: all valid.\n', stderr: '' });
  });

  it('checks exported records (with id and meta) as the API returns them, and allows an id alone', async () => {
    const exported = {
      id: '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10',
      meta: {
        version: 2,
        createdAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-02T00:00:00.000Z',
        recordedBy: { organisationId: '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10' },
      },
      ...englandLearner,
    };
    const idOnly = { id: exported.id, ...englandLearner };
    file(
      'exported.ndjson',
      [exported, { ...exported, meta: { version: 'two' } }, idOnly]
        .map((record) => JSON.stringify({ kind: 'learner', record }))
        .join('\n'),
    );
    const { code, stdout } = await run(['validate', 'exported.ndjson']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^exported\.ndjson:2: learner \/meta\/version type: /m);
    // With meta it is a returned record; with an id alone, an input that later lines may refer to.
    expect(stdout).not.toMatch(/exported\.ndjson:[13]:/);
  });

  it('reports a JSON file that does not parse with its line and column', async () => {
    file('broken.json', '{\n  "kind": "plan",\n  oops\n}');
    const { code, stdout } = await run(['validate', 'broken.json', '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.errors).toEqual([
      {
        file: 'broken.json',
        pointer: '',
        rule: 'json',
        message: expect.stringMatching(/^Not valid JSON: .*line 3/),
      },
    ]);
  });

  it('stops when interrupted, with exit code 130', async () => {
    file('interrupted.json', englandLearner);
    const { code, stderr } = await run(
      ['validate', '--kind', 'learner', 'interrupted.json'],
      {},
      AbortSignal.abort(),
    );
    expect(code).toBe(130);
    expect(stderr).toBe('Interrupted after 0 records.\n');
  });

  it('tells the kind from the envelope, the record, or the default', () => {
    expect(classify({ kind: 'plan', record: { a: 1 } })).toEqual({ kind: 'plan', record: { a: 1 } });
    expect(classify({ kind: 'plan', a: 1 })).toEqual({ kind: 'plan', record: { a: 1 } });
    expect(classify({ a: 1 }, 'meeting')).toEqual({ kind: 'meeting', record: { a: 1 } });
    expect(classify({ a: 1 }).problem?.rule).toBe('kind');
    expect(classify({ kind: 'pupil' }).problem).toMatchObject({ pointer: '/kind', rule: 'kind' });
    expect(classify([1]).problem?.rule).toBe('type');
    expect(classify({ kind: 'plan', record: 'x' }).problem).toMatchObject({
      pointer: '/record',
      rule: 'type',
    });
  });
});

describe('progress', () => {
  it('draws a bar in place on a terminal, and messages above it', () => {
    const out = memory(true);
    let now = 0;
    const progress = new Progress(out, 'import x.ndjson', 4, () => now);
    progress.update(1, '0 failed');
    now += 10;
    progress.update(2, '0 failed'); // too soon to redraw
    now += 100;
    progress.log('retrying POST /v1/plans in 0 ms');
    progress.update(4, '1 failed', true);
    progress.end();
    const frames = out.text.split('\r\x1b[2K');
    expect(frames).toEqual([
      '',
      'import x.ndjson [########......................]  25% 1/4 · 0 failed',
      'retrying POST /v1/plans in 0 ms\n',
      'import x.ndjson [########......................]  25% 1/4 · 0 failed',
      'import x.ndjson [##############################] 100% 4/4 · 1 failed',
      '',
    ]);
  });

  it('writes a plain line about every tenth of the work otherwise', () => {
    const out = memory(false);
    const progress = new Progress(out, 'import x.ndjson', 100, () => 0);
    for (let i = 1; i <= 100; i++) progress.update(i, `${i > 50 ? 1 : 0} failed`);
    progress.update(100, '1 failed', true);
    const lines = out.text.trim().split('\n');
    expect(lines[0]).toBe('import x.ndjson: 1/100 (0 failed)');
    expect(lines).toContain('import x.ndjson: 50/100 (0 failed)');
    expect(lines.at(-1)).toBe('import x.ndjson: 100/100 (1 failed)');
    expect(lines.length).toBeLessThanOrEqual(12);
  });
});
