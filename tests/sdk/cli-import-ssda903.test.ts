/**
 * `celr import --from ssda903` run as a process against the API: the docs' fictional return is
 * converted and imported, rows the converter refuses are never sent, and the API's errors are
 * reported at the rows of the return the failed lines were made from.
 */
import { copyFileSync } from 'node:fs';
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

  it.each([
    [['--from', 'ctf-xml', 'a.csv'], /--from ctf-xml: the format celr import converts is ssda903/],
    [['--authority', 'la-code:990', 'a.ndjson'], /--authority and --year go with --from ssda903/],
    [['--from', 'ssda903', 'header.csv'], /--from ssda903 needs --authority la-code:<NNN>/],
    [['--from', 'ssda903', '-a', 'la-code:990', 'missing.csv'], /missing\.csv: no such file/],
  ])('refuses wrong usage with exit code 2: %j', async (args, message) => {
    const result = await celr(['import', ...args], { cwd: scratch.dir, env: api.env('northbridge') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
