/**
 * The CLI in process, without the API: argument handling, help, `validate`, progress, the parts of
 * an import, and what a stand-in API does on demand. `tests/sdk` runs it as a process against the API.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { englandLearner, englandMeeting, englandPlan, exampleBundle, scotlandTransition } from '@celr/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../src/cli/app.js';
import type { CliIO } from '../src/cli/command.js';
import { scanNdjson } from '../src/cli/ndjson-parts.js';
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
    [
      ['nonsense'],
      "celr: unknown command 'nonsense'. Commands: validate, import, export, convert, transfer, report, compliance-policy, term-dates, whoami, conformance.",
    ],
    [['validate', '--strict', 'x.json'], "celr validate: Unknown option '--strict'."],
    [['validate', '--kind'], "celr validate: Option '-k, --kind <value>' argument missing"],
    [['import', 'a.ndjson', 'b.ndjson'], 'celr import: name one NDJSON file to import.'],
    [['import', 'missing.ndjson'], 'celr import: missing.ndjson: no such file.'],
    [
      ['import', '--mode', 'atomic', 'x.ndjson'],
      'celr import: --mode atomic: use per-record or all-or-nothing.',
    ],
    [
      ['import', '--part-lines', '0', 'x.ndjson'],
      'celr import: --part-lines 0: give a whole number of records, 1 or more.',
    ],
    [
      ['export', '--since', 'last week'],
      'celr export: --since last week: give a date and time, e.g. 2025-09-01T00:00:00Z.',
    ],
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
    expect(stderr).toMatch(/^celr import: .*(ECONNREFUSED|fetch failed)/m);
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

  it('recognises a transfer bundle whatever the file is called, and checks its digest', async () => {
    // `celr transfer show <id> --bundle <file>` writes to the name it is given.
    file('incoming.bundle', `${JSON.stringify(exampleBundle, null, 2)}\n`);
    file('INCOMING.JSON', JSON.stringify(exampleBundle));
    const tampered = structuredClone(exampleBundle) as unknown as {
      content: { plans: { status: string }[] };
    };
    tampered.content.plans[0]!.status = 'completed';
    file('tampered-bundle', JSON.stringify(tampered));
    const good = await run(['validate', 'incoming.bundle', 'INCOMING.JSON']);
    expect(good).toEqual({ code: 0, stdout: '2 records in 2 files: all valid.\n', stderr: '' });
    const bad = await run(['validate', 'tampered-bundle']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^tampered-bundle: \/manifest\/contentDigest digest-mismatch: /m);
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

describe('cutting an NDJSON file into parts', () => {
  const scan = (name: string, content: string, records: number, bytes = 1 << 20) =>
    scanNdjson(join(dir, file(name, content)), { records, bytes });

  it('numbers lines as the API does (LF, CRLF, a lone CR; blank lines counted) and keeps blank lines with the part before', async () => {
    const content = 'a\r\n\nb\rc\n  \n\u00a0\nd\ne';
    const { records, bytes, parts } = await scan('parts.ndjson', content, 2);
    expect({ records, bytes }).toEqual({ records: 5, bytes: Buffer.byteLength(content) });
    expect(parts.map(({ sha256: _, ...p }) => p)).toEqual([
      { number: 1, start: 0, end: 6, firstLine: 1, lastLine: 3, records: 2 },
      { number: 2, start: 6, end: 16, firstLine: 4, lastLine: 7, records: 2 },
      { number: 3, start: 16, end: 17, firstLine: 8, lastLine: 8, records: 1 },
    ]);
    const bytesOf = (p: { start: number; end: number }) => Buffer.from(content).subarray(p.start, p.end);
    expect(bytesOf(parts[1]!).toString()).toBe('c\n  \n\u00a0\nd\n');
    expect(parts[0]!.sha256).toBe(createHash('sha256').update(bytesOf(parts[0]!)).digest('hex'));
  });

  it('cuts before a part grows past its bytes, and a whole file that fits is one part', async () => {
    const line = `${'x'.repeat(9)}\n`;
    expect((await scan('bytes.ndjson', line.repeat(5), 100, 25)).parts.map((p) => p.records)).toEqual([
      2, 2, 1,
    ]);
    const whole = await scan('whole.ndjson', line.repeat(5), 100);
    expect(whole.parts).toHaveLength(1);
    expect(whole.parts[0]!.sha256).toBe(createHash('sha256').update(line.repeat(5)).digest('hex'));
    expect((await scan('blank.ndjson', '\n \n', 10)).records).toBe(0);
  });
});

/** A stand-in for the API, for what the real one does not do on demand (cut a response short). */
async function fakeApi(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.url === '/oauth/token') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: 'token', token_type: 'Bearer', expires_in: 900 }));
        return;
      }
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const env = {
    CELR_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    CELR_CLIENT_ID: 'x',
    CELR_CLIENT_SECRET: 'y',
  };
  return { env, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('celr export against a connection that drops', () => {
  it('fails, and leaves no file, when the response is cut short', async () => {
    const line = `${JSON.stringify({ kind: 'learner', record: englandLearner })}\n`;
    const api = await fakeApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'celr-changes-cursor': '42' });
      res.write(line.repeat(3));
      // Half a line, then the connection closes without the final chunk.
      res.write(line.slice(0, 20), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    try {
      const toFile = await run(['export', '--out', 'cut.ndjson'], api.env);
      expect(toFile.code).toBe(1);
      expect(toFile.stderr).toMatch(
        /^celr export: the export was cut short after 3 records \(.+\); cut\.ndjson was not written\. Run it again\.$/m,
      );
      expect(existsSync(join(dir, 'cut.ndjson'))).toBe(false);
      expect(existsSync(join(dir, 'cut.ndjson.partial'))).toBe(false);

      const toStdout = await run(['export'], api.env);
      expect(toStdout.code).toBe(1);
      expect(toStdout.stdout).toBe(line.repeat(3));
      expect(toStdout.stderr).toMatch(/cut short after 3 records \(.+\): the output is incomplete\./);
    } finally {
      await api.close();
    }
  });
});

describe('celr import --from ctf against an API that does not finish the export', () => {
  const ctf =
    '<CTfile><Header><CTFversion>25.0</CTFversion></Header><CTFpupilData></CTFpupilData></CTfile>\n';

  it('imports nothing, exit code 1, when the export of the learners is cut short', async () => {
    const line = `${JSON.stringify({ kind: 'learner', record: englandLearner })}\n`;
    const requests: string[] = [];
    const api = await fakeApi((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url === '/v1/me') {
        // A school's client: the CTF is converted as the school.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            actingFor: { id: '0193f6a2-0000-7000-8000-000000000001', name: 'A school', kind: 'school' },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(line.repeat(2));
      res.write(line.slice(0, 20), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    try {
      const { code, stderr } = await run(['import', '--from', 'ctf', file('cut.xml', ctf)], api.env);
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /^celr import: the export of your learners (was cut short \(.+\)|ended in the middle of a line); nothing was imported\. Run the command again\.$/m,
      );
      expect(requests).toEqual(['GET /v1/me', 'GET /v1/bulk/export?kind=learner']);
    } finally {
      await api.close();
    }
  });

  it('stops with exit code 130 when interrupted while the learners are fetched', async () => {
    const controller = new AbortController();
    const api = await fakeApi(() => controller.abort());
    try {
      const { code, stderr } = await run(
        ['import', '--from', 'ctf', file('interrupted.xml', ctf)],
        api.env,
        controller.signal,
      );
      expect(code).toBe(130);
      expect(stderr).toBe('Interrupted: nothing was sent.\n');
    } finally {
      await api.close();
    }
  });
});

describe('celr import against jobs that stopped', () => {
  it('sends again, under the next key, a part whose earlier job stopped before writing anything', async () => {
    const keys: string[] = [];
    const job = (id: string, status: string, extra: object = {}) => ({
      id,
      status,
      mode: 'per-record',
      lines: 1,
      bytes: 10,
      progress: { linesDone: status === 'queued' ? 0 : 1, percent: status === 'queued' ? 0 : 100 },
      counts: { created: status === 'succeeded' ? 1 : 0, updated: 0, unchanged: 0, failed: 0 },
      createdAt: '2025-01-01T00:00:00.000Z',
      links: { self: `/v1/bulk/import/${id}`, errors: `/v1/bulk/import/${id}/errors` },
      ...extra,
    });
    const stoppedId = '00000000-0000-4000-8000-000000000001';
    const newId = '00000000-0000-4000-8000-000000000002';
    const problem = {
      type: 'urn:celr:problem:conflict',
      title: 'Conflict',
      status: 409,
      detail: 'Kept changing.',
    };
    const api = await fakeApi((req, res, body) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        expect(body).toBe(`${JSON.stringify(englandLearner)}\n`);
        expect(req.url).toBe('/v1/bulk/import?mode=per-record&kind=learner');
        keys.push(String(req.headers['idempotency-key']));
        // The first key was used by a run before: the API replays its job.
        if (keys.length === 1) res.setHeader('idempotent-replayed', 'true');
        res.statusCode = 202;
        res.end(
          JSON.stringify(job(keys.length === 1 ? stoppedId : newId, 'queued', { retryAfterSeconds: 1 })),
        );
      } else if (req.url === `/v1/bulk/import/${stoppedId}`) {
        res.end(JSON.stringify(job(stoppedId, 'failed', { problem })));
      } else res.end(JSON.stringify(job(newId, 'succeeded')));
    });
    try {
      file('again.ndjson', `${JSON.stringify(englandLearner)}\n`);
      const result = await run(['import', '--kind', 'learner', '--json', 'again.ndjson'], api.env);
      expect(result.code, result.stderr).toBe(0);
      expect(keys).toHaveLength(2);
      expect(keys[0]).toMatch(/^celr-import-[0-9a-f]{48}$/);
      expect(keys[1]).not.toBe(keys[0]);
      expect(result.stderr).toContain(
        `again.ndjson: the import sent before (job ${stoppedId}) stopped without writing anything (Kept changing.); sending it again.`,
      );
      expect(JSON.parse(result.stdout)).toMatchObject({ created: 1, jobs: [{ id: newId, replayed: false }] });

      // The same command again sends the same keys, in the same order.
      const seen = keys.splice(0);
      await run(['import', '--kind', 'learner', '--json', 'again.ndjson'], api.env);
      expect(keys).toEqual(seen);
    } finally {
      await api.close();
    }
  });
});

describe('celr import follows its job', () => {
  const jobId = '00000000-0000-4000-8000-000000000003';
  /** A stand-in API whose job is seen queued, then 2 and 3 of its 4 lines done, then finished. */
  async function jobApi(lines: number, seen: [status: string, linesDone: number][]) {
    let look = 0;
    return fakeApi((req, res) => {
      res.setHeader('content-type', 'application/json');
      const [status, linesDone] = seen[Math.min(look, seen.length - 1)]!;
      if (req.method === 'GET') look++;
      const finished = status === 'succeeded';
      res.statusCode = req.method === 'POST' ? 202 : 200;
      res.end(
        JSON.stringify({
          id: jobId,
          status,
          mode: 'per-record',
          lines,
          bytes: 10,
          progress: { linesDone, percent: Math.floor((linesDone / lines) * 100) },
          counts: { created: finished ? lines : linesDone, updated: 0, unchanged: 0, failed: 0 },
          createdAt: '2025-01-01T00:00:00.000Z',
          links: { self: `/v1/bulk/import/${jobId}`, errors: `/v1/bulk/import/${jobId}/errors` },
          ...(finished ? {} : { retryAfterSeconds: 1 }),
        }),
      );
    });
  }

  async function runWith(args: string[], env: Record<string, string>, tty: boolean) {
    const stdout = memory();
    const stderr = memory(tty);
    const code = await runCli(args, { stdout, stderr, env, cwd: dir, signal: new AbortController().signal });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('on a terminal, redraws the bar as the job moves, not only queued and then done', async () => {
    const api = await jobApi(4, [
      ['running', 2],
      ['running', 3],
      ['succeeded', 4],
    ]);
    try {
      file('four.ndjson', `${JSON.stringify({ kind: 'learner', record: englandLearner })}\n`.repeat(4));
      const result = await runWith(['import', 'four.ndjson'], api.env, true);
      expect(result.code, result.stderr).toBe(0);
      const frames = result.stderr.split('\r\x1b[2K').filter(Boolean);
      const percents = frames.map((f) => f.match(/\] +(\d+)% /)?.[1]).filter(Boolean);
      expect(percents).toEqual(expect.arrayContaining(['0', '50', '75', '100']));
      expect(frames.find((f) => f.includes(' 50% '))).toMatch(/2\/4 · running, 0 failed$/);
      // The bar is gone before the summary: nothing after the last frame but the bar's removal.
      expect(result.stderr.endsWith('\r\x1b[2K')).toBe(true);
      expect(result.stdout).toBe('four.ndjson: 4 lines: 4 created, 0 updated, 0 unchanged, 0 failed.\n');
    } finally {
      await api.close();
    }
  });

  it('in a log, prints the last line once, and says "1 line"', async () => {
    const api = await jobApi(1, [['succeeded', 1]]);
    try {
      file('one.ndjson', `${JSON.stringify({ kind: 'learner', record: englandLearner })}\n`);
      const result = await runWith(['import', 'one.ndjson'], api.env, false);
      expect(result.code, result.stderr).toBe(0);
      const progressLines = result.stderr.split('\n').filter((l) => l.startsWith('import one.ndjson: '));
      expect(progressLines.filter((l) => l.startsWith('import one.ndjson: 1/1'))).toHaveLength(1);
      expect(result.stdout).toBe('one.ndjson: 1 line: 1 created, 0 updated, 0 unchanged, 0 failed.\n');
    } finally {
      await api.close();
    }
  });
});
