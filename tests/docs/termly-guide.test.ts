/**
 * The guide "Run the termly PEP report": its script (apps/docs/examples/termly-pep-report.sh) run
 * with `celr` on the PATH as Northbridge's demo client against an API with the demo loaded, as
 * `npm start` serves it. What the guide quotes the script printing is what it prints, and the
 * files it writes hold the report.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DEMO_AS_OF, DEMO_CLIENTS, loadDemo, startTestApp } from '@celr/api';
import { COMPLIANCE_OUTCOMES, DEADLINE_STATUSES, NOT_ASSESSED_REASONS } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from '../sdk/support/cli.js';
import { DOCS_DIR } from './support/site.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'celr-termly-guide-'));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
writeFileSync(
  join(work, 'celr'),
  `#!/bin/sh\nexec "${process.execPath}" --import ${tsx} --conditions=@celr/source "${CLI_MAIN}" "$@"\n`,
  { mode: 0o755 },
);

let started: Awaited<ReturnType<typeof startTestApp>>;
let baseUrl: string;
beforeAll(async () => {
  started = await startTestApp();
  await loadDemo(started.db.prisma, { log: () => {} });
  await started.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(started.app.server.address() as AddressInfo).port}`;
}, 180_000);
afterAll(async () => {
  await started?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('termly-pep-report.sh', () => {
  it('lists the overdue children, and writes the CSV and the HTML page, as the guide says', async () => {
    const northbridge = DEMO_CLIENTS.find((c) => c.clientId === 'demo-northbridge')!;
    const { stdout, stderr } = await run(
      'bash',
      [join(DOCS_DIR, 'examples/termly-pep-report.sh'), DEMO_AS_OF],
      {
        cwd: work,
        env: {
          PATH: `${work}:${process.env.PATH}`,
          NO_COLOR: '1',
          CELR_API_URL: baseUrl,
          CELR_CLIENT_ID: northbridge.clientId,
          CELR_CLIENT_SECRET: northbridge.secret,
        },
        timeout: 120_000,
      },
    );
    const guide = readFileSync(join(DOCS_DIR, 'site/guides/termly-pep-report.md'), 'utf8');
    const quoted = /<!-- overdue output -->\n```text\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(quoted, 'the guide quotes the overdue list').toBeDefined();
    // The overdue list as the guide quotes it; then the line saying where the page was written.
    const [list, wrote] = [stdout.slice(0, quoted!.length), stdout.slice(quoted!.length)];
    expect(list).toBe(quoted);
    expect(wrote).toBe(`Wrote ${join(work, `pep-compliance-${DEMO_AS_OF}.html`)}\n`);
    const csv = readFileSync(join(work, `pep-compliance-${DEMO_AS_OF}.csv`), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^learner_id,given_name,family_name,/);
    const html = readFileSync(join(work, `pep-compliance-${DEMO_AS_OF}.html`), 'utf8');
    expect(html).toContain('<svg');
    expect(stderr).toBe('');
  });

  it('names every status, outcome and reason of the schema', () => {
    const guide = readFileSync(join(DOCS_DIR, 'site/guides/termly-pep-report.md'), 'utf8');
    for (const word of [...DEADLINE_STATUSES, ...COMPLIANCE_OUTCOMES, ...NOT_ASSESSED_REASONS])
      expect(guide, word).toContain(`\`${word}\``);
  });
});
