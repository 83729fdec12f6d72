/** `celr convert ssda903`, in process, over fictional returns written to a temporary folder. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecordLine, validate } from '@celr/schema';
import { describe, expect, it } from 'vitest';
import { cliFolder } from './support/cli-folder.js';

const { dir, file, run } = cliFolder('celr-convert-');

const HEADER = 'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n';
const EPISODES =
  'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n';
const NAMES = 'CHILD,GIVEN_NAME,FAMILY_NAME\n';

const good = [
  file('903-children.csv', `${HEADER}K1,1,14/03/2013,WBRI,L201234567890,,\nK2,2,02/11/2010,WBRI,UN1,,\n`),
  file(
    '903-episodes.csv',
    `${EPISODES}K1,05/09/2022,S,C1,N1,U4,PR1,12/01/2024,X1,CARPL,,,\nK1,12/01/2024,P,C2,N1,K2,PR2,,,,,,\nK2,01/04/2025,S,V2,N4,U6,PR4,,,,,,\n`,
  ),
  file('names.csv', `${NAMES}K1,Ada,Fictional\nK2,Ben,Madeup\n`),
];

describe('celr convert ssda903', () => {
  it('writes NDJSON exchange lines that pass CELR validation, and a summary on stderr', async () => {
    const { code, stdout, stderr } = await run(['convert', 'ssda903', '--authority', 'la-code:990', ...good]);
    expect(code).toBe(0);
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((l) => readRecordLine(l));
    expect(lines.map((l) => (l.ok ? l.kind : l.issue.message))).toEqual(['learner', 'transition', 'learner']);
    for (const l of lines) if (l.ok) expect(validate(l.kind, l.input).issues).toEqual([]);
    expect(stderr).toBe(
      '903-children.csv: header columns not carried by CELR: SEX, ETHNIC, MOTHER, MC_DOB\n' +
        '903-episodes.csv: episodes columns not carried by CELR: CIN, PLACE_PROVIDER, HOME_POST, PL_POST, URN\n' +
        '2 children: 2 converted (1 placement moves), 0 refused, 0 not carried; 0 errors.\n',
    );
  });

  it('reports refused rows at their lines, still converts the others, and exits 1', async () => {
    const bad = file(
      'bad-episodes.csv',
      `${EPISODES}K1,05/09/2022,S,C1,N1,U4,PR1,,,,,,\nK2,31/02/2025,S,V2,N4,U6,PR4,,,,,,\n`,
    );
    const { code, stdout, stderr } = await run([
      'convert',
      'ssda903',
      '-a',
      'la-code:990',
      '--out',
      'out.ndjson',
      good[0] as string,
      bad,
      good[2] as string,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toContain(
      'bad-episodes.csv:3: DECOM 141 Date episode began "31/02/2025" is not a date that exists (dd/mm/yyyy).',
    );
    expect(stderr).toContain(
      '2 children: 1 converted (0 placement moves), 1 refused, 0 not carried; 1 errors.',
    );
    const written = readFileSync(join(dir, 'out.ndjson'), 'utf8').trimEnd().split('\n');
    expect(written.map((l) => JSON.parse(l).record.name.given)).toEqual(['Ada']);
    expect(existsSync(join(dir, 'out.ndjson.partial'))).toBe(false);
  });

  it('reads the return as XML too', async () => {
    const xml = file(
      '903.xml',
      '<?xml version="1.0"?>\n<EXPSSDA903>\n<CHILD><HEADER><CHILDID>K1</CHILDID><UPN>L201234567890</UPN><DOB>14/03/2013</DOB></HEADER>\n<EPISODE><DECOM>05/09/2022</DECOM><RNE>S</RNE><LS>C1</LS><PL>U4</PL></EPISODE></CHILD>\n</EXPSSDA903>\n',
    );
    const { code, stdout, stderr } = await run([
      'convert',
      'ssda903',
      '-a',
      'la-code:990',
      xml,
      good[2] as string,
    ]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout).record).toMatchObject({
      dateOfBirth: '2013-03-14',
      careStatus: { status: 'looked-after', legalStatus: 'C1', placementType: 'U4', since: '2022-09-05' },
    });
  });

  it('exits 1 for a refused row that belongs to no child, and for a file that is no table', async () => {
    const noChild = file('no-child.csv', `${EPISODES},05/09/2022,S,C1,N1,U4,PR1,,,,,,\n`);
    const first = await run(['convert', 'ssda903', '-a', 'la-code:990', ...good, noChild]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("no-child.csv:2: CHILD required The child's id is missing.\n");
    const notes = file('notes.csv', 'NOTE\nhello\n');
    expect((await run(['convert', 'ssda903', '-a', 'la-code:990', ...good, notes])).code).toBe(1);
  });

  it('gives errors and summary as JSON with --json', async () => {
    const { code, stderr } = await run([
      'convert',
      'ssda903',
      '-a',
      'la-code:990',
      '--json',
      '--year',
      '2023-24',
      ...good,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stderr)).toMatchObject({ ok: true, children: 2, converted: 2, refused: 0, errors: [] });
  });

  it.each([
    [['convert', 'ssda903', ...good], /--authority la-code:<NNN> is required/],
    [['convert', 'ssda903', '-a', '990', ...good], /use la-code: and the three-digit DfE LA code/],
    [['convert', 'ssda903', '-a', 'la-code:990', '--year', '2019-20', ...good], /--year 2019-20: use one of/],
    [['convert', 'ssda903', '-a', 'la-code:990'], /name the CSV files/],
    [['convert', 'ssda903', '-a', 'la-code:990', 'missing.csv'], /missing.csv: no such file/],
    [['convert', 'xml'], /unknown command 'xml'/],
  ])('refuses wrong usage with exit code 2: %j', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
