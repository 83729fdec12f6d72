/**
 * A hostile or broken server cannot exhaust or hang the kit: an endless body, a huge header, no
 * answer at all, a body that trickles, or JSON that does not parse each end the test that met it
 * with an `error` naming what happened, and the run goes on to its report.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeError, MAX_RESPONSE_BYTES, RecordingHttp } from '../src/http.js';
import { runConformance } from '../src/index.js';

type Mode = 'endless' | 'huge-header' | 'silent' | 'trickle' | 'bad-json' | 'too-long';
const MODES: Record<Mode, (res: ServerResponse) => void> = {
  endless(res) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  },
  'huge-header'(res) {
    res.writeHead(200, { 'content-type': 'application/json', 'x-padding': 'a'.repeat(200_000) });
    res.end('{}');
  },
  silent() {},
  trickle(res) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50);
  },
  'bad-json'(res) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"access_token": "abc", "items": [');
  },
  'too-long'(res) {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(MAX_RESPONSE_BYTES + 1),
    });
    res.write('{');
  },
};

let server: Server;
let mode: Mode = 'silent';
let baseUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    MODES[mode](res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const WHY: Record<Mode, RegExp> = {
  endless: new RegExp(`GET /v1/me: the answer went on past ${MAX_RESPONSE_BYTES} bytes`),
  'huge-header': /GET \/v1\/me: the answer's headers are larger than the kit reads/,
  silent: /GET \/v1\/me: no complete answer within 0.5 s/,
  trickle: /GET \/v1\/me: no complete answer within 0.5 s/,
  'bad-json': /GET \/v1\/me answered 200 with a application\/json body that is not JSON/,
  'too-long': new RegExp(
    `GET /v1/me: the answer is ${MAX_RESPONSE_BYTES + 1} bytes, more than the kit reads`,
  ),
};

describe('one exchange with a hostile server', () => {
  it.each(Object.keys(MODES) as Mode[])(
    '%s: an ExchangeError naming it, in bounded time and memory',
    async (m) => {
      mode = m;
      // The endless body is cut by the byte limit, not the clock: time enough to reach it when loaded.
      const http = new RecordingHttp(baseUrl, m === 'endless' ? 30_000 : 500);
      const started = performance.now();
      const before = process.memoryUsage().rss;
      const error = await http
        .send('GET', '/v1/me')
        .then((res) => res.json)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ExchangeError);
      expect((error as Error).message).toMatch(WHY[m]);
      expect(performance.now() - started).toBeLessThan(m === 'endless' ? 30_000 : 5_000);
      // Far less than an endless body would take: the kit stopped at its limit.
      expect(process.memoryUsage().rss - before).toBeLessThan(8 * MAX_RESPONSE_BYTES);
      // The evidence says what happened too, for a body that came (bad JSON) or did not.
      if (m !== 'bad-json') expect(http.exchanges[0]?.error).toMatch(WHY[m]);
    },
  );
});

describe('a run against a hostile server', () => {
  it.each(['endless', 'silent', 'bad-json'] as Mode[])(
    '%s: every test ends as an error saying why, and the run reports',
    async (m) => {
      mode = m;
      const report = await runConformance({
        baseUrl,
        role: 'authority',
        credentials: { clientId: 'c', clientSecret: 's' },
        // Both ask for a token first: the token endpoint is where each meets the fault.
        only: ['problems-media-type', 'problems-members'],
        // Long enough for the endless body to pass the kit's limit on a loaded machine.
        timeoutMs: m === 'endless' ? 30_000 : 500,
      });
      expect(report.results).toHaveLength(2);
      for (const r of report.results) {
        expect(r.status, r.message).toBe('error');
        expect(r.message).toMatch(
          m === 'bad-json'
            ? /POST \/oauth\/token answered 200 with a application\/json body that is not JSON/
            : m === 'silent'
              ? /POST \/oauth\/token: no complete answer within 0.5 s/
              : /POST \/oauth\/token: the answer went on past \d+ bytes/,
        );
      }
      expect(report.conformant).toBe(false);
    },
  );
});
