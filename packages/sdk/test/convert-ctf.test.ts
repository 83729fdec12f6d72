/** `celr convert ctf`, in process, over fictional Common Transfer Files written to a temporary folder. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { englandLearner, readRecordLine, validate } from '@celr/schema';
import { describe, expect, it } from 'vitest';
import { cliFolder } from './support/cli-folder.js';

const { dir, file, run } = cliFolder('celr-convert-ctf-');

const pupil = (upn: string, surname: string, dob: string, inner = '') =>
  `    <Pupil><UPN>${upn}</UPN><Surname>${surname}</Surname><Forename>Fictional</Forename><DOB>${dob}</DOB>${inner}</Pupil>\n`;
const ctf = (version: string, pupils: string) =>
  `<?xml version="1.0"?>\n<CTfile>\n  <Header><CTFversion>${version}</CTFversion></Header>\n  <CTFpupilData>\n${pupils}  </CTFpupilData>\n</CTfile>\n`;
const ATTENDANCE =
  '<Attendance><YearData><Year>2024</Year><SessionsPossible>300</SessionsPossible><SessionsAuthorised>10</SessionsAuthorised><SessionsUnauthorised>5</SessionsUnauthorised></YearData></Attendance>';

// The learner the school can see, as `celr export --kind learner` writes it.
const held = { ...englandLearner, id: '0b6b2f4e-8d4f-4a55-9c1e-3f2d5a7c9e01', meta: { version: 2 } };
const learners = file('learners.ndjson', `${JSON.stringify({ kind: 'learner', record: held })}\n`);

describe('celr convert ctf', () => {
  it('writes the matched learner as an update line, lists the pupil not held, and exits 0', async () => {
    const xml = file(
      'good.xml',
      ctf(
        '25.0',
        pupil('C990123424001', 'Okafor-Lees', '2013-05-14', ATTENDANCE) +
          pupil('N990777000011', 'Unknown', '2014-01-20'),
      ),
    );
    const { code, stdout, stderr } = await run(['convert', 'ctf', xml, '--learners', learners]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const line = readRecordLine(lines[0]!);
    if (!line.ok) throw new Error(line.issue.message);
    expect(line.kind).toBe('learner');
    expect(line.sourceId).toBe(held.id);
    expect(validate('learner', line.input).ok).toBe(true);
    expect(line.input.attendance).toContainEqual(
      expect.objectContaining({ period: { start: '2024-09-01', end: '2025-08-31' }, attendedSessions: 285 }),
    );
    expect(stderr).toBe(
      'good.xml:6: UPN not-held N990777000011 (Fictional Unknown) is none of your learners; it is not created.\n' +
        '2 pupils in good.xml (CTF 25.0): 1 learner update, 1 not held, 0 refused.\n',
    );
  });

  it('refuses a pupil with an invalid UPN at its line, writes the others to --out, and exits 1', async () => {
    const xml = file(
      'faulty.xml',
      ctf(
        '25.0',
        pupil('B990123424001', 'Wrong', '2013-05-14') +
          pupil('C990123424001', 'Okafor-Lees', '2013-05-14', ATTENDANCE),
      ),
    );
    const { code, stdout, stderr } = await run([
      'convert',
      'ctf',
      xml,
      '-l',
      learners,
      '--out',
      'updates.ndjson',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(readFileSync(join(dir, 'updates.ndjson'), 'utf8').trimEnd().split('\n')).toHaveLength(1);
    const [problem, summary] = stderr.trimEnd().split('\n');
    expect(problem).toMatch(/^faulty\.xml:5: UPN upn-check-letter 'B990123424001' fails the DfE UPN check/);
    expect(summary).toBe(
      '2 pupils in faulty.xml (CTF 25.0): 1 learner update written to updates.ndjson, 0 not held, 1 refused.',
    );
  });

  it('refuses a CTF version it does not know, and XML that is not well-formed, with exit 1', async () => {
    const old = await run(['convert', 'ctf', file('old.xml', ctf('12.0', '')), '--learners', learners]);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain(
      "old.xml:3: Header/CTFversion ctf-version CTF version '12.0' is not one this reader knows",
    );
    const broken = await run([
      'convert',
      'ctf',
      file('broken.xml', '<CTfile><Header>\n</CTfile>\n'),
      '--learners',
      learners,
    ]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^broken\.xml:2: XML xml Not well-formed XML at column \d+: /);
  });

  it('exits 2 on usage errors', async () => {
    const good = file('usage.xml', ctf('25.0', ''));
    for (const [args, message] of [
      [['convert', 'ctf', '--learners', learners], 'name one CTF file'],
      [['convert', 'ctf', good], '--learners <file> is required'],
      [['convert', 'ctf', 'missing.xml', '--learners', learners], 'missing.xml: no such file.'],
      [['convert', 'ctf', good, '--learners', file('bad.ndjson', '{not json\n')], 'bad.ndjson:1:'],
      [['convert', 'ctf', good, '--learners', learners, '--nonsense'], 'nonsense'],
    ] as const) {
      const result = await run([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
  });
});
