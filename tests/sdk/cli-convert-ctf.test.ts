/**
 * A school loads its Common Transfer File: `celr export` the learners it can see, `celr convert ctf`
 * the file against them, `celr import` the updates. The school's rights are the API's: the import
 * changes the learner's attendance, results and SEN provision and nothing else.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CelrClient } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';
import { ENROLMENT, startCtfSchool } from './support/ctf-school.js';
import { learner, upn } from './support/records.js';

let api: RunningApi;
let northbridge: CelrClient;
let schoolEnv: Record<string, string>;
const scratch = scratchFolder();
const dir = scratch.dir;

beforeAll(async () => {
  ({ api, schoolEnv, northbridge } = await startCtfSchool());
});
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

// A fictional CTF: the learner the school has on roll, a pupil CELR does not hold, and a bad UPN.
const ctf = (known: string, dob: string) => `<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header><CTFversion>25.0</CTFversion>
    <SourceSchool><LEA>990</LEA><Estab>4001</Estab><SchoolName>Eastmere Park Primary</SchoolName></SourceSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>${known}</UPN><Surname>Learner</Surname><Forename>Test71</Forename><DOB>${dob}</DOB>
      <SENhistory><SEN><SENprovision>E</SENprovision></SEN><SENneeds><SENneed><Type>ASD</Type><Rank>1</Rank></SENneed></SENneeds></SENhistory>
      <Attendance><YearData>
        <Year>2024</Year><SessionsPossible>320</SessionsPossible>
        <SessionsAuthorised>16</SessionsAuthorised><SessionsUnauthorised>4</SessionsUnauthorised>
      </YearData></Attendance>
      <StageAssessments><KeyStage><Stage>KS2</Stage>
        <StageAssessment><Subject>MAT</Subject><Method>TT</Method><Component>SCL</Component><Result>101</Result><ResultDate>2025-07-08</ResultDate></StageAssessment>
      </KeyStage></StageAssessments>
    </Pupil>
    <Pupil><UPN>${upn(72)}</UPN><Surname>Learner</Surname><Forename>Test72</Forename><DOB>2014-01-20</DOB></Pupil>
    <Pupil><UPN>B990000000001</UPN><Surname>Learner</Surname><Forename>Bad</Forename><DOB>2014-01-20</DOB></Pupil>
  </CTFpupilData>
</CTfile>
`;

describe('celr convert ctf, then celr import, as the school', () => {
  it("updates the school's fields of the learner on roll and nothing else; a second load changes nothing", async () => {
    const created = await northbridge.create('learner', learner(71, { enrolment: ENROLMENT } as never));
    const before = created as unknown as Record<string, unknown> & { id: string; dateOfBirth: string };
    writeFileSync(join(dir, 'CTF_in.xml'), ctf(upn(71), before.dateOfBirth));

    const exported = await celr(['export', '--kind', 'learner', '--out', 'learners.ndjson'], {
      cwd: dir,
      env: schoolEnv,
    });
    expect(exported.code, exported.stderr).toBe(0);

    const converted = await celr(
      ['convert', 'ctf', 'CTF_in.xml', '--learners', 'learners.ndjson', '--out', 'updates.ndjson'],
      { cwd: dir, env: schoolEnv },
    );
    expect(converted.code).toBe(1); // the bad UPN
    expect(converted.stderr).toContain("CTF_in.xml:19: UPN upn-check-letter 'B990000000001'");
    expect(converted.stderr).toContain(`CTF_in.xml:18: UPN not-held ${upn(72)} (Test72 Learner)`);
    expect(converted.stderr).toContain(
      '3 pupils in CTF_in.xml (CTF 25.0): 1 learner update written to updates.ndjson, 1 not held, 1 refused.',
    );
    expect(readFileSync(join(dir, 'updates.ndjson'), 'utf8').trimEnd().split('\n')).toHaveLength(1);

    const imported = await celr(['import', 'updates.ndjson'], { cwd: dir, env: schoolEnv });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout + imported.stderr).toMatch(/1 line: 0 created, 1 updated, 0 unchanged, 0 failed/);

    const after = (await northbridge.get('learner', before.id)) as unknown as Record<string, unknown>;
    expect(after.attendance).toEqual([
      {
        period: { start: '2024-09-01', end: '2025-08-31' },
        possibleSessions: 320,
        attendedSessions: 300,
        authorisedAbsenceSessions: 16,
        unauthorisedAbsenceSessions: 4,
        // The year names no school (no LEA and Estab in YearData), so the source says only the file.
        source: 'Common Transfer File',
      },
      ...(before.attendance as unknown[]),
    ]);
    expect(after.attainment).toContainEqual({
      subject: 'Mathematics',
      measure: 'KS2 TT SCL (CTF)',
      result: '101',
      assessedOn: '2025-07-08',
    });
    expect(after.additionalNeeds).toEqual({ status: 'E', primaryNeed: 'ASD' });
    // Nothing a school does not own moved.
    for (const field of [
      'name',
      'dateOfBirth',
      'identifiers',
      'careStatus',
      'responsibleAuthority',
      'enrolment',
      'contacts',
      'views',
    ])
      expect(after[field], field).toEqual(before[field]);

    // The same file again: the export now holds the update, so the import writes nothing.
    await celr(['export', '--kind', 'learner', '--out', 'learners.ndjson'], { cwd: dir, env: schoolEnv });
    await celr(['convert', 'ctf', 'CTF_in.xml', '--learners', 'learners.ndjson', '--out', 'updates.ndjson'], {
      cwd: dir,
      env: schoolEnv,
    });
    const again = await celr(['import', 'updates.ndjson'], { cwd: dir, env: schoolEnv });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/1 line: 0 created, 0 updated, 1 unchanged, 0 failed/);
  });
});
