/**
 * The guide "Load your cohort from the SSDA903 return": its script (apps/docs/examples/load-ssda903.sh)
 * run over its fictional return against the API on a real socket, with `celr` on the PATH as a user
 * has it. What the guide quotes the commands printing is checked against what they print.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../sdk/support/api.js';
import { CLI_MAIN } from '../sdk/support/cli.js';
import { DOCS_DIR } from './support/site.js';

const run = promisify(execFile);
const EXAMPLES = join(DOCS_DIR, 'examples');
const work = mkdtempSync(join(tmpdir(), 'celr-ssda903-guide-'));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
// `celr` as the installed bin would be, run from the sources.
writeFileSync(
  join(work, 'celr'),
  `#!/bin/sh\nexec "${process.execPath}" --import ${tsx} --conditions=@celr/source "${CLI_MAIN}" "$@"\n`,
  { mode: 0o755 },
);

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
  // `celr import` sends a bulk import job: the API's worker runs it (a new job wakes it).
  api.app.bulkImports?.start();
});
afterAll(async () => {
  await api?.close();
  rmSync(work, { recursive: true, force: true });
});

async function loadReturn(folder = 'ssda903') {
  const result = await run('bash', [join(EXAMPLES, 'load-ssda903.sh'), folder, join(work, 'cohort.ndjson')], {
    cwd: EXAMPLES,
    env: { PATH: `${work}:${process.env.PATH}`, NO_COLOR: '1', ...api.env('northbridge') },
    timeout: 120_000,
  }).catch((error: { stdout: string; stderr: string; code: number }) => error);
  return { stdout: result.stdout, stderr: result.stderr };
}

describe('load-ssda903.sh', () => {
  it("converts the fictional return, refusing one row, and imports the rest; next month's return updates what the first import made", async () => {
    const guide = readFileSync(join(DOCS_DIR, 'site/guides/load-ssda903.md'), 'utf8');
    const first = await loadReturn();
    const convertSays = [
      'episodes.csv:6: PLACE 146 "H5" is not a placement type code of the 2025-26 return.',
      "episodes.csv:3: PLACE not-carried Z12 is not in CELR's placement type list yet: the learner is kept without a placement type.",
      'header.csv: header columns not carried by CELR: SEX, ETHNIC, MOTHER, MC_DOB',
      'episodes.csv: episodes columns not carried by CELR: CIN, PLACE_PROVIDER, HOME_POST, PL_POST, URN',
      '4 children: 3 converted (1 placement moves), 1 refused, 0 not carried; 1 errors.',
    ];
    expect(first.stderr.split('\n').map((l) => l.replace(/^ssda903\//, ''))).toEqual(
      expect.arrayContaining(convertSays),
    );
    expect(first.stdout).toContain('convert exit code: 1\n');
    expect(first.stdout).toMatch(/cohort\.ndjson: 4 lines: 4 created, 0 updated, 0 unchanged, 0 failed\.\n$/);
    for (const line of convertSays) expect(guide).toContain(line);

    // The learners are in the API as the return has them.
    const token = await (
      await fetch(`${api.baseUrl}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: api.clients.northbridge.clientId,
          client_secret: api.clients.northbridge.secret,
        }),
      })
    ).json();
    const page = await (
      await fetch(`${api.baseUrl}/v1/learners?limit=10`, {
        headers: { authorization: `Bearer ${token.access_token}` },
      })
    ).json();
    const amira = page.items.find((l: { name: { given: string } }) => l.name.given === 'Amira');
    expect(amira).toMatchObject({
      dateOfBirth: '2014-05-14',
      identifiers: [
        { system: 'la-child-id:990', value: 'N1' },
        { system: 'upn', value: 'N990123450001' },
      ],
      careStatus: {
        status: 'looked-after',
        legalStatus: 'C2',
        placementType: 'U4',
        since: '2023-10-02',
        placementStart: '2025-04-15',
      },
    });
    expect(page.items).toHaveLength(3);

    // Next month's return: Amira has moved again. The import matches what the first one made (same
    // ids, same la-child-id): her learner is updated, her new move created, everything else unchanged.
    const next = join(work, 'next-month');
    mkdirSync(next);
    for (const table of ['header.csv', 'names.csv'])
      copyFileSync(join(EXAMPLES, 'ssda903', table), join(next, table));
    writeFileSync(
      join(next, 'episodes.csv'),
      readFileSync(join(EXAMPLES, 'ssda903/episodes.csv'), 'utf8')
        .replace('N1,15/04/2025,P,C2,N1,U4,PR4,,,', 'N1,15/04/2025,P,C2,N1,U4,PR4,01/09/2025,X1,CHILD')
        .concat('N1,01/09/2025,P,C2,N1,K2,PR1,,,,XX1 1XX,XX7 7XX,\n'),
    );
    const second = await loadReturn(next);
    expect(second.stdout).toMatch(
      /cohort\.ndjson: 5 lines: 1 created, 1 updated, 3 unchanged, 0 failed\.\n$/,
    );
    const after = await (
      await fetch(`${api.baseUrl}/v1/learners?limit=10`, {
        headers: { authorization: `Bearer ${token.access_token}` },
      })
    ).json();
    expect(after.items).toHaveLength(3);
    expect(after.items.find((l: { id: string }) => l.id === amira.id).careStatus).toMatchObject({
      placementType: 'K2',
      placementStart: '2025-09-01',
    });
    expect(guide).toContain('cohort.ndjson: 4 lines: 4 created, 0 updated, 0 unchanged, 0 failed.');
  }, 180_000);
});
