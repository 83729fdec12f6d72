import { randomUUID } from 'node:crypto';
import type { TestContext } from '../context.js';
import { CELR, type ConformanceTest, WRITERS } from '../define.js';
import { expectProblem } from './problems.js';

const FINISHED = new Set(['succeeded', 'partially-succeeded', 'failed']);

export const bulkTests: ConformanceTest[] = [
  {
    id: 'bulk-import-per-record',
    group: 'bulk',
    title: 'A per-record import writes the good lines and reports the bad one at its line',
    clause: CELR('guides/integrate-mis', 'bulk-modes'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const good = await t.learnerBody();
      const bad = await t.learnerBody({ dateOfBirth: 'not a date' });
      const ndjson = `${JSON.stringify({ kind: 'learner', record: good })}\n${JSON.stringify({ kind: 'learner', record: bad })}\n`;
      const posted = await t.send('POST', '/v1/bulk/import?mode=per-record', {
        raw: ndjson,
        headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': randomUUID() },
      });
      t.status(posted, 202, 'POST /v1/bulk/import?mode=per-record');
      const location = posted.headers.get('location');
      t.check(location, 'The 202 has no Location to follow the job at.');
      const path = new URL(location, t.http.baseUrl).pathname;
      const job = await t.eventually('The import job finished', async () => {
        const res = await t.send('GET', path);
        t.status(res, 200, `GET ${path}`);
        const body = res.json as { status: string; counts: Record<string, number> };
        return FINISHED.has(body.status) ? body : undefined;
      });
      // The learner the good line made is the test's to remove.
      const upn = (good.identifiers as { value: string }[] | undefined)?.[0]?.value;
      if (upn) {
        const found = await t.send('GET', `/v1/learners?identifier=${encodeURIComponent(`upn|${upn}`)}`);
        const id = (found.json as { items?: { id: string }[] } | undefined)?.items?.[0]?.id;
        if (id) t.onCleanup(() => t.send('DELETE', `/v1/learners/${id}`, { headers: { 'if-match': '*' } }));
        t.check(id, 'The good line’s learner is not there.');
      }
      t.check(
        job.status === 'partially-succeeded' && job.counts.created === 1 && job.counts.failed === 1,
        `The job ended ${job.status} with ${JSON.stringify(job.counts)}, not partially-succeeded with 1 created and 1 failed.`,
      );
      const errors = await t.send('GET', `${path}/errors`);
      t.status(errors, 200, `GET ${path}/errors`);
      const items = (errors.json as { items?: { line?: unknown; pointer?: unknown }[] }).items ?? [];
      t.check(
        items.some((e) => e.line === 2 && e.pointer === '/dateOfBirth'),
        `The errors do not name line 2 at /dateOfBirth: ${JSON.stringify(items).slice(0, 300)}`,
      );
      return 'partially-succeeded, line 2 /dateOfBirth';
    },
  },
  {
    id: 'bulk-import-bad-mode',
    group: 'bulk',
    title: 'An import without a valid mode is refused before anything is written',
    clause: CELR('guides/integrate-mis', 'bulk-modes'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const res = await t.send('POST', '/v1/bulk/import?mode=some', {
        raw: `${JSON.stringify({ kind: 'learner', record: await t.learnerBody() })}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      t.status(res, 400, 'POST /v1/bulk/import?mode=some');
      expectProblem(t, res, 'invalid-query');
      return '400 invalid-query';
    },
  },
  {
    id: 'bulk-export',
    group: 'bulk',
    title: 'The bulk export holds a learner the client may see, as an exchange line',
    clause: CELR('guides/integrate-mis', 'bulk-export'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const made = await t.learner();
      // Only the learner the test made: a whole authority's export can be far larger than the kit
      // reads of one answer.
      const res = await t.send('GET', `/v1/bulk/export?kind=learner&learner=${made.id}`, {
        headers: { accept: 'application/x-ndjson' },
      });
      t.status(res, 200, 'GET /v1/bulk/export?kind=learner&learner={id}');
      const lines = res.text.split('\n').filter(Boolean);
      const line = lines
        .map((l) => {
          try {
            return JSON.parse(l) as { kind?: string; record?: { id?: string } };
          } catch {
            return undefined;
          }
        })
        .find((l) => l?.record?.id === made.id);
      t.check(line, `The export's ${lines.length} lines do not hold the learner.`);
      t.check(line.kind === 'learner', `The line's kind is ${JSON.stringify(line.kind)}.`);
      return `found among ${lines.length} lines`;
    },
  },
];
