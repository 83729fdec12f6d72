/**
 * `celr import --from ssda903` run as a process against the API: the docs' fictional return is
 * converted and imported, rows the converter refuses are never sent, and the API's errors are
 * reported at the rows of the return the failed lines were made from.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';

const RETURN = new URL('../../apps/docs/examples/ssda903/', import.meta.url);
const TABLES = ['header.csv', 'episodes.csv', 'names.csv'];

let api: RunningApi;
const scratch = scratchFolder();
beforeAll(async () => {
  api = await startApi();
  api.app.bulkImports?.start();
  for (const table of TABLES) copyFileSync(new URL(table, RETURN), join(scratch.dir, table));
});
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

describe('celr import --from ssda903', () => {
  it('reports the API refusing lines at the rows of the return, and imports a good return', async () => {
    // Eastmere's client imports a return naming Northbridge as the responsible authority: the API
    // refuses each learner, and each move, as their lines; they are reported at the CSV rows.
    const foreign = await celr(['import', '--from', 'ssda903', '-a', 'la-code:990', ...TABLES], {
      cwd: scratch.dir,
      env: api.env('eastmere'),
    });
    expect(foreign.code, foreign.stderr).toBe(1);
    const errors = foreign.stdout.trimEnd().split('\n');
    expect(errors.slice(0, -1).map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      'header.csv:2: learner /responsibleAuthority/code',
      expect.stringMatching(/^episodes\.csv:4: transition /),
      'header.csv:3: learner /responsibleAuthority/code',
      'header.csv:4: learner /responsibleAuthority/code',
    ]);
    expect(errors.at(-1)).toBe('the return (3 files): 4 lines: 0 created, 0 updated, 0 unchanged, 4 failed.');
    expect(foreign.stderr).toContain(
      'episodes.csv:6: PLACE 146 "H5" is not a placement type code of the 2025-26 return.\n',
    );

    const northbridge = await celr(['import', '--from', 'ssda903', '--authority', 'la-code:990', ...TABLES], {
      cwd: scratch.dir,
      env: api.env('northbridge'),
    });
    // One row was refused by the conversion and not sent: exit code 1, though every line sent was written.
    expect(northbridge.code, northbridge.stderr).toBe(1);
    expect(northbridge.stdout).toBe(
      'the return (3 files): 4 lines: 4 created, 0 updated, 0 unchanged, 0 failed.\n',
    );
    expect(northbridge.stderr).toContain(
      'Converted the return: 3 of 4 children (1 placement moves), 1 refused, 0 not carried.\n',
    );
  });

  it('keeps what a school added when given the held learners (--learners from celr export)', async () => {
    const env = api.env('northbridge');
    const token = await (
      await fetch(`${api.baseUrl}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: env.CELR_CLIENT_ID as string,
          client_secret: env.CELR_CLIENT_SECRET as string,
        }),
      })
    ).json();
    const auth = { authorization: `Bearer ${token.access_token}` };
    const learners = (await (await fetch(`${api.baseUrl}/v1/learners?limit=10`, { headers: auth })).json())
      .items;
    const amira = learners.find((l: { name: { given: string } }) => l.name.given === 'Amira');
    // Her school's enrolment, set after the first import.
    const current = await fetch(`${api.baseUrl}/v1/learners/${amira.id}`, { headers: auth });
    const enrolment = {
      school: { scheme: 'urn', code: '100001' },
      startDate: '2025-09-03',
      setting: 'full-time',
    };
    const patched = await fetch(`${api.baseUrl}/v1/learners/${amira.id}`, {
      method: 'PATCH',
      headers: {
        ...auth,
        'content-type': 'application/merge-patch+json',
        'if-match': current.headers.get('etag') as string,
      },
      body: JSON.stringify({ enrolment }),
    });
    expect(patched.status, await patched.clone().text()).toBe(200);

    const exported = await celr(['export', '--kind', 'learner', '--out', 'held.ndjson'], {
      cwd: scratch.dir,
      env,
    });
    expect(exported.code, exported.stderr).toBe(0);
    // Next month: Amira moved.
    const episodes = readFileSync(join(scratch.dir, 'episodes.csv'), 'utf8')
      .replace('N1,15/04/2025,P,C2,N1,U4,PR4,,,', 'N1,15/04/2025,P,C2,N1,U4,PR4,01/09/2025,X1,CHILD')
      .concat('N1,01/09/2025,P,C2,N1,K2,PR1,,,,XX1 1XX,XX7 7XX,\n');
    writeFileSync(join(scratch.dir, 'next-episodes.csv'), episodes);
    const next = await celr(
      [
        'import',
        '--from',
        'ssda903',
        '-a',
        'la-code:990',
        '--learners',
        'held.ndjson',
        'header.csv',
        'next-episodes.csv',
      ],
      { cwd: scratch.dir, env },
    );
    // No names table: the held learners have names. N4 is still refused (H5).
    expect(next.stdout).toBe('the return (2 files): 5 lines: 1 created, 1 updated, 3 unchanged, 0 failed.\n');
    const after = await (await fetch(`${api.baseUrl}/v1/learners/${amira.id}`, { headers: auth })).json();
    expect(after.enrolment).toEqual(enrolment);
    expect(after.careStatus).toMatchObject({ placementType: 'K2', placementStart: '2025-09-01' });
  });

  it.each([
    [['--from', 'ctf-xml', 'a.csv'], /--from ctf-xml: the formats celr import converts are ssda903 and ctf/],
    [['--authority', 'la-code:990', 'a.ndjson'], /--authority, --year and --learners go with --from ssda903/],
    [['--from', 'ssda903', 'header.csv'], /--from ssda903 needs --authority la-code:<NNN>/],
    [['--from', 'ssda903', '-a', 'la-code:990', 'missing.csv'], /missing\.csv: no such file/],
  ])('refuses wrong usage with exit code 2: %j', async (args, message) => {
    const result = await celr(['import', ...args], { cwd: scratch.dir, env: api.env('northbridge') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
