/**
 * `celr import --from ctf` run as a process against the API, as a school: it fetches the learners
 * the school can see, converts its Common Transfer File against them and imports the updates in one
 * step. Refused pupils and pupils not held are listed at the CTF's lines, the API's refusals are
 * reported at the pupil's line of the CTF, and the same command again follows the first job.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv } from '@celr/api';
import type { CelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';
import { ENROLMENT, startCtfSchool } from './support/ctf-school.js';
import { learner, upn } from './support/records.js';

/** The longest import line the API takes here: pupil 83's many results make a longer one. */
const MAX_LINE_BYTES = 8 * 1024;

let api: RunningApi;
let northbridge: CelrClient;
let schoolEnv: Record<string, string>;
let authorityEnv: Record<string, string>;
const scratch = scratchFolder();
const dir = scratch.dir;

beforeAll(async () => {
  ({ api, schoolEnv, authorityEnv, northbridge } = await startCtfSchool({
    bulk: { ...configFromEnv({}).bulk, maxLineBytes: MAX_LINE_BYTES },
  }));
});
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

type Learner = Record<string, unknown> & { id: string; dateOfBirth: string; meta: { version: number } };

/** A result of a pupil's, as CTF XML. */
const result = (subject: string, value: string, date: string) =>
  `<StageAssessment><Subject>${subject}</Subject><Method>TA</Method><Result>${value}</Result><ResultDate>${date}</ResultDate></StageAssessment>`;

/**
 * A fictional CTF, one element a line so the lines below are the pupils': line 7, a learner on roll;
 * 14, a pupil CELR does not hold; 15, a bad UPN; 16, a learner on roll with 150 results, whose
 * update is longer than the API takes in a line.
 */
const ctf = (onRoll: Learner, many: Learner, possible = 320) => `<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header><CTFversion>25.0</CTFversion>
    <SourceSchool><LEA>990</LEA><Estab>4001</Estab><SchoolName>Eastmere Park Primary</SchoolName></SourceSchool>
  </Header>
  <CTFpupilData>
    <Pupil><UPN>${upn(81)}</UPN><Surname>Learner</Surname><Forename>Test81</Forename><DOB>${onRoll.dateOfBirth}</DOB>
      <SENhistory><SEN><SENprovision>K</SENprovision></SEN><SENneeds><SENneed><Type>SLCN</Type><Rank>1</Rank></SENneed></SENneeds></SENhistory>
      <Attendance><YearData><Year>2024</Year><SessionsPossible>${possible}</SessionsPossible><SessionsAuthorised>10</SessionsAuthorised><SessionsUnauthorised>2</SessionsUnauthorised></YearData></Attendance>
      <StageAssessments><KeyStage><Stage>KS2</Stage>
        ${result('REA', 'EXS', '2025-07-08')}
      </KeyStage></StageAssessments>
    </Pupil>
    <Pupil><UPN>${upn(82)}</UPN><Surname>Learner</Surname><Forename>Test82</Forename><DOB>2014-01-20</DOB><LookedAfter><InCare>true</InCare><CareAuthority>991</CareAuthority></LookedAfter></Pupil>
    <Pupil><UPN>B990000000001</UPN><Surname>Learner</Surname><Forename>Bad</Forename><DOB>2014-01-20</DOB></Pupil>
    <Pupil><UPN>${upn(83)}</UPN><Surname>Learner</Surname><Forename>Test83</Forename><DOB>${many.dateOfBirth}</DOB>
      <StageAssessments><KeyStage><Stage>KS2</Stage>${Array.from({ length: 150 }, (_, i) =>
        result('SCI', `R${i}`, `2025-0${1 + (i % 6)}-${String(1 + (i % 28)).padStart(2, '0')}`),
      ).join('')}</KeyStage></StageAssessments>
    </Pupil>
  </CTFpupilData>
</CTfile>
`;

describe('celr import --from ctf', () => {
  it("loads a school's CTF in one step, reports every pupil left out at its line, and a second run follows the first job", async () => {
    const onRoll = (await northbridge.create(
      'learner',
      learner(81, { enrolment: ENROLMENT } as never),
    )) as unknown as Learner;
    const many = (await northbridge.create(
      'learner',
      learner(83, { enrolment: ENROLMENT } as never),
    )) as unknown as Learner;
    writeFileSync(join(dir, 'CTF_in.xml'), ctf(onRoll, many));

    const first = await celr(['import', '--from', 'ctf', 'CTF_in.xml'], { cwd: dir, env: schoolEnv });
    // A pupil was refused by the conversion and one by the API: exit code 1.
    expect(first.code, first.stderr).toBe(1);
    // The API refused pupil 83's update (a line longer than it takes): reported at the pupil's line.
    expect(first.stdout).toMatch(/^CTF_in\.xml:16: \(record\) line-too-long: /m);
    expect(first.stdout.trimEnd().split('\n').at(-1)).toBe(
      'CTF_in.xml: 2 lines: 0 created, 1 updated, 0 unchanged, 1 failed.',
    );
    expect(first.stderr).toContain("CTF_in.xml:15: UPN upn-check-letter 'B990000000001'");
    expect(first.stderr).toContain(
      `CTF_in.xml:14: UPN not-held ${upn(82)} (Test82 Learner, in care of LA 991) is none of your learners; it is not created.\n`,
    );
    expect(first.stderr).toContain(
      '4 pupils in CTF_in.xml (CTF 25.0): 2 learner updates, 1 not held, 1 refused.\n',
    );
    const job = /CTF_in\.xml: sent as import job ([0-9a-f-]{36})\./.exec(first.stderr)?.[1];
    expect(job, first.stderr).toBeDefined();

    const after = (await northbridge.get('learner', onRoll.id)) as unknown as Learner;
    expect(after.attendance).toContainEqual({
      period: { start: '2024-09-01', end: '2025-08-31' },
      possibleSessions: 320,
      attendedSessions: 308,
      authorisedAbsenceSessions: 10,
      unauthorisedAbsenceSessions: 2,
      source: 'Common Transfer File',
    });
    expect(after.attainment).toContainEqual({
      subject: 'Reading',
      measure: 'KS2 TA (CTF)',
      result: 'EXS',
      assessedOn: '2025-07-08',
    });
    expect(after.additionalNeeds).toMatchObject({ status: 'K', primaryNeed: 'SLCN' });
    for (const field of [
      'name',
      'dateOfBirth',
      'identifiers',
      'careStatus',
      'responsibleAuthority',
      'enrolment',
    ])
      expect(after[field], field).toEqual(onRoll[field]);
    expect(((await northbridge.get('learner', many.id)) as unknown as Learner).meta.version).toBe(
      many.meta.version,
    );

    // The same command again: the learners now hold the CTF's fields, the same updates are made,
    // and the import follows the first job rather than starting another.
    const again = await celr(['import', '--from', 'ctf', 'CTF_in.xml'], { cwd: dir, env: schoolEnv });
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toContain(`CTF_in.xml: sent before, as import job ${job}; following it.`);
    expect(again.stdout).toBe(first.stdout);
    expect(((await northbridge.get('learner', onRoll.id)) as unknown as Learner).meta.version).toBe(
      after.meta.version,
    );

    // A corrected CTF is a new import, and changes only what the CTF changed.
    writeFileSync(join(dir, 'CTF_in.xml'), ctf(onRoll, many, 318));
    const corrected = await celr(['import', '--from', 'ctf', 'CTF_in.xml'], { cwd: dir, env: schoolEnv });
    expect(corrected.stderr).toMatch(/CTF_in\.xml: sent as import job /);
    expect(corrected.stderr).not.toContain(job);
    expect(corrected.stdout.trimEnd().split('\n').at(-1)).toBe(
      'CTF_in.xml: 2 lines: 0 created, 1 updated, 0 unchanged, 1 failed.',
    );
    const corrected81 = (await northbridge.get('learner', onRoll.id)) as unknown as Learner;
    expect(corrected81.attendance).toContainEqual(
      expect.objectContaining({ possibleSessions: 318, attendedSessions: 306 }),
    );
    expect(corrected81.attendance).toHaveLength((after.attendance as unknown[]).length);
  });

  it('exits 0 when every pupil held is written, and 1 with nothing sent when no pupil is held', async () => {
    const held = (await northbridge.create(
      'learner',
      learner(84, { enrolment: ENROLMENT } as never),
    )) as unknown as Learner;
    const one = `<CTfile><Header><CTFversion>24.0</CTFversion></Header><CTFpupilData>
<Pupil><UPN>${upn(84)}</UPN><DOB>${held.dateOfBirth}</DOB><SENhistory><SEN><SENprovision>N</SENprovision></SEN></SENhistory></Pupil>
</CTFpupilData></CTfile>
`;
    writeFileSync(join(dir, 'one.xml'), one);
    const ok = await celr(['import', '--from', 'ctf', 'one.xml'], { cwd: dir, env: schoolEnv });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('one.xml: 1 line: 0 created, 1 updated, 0 unchanged, 0 failed.\n');

    writeFileSync(join(dir, 'none.xml'), one.replace(upn(84), upn(85)));
    const none = await celr(['import', '--from', 'ctf', 'none.xml'], { cwd: dir, env: schoolEnv });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`none.xml:2: UPN not-held ${upn(85)}`);
    expect(none.stderr).toContain(
      'celr import: No pupil of none.xml is a learner you can see: nothing to import.',
    );
  });

  it("writes the CTF's ULN and enrolment when the authority imports it, and only notes them when the school does", async () => {
    // Known to the authority, not yet enrolled anywhere: the school cannot see it.
    const newInCare = (await northbridge.create('learner', learner(86))) as unknown as Learner;
    const enrolled = (await northbridge.create(
      'learner',
      learner(87, { enrolment: ENROLMENT } as never),
    )) as unknown as Learner;
    const pupil = (n: number, dob: string, uln: string) =>
      `<Pupil><UPN>${upn(n)}</UPN><UniqueLearnerNumber>${uln}</UniqueLearnerNumber><DOB>${dob}</DOB>
<SchoolHistory><School><LEA>990</LEA><Estab>4001</Estab><SchoolName>Eastmere Park Primary</SchoolName><EntryDate>2025-09-03</EntryDate></School></SchoolHistory></Pupil>`;
    writeFileSync(
      join(dir, 'ids.xml'),
      `<CTfile><Header><CTFversion>25.0</CTFversion></Header><CTFpupilData>
${pupil(86, newInCare.dateOfBirth, '9900004565')}
${pupil(87, enrolled.dateOfBirth, '9900007890')}
</CTFpupilData></CTfile>
`,
    );

    const bySchool = await celr(['import', '--from', 'ctf', 'ids.xml'], { cwd: dir, env: schoolEnv });
    // A pupil not held is listed, not refused: the school's update of the other is made.
    expect(bySchool.code, bySchool.stderr).toBe(0);
    expect(bySchool.stderr).toContain(`ids.xml:2: UPN not-held ${upn(86)} is none of your learners`);
    expect(bySchool.stderr).toMatch(
      /^ids\.xml:4: UniqueLearnerNumber authority-field The CTF gives ULN 9900007890/m,
    );
    expect(((await northbridge.get('learner', enrolled.id)) as unknown as Learner).identifiers).toEqual(
      enrolled.identifiers,
    );

    const byAuthority = await celr(['import', '--from', 'ctf', 'ids.xml'], { cwd: dir, env: authorityEnv });
    expect(byAuthority.code, byAuthority.stderr).toBe(0);
    expect(byAuthority.stderr).toContain('(as their authority:');
    expect(byAuthority.stderr).toMatch(/^ids\.xml:3: SchoolHistory\/School setting-assumed /m);
    const added = (await northbridge.get('learner', newInCare.id)) as unknown as Learner;
    expect(added.identifiers).toEqual([
      ...(newInCare.identifiers as unknown[]),
      { system: 'uln', value: '9900004565' },
    ]);
    expect(added.enrolment).toEqual({
      school: { scheme: 'laestab', code: '9904001', name: 'Eastmere Park Primary' },
      startDate: '2025-09-03',
      setting: 'full-time',
    });
    // A held enrolment (by URN) is the authority's record of the school, and is kept.
    const kept = (await northbridge.get('learner', enrolled.id)) as unknown as Learner;
    expect(kept.enrolment).toEqual(enrolled.enrolment);
    expect(kept.identifiers).toEqual([
      ...(enrolled.identifiers as unknown[]),
      { system: 'uln', value: '9900007890' },
    ]);
  });

  it.each([
    [['--from', 'ctf', 'a.xml', 'b.xml'], /--from ctf: name one CTF file \(\.xml\) to import/],
    [
      ['--from', 'ctf', '-a', 'la-code:990', 'one.xml'],
      /--from ctf fetches the learners your school can see/,
    ],
    [['--from', 'ctf', '--kind', 'learner', 'one.xml'], /--kind does not go with --from: the CTF says/],
    [['--from', 'ctf', '--mode', 'some', 'one.xml'], /--mode some: use per-record or all-or-nothing/],
    [['--from', 'ctf', 'missing.xml'], /missing\.xml: no such file/],
  ])('refuses wrong usage with exit code 2, before fetching anything: %j', async (args, message) => {
    const result = await celr(['import', ...args], { cwd: dir, env: schoolEnv });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain('learners you can see, to match');
  });
});
