/**
 * The import path of @celr/bridges, through POST /v1/bulk/import, on each database the API runs on:
 * an authority loads a fictional SSDA903 return, its schools load a fictional Common Transfer File
 * onto the learners they can see, and loading both again changes nothing. The SDK's CLI tests run
 * the same path on PGlite only; this runs in the pglite and postgresql projects.
 */
import { Readable } from 'node:stream';
import { type CtfProblem, convertCtf, convertSsda903, type Ssda903Problem } from '@celr/bridges';
import { upnCheckLetter } from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

type Org = Parameters<TestApi['as']>[0];
type Data = Record<string, unknown>;
type Learner = Data & {
  id: string;
  meta: { version: number };
  identifiers: { system: string; value: string }[];
};

/** A valid UPN (DfE check letter) in LA 990's range. */
const upn = (n: number) => {
  const body = `990${String(n).padStart(9, '0')}`;
  return `${upnCheckLetter(`X${body}`)}${body}`;
};

// A fictional 2025-26 return of Northbridge (LA 990): Ava moved placement in April 2025 (one move),
// Ben has been in one placement since 2024, and Cara's placement type H5 is no code of the 2025-26
// list, so the converter refuses her row (episodes.csv line 5) and leaves her out.
const RETURN = {
  'header.csv': `CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
A1,2,14/05/2014,WBRI,${upn(901)},,
B2,1,22/01/2016,WBRI,${upn(902)},,
C3,2,30/11/2010,AOTH,${upn(903)},,
`,
  'episodes.csv': `CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
A1,02/10/2023,S,C1,N1,U6,PR4,15/04/2025,X1,CARPL,XX1 1XX,XX2 2XX,
A1,15/04/2025,P,C2,N1,U4,PR4,,,,XX1 1XX,XX4 4XX,
B2,07/06/2024,S,C2,N1,U1,PR4,,,,XX1 1XX,XX5 5XX,
C3,01/03/2025,S,C2,N1,H5,PR4,,,,XX1 1XX,XX6 6XX,
`,
  'names.csv': `CHILD,GIVEN_NAME,FAMILY_NAME
A1,Ava,Fictional
B2,Ben,Fictional
C3,Cara,Fictional
`,
};

// A fictional CTF of Northbridge Primary (URN 990002), one element a line: Ava (line 7) with a year
// of attendance, a result and SEN support; Ben (line 14) with a year of attendance; a pupil CELR
// does not hold (line 15); and a pupil whose date of birth cannot be read (line 16), refused.
const CTF = `<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header><CTFversion>25.0</CTFversion>
    <SourceSchool><LEA>990</LEA><Estab>2002</Estab><SchoolName>Northbridge Primary</SchoolName></SourceSchool>
  </Header>
  <CTFpupilData>
    <Pupil><UPN>${upn(901)}</UPN><Surname>Fictional</Surname><Forename>Ava</Forename><DOB>2014-05-14</DOB>
      <SENhistory><SEN><SENprovision>K</SENprovision></SEN><SENneeds><SENneed><Type>SEMH</Type><Rank>1</Rank></SENneed></SENneeds></SENhistory>
      <Attendance><YearData><Year>2024</Year><SessionsPossible>320</SessionsPossible><SessionsAuthorised>12</SessionsAuthorised><SessionsUnauthorised>3</SessionsUnauthorised></YearData></Attendance>
      <StageAssessments><KeyStage><Stage>KS2</Stage>
        <StageAssessment><Subject>MAT</Subject><Method>TT</Method><Component>SCL</Component><Result>104</Result><ResultDate>2025-07-08</ResultDate></StageAssessment>
      </KeyStage></StageAssessments>
    </Pupil>
    <Pupil><UPN>${upn(902)}</UPN><Surname>Fictional</Surname><Forename>Ben</Forename><DOB>2016-01-22</DOB><Attendance><YearData><Year>2024</Year><SessionsPossible>318</SessionsPossible><SessionsAttended>300</SessionsAttended><SessionsAuthorised>18</SessionsAuthorised><SessionsUnauthorised>0</SessionsUnauthorised></YearData></Attendance></Pupil>
    <Pupil><UPN>${upn(904)}</UPN><Surname>Fictional</Surname><Forename>Dan</Forename><DOB>2015-03-01</DOB></Pupil>
    <Pupil><UPN>${upn(905)}</UPN><Surname>Fictional</Surname><Forename>Eve</Forename><DOB>2015-02-30</DOB></Pupil>
  </CTFpupilData>
</CTfile>
`;

/** The return as an import file, the row each line came from, and the rows refused. */
async function convertReturn(held: Data[] = []) {
  const lines: string[] = [];
  const sources: { file: string; line: number }[] = [];
  const problems: Ssda903Problem[] = [];
  const summary = await convertSsda903(
    Object.entries(RETURN).map(([name, text]) => ({ name, content: Readable.from([text]) })),
    {
      authority: 'la-code:990',
      year: '2025-26',
      held,
      onRecord: (kind, record, source) => {
        lines.push(JSON.stringify({ kind, record }));
        sources.push(source);
      },
      onProblem: (p) => problems.push(p),
    },
  );
  return { ndjson: lines.join('\n'), sources, problems, summary };
}

async function convertSchoolCtf(learners: unknown[]) {
  const ctf = await convertCtf({ name: 'CTF_in.xml', content: CTF }, { learners });
  return {
    ndjson: ctf.updates.map((u) => JSON.stringify({ kind: 'learner', record: u.record })).join('\n'),
    lines: ctf.updates.map((u) => u.line),
    refused: ctf.problems.filter((p: CtfProblem) => p.severity === 'refused'),
    unmatched: ctf.unmatched,
  };
}

/** Imports per record, lets the worker run the job, and returns it with its failed lines. */
async function importAs(org: Org, ndjson: string) {
  const res = await api.as(org, {
    method: 'POST',
    url: '/v1/bulk/import?mode=per-record',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: ndjson,
  });
  expect(res.statusCode, res.body).toBe(202);
  await api.app.bulkImports!.tick();
  const job = (await api.as(org, { method: 'GET', url: res.headers.location as string })).json();
  const errors = (await api.as(org, { method: 'GET', url: job.links.errors })).json().items as {
    line: number;
    pointer: string;
    rule: string;
  }[];
  return { job, errors };
}

/** What the organisation can see of a kind, as the bulk export gives it: `{ kind, record }` lines. */
async function exported(org: Org, kind: 'learner' | 'transition') {
  const res = await api.as(org, { method: 'GET', url: `/v1/bulk/export?kind=${kind}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string; record: Data });
}

const byUpn = (learners: { record: Data }[], n: number) =>
  learners.find((l) => (l.record as Learner).identifiers.some((i) => i.value === upn(n)))?.record as
    | Learner
    | undefined;

describe('an SSDA903 return and a CTF, converted by @celr/bridges and imported', () => {
  it('writes the learners, moves and school fields, reports refused rows at their lines, and changes nothing the second time', async () => {
    // The authority's return.
    const first = await convertReturn();
    expect(first.problems.map((p) => [p.file, p.line, p.field])).toEqual([['episodes.csv', 5, 'PLACE']]);
    expect(first.summary).toMatchObject({ children: 3, converted: 2, refused: 1, transitions: 1 });

    // Eastmere imports Northbridge's return: the API refuses every line, each at the row it came from.
    const foreign = await importAs('eastmere', first.ndjson);
    expect(foreign.job).toMatchObject({ status: 'failed', counts: { created: 0, failed: 3 } });
    const rows = foreign.errors.map((e) => first.sources[e.line - 1]);
    expect(rows).toEqual([
      { file: 'header.csv', line: 2 },
      { file: 'episodes.csv', line: 3 },
      { file: 'header.csv', line: 3 },
    ]);

    const loaded = await importAs('northbridge', first.ndjson);
    expect(loaded.errors).toEqual([]);
    expect(loaded.job).toMatchObject({
      status: 'succeeded',
      counts: { created: 3, updated: 0, unchanged: 0, failed: 0 },
    });
    const learners = await exported('northbridge', 'learner');
    expect(learners).toHaveLength(2);
    const ava = byUpn(learners, 901)!;
    const ben = byUpn(learners, 902)!;
    expect(byUpn(learners, 903)).toBeUndefined();
    expect(ava).toMatchObject({
      name: { given: 'Ava', family: 'Fictional' },
      dateOfBirth: '2014-05-14',
      responsibleAuthority: { scheme: 'la-code', code: '990' },
      careStatus: {
        status: 'looked-after',
        legalStatus: 'C2',
        placementType: 'U4',
        placementStart: '2025-04-15',
      },
    });
    expect(ava.identifiers).toContainEqual({ system: 'la-child-id:990', value: 'A1' });
    expect(ben.careStatus).toMatchObject({ status: 'looked-after', placementType: 'U1' });
    const transitions = await exported('northbridge', 'transition');
    expect(transitions.map((t) => t.record)).toEqual([
      expect.objectContaining({
        learnerId: ava.id,
        type: 'placement-move',
        status: 'completed',
        actualDate: '2025-04-15',
        from: { placementType: 'U6' },
        to: { placementType: 'U4' },
        reasonCode: 'CARPL',
      }),
    ]);

    // Both go to Northbridge Primary: the school now sees them.
    for (const learner of [ava, ben]) {
      const res = await api.as('northbridge', {
        method: 'PATCH',
        url: `/v1/learners/${learner.id}`,
        payload: {
          enrolment: {
            school: { scheme: 'urn', code: '990002', name: 'Northbridge Primary' },
            startDate: '2025-09-03',
            setting: 'full-time',
          },
        },
        headers: {
          'content-type': 'application/merge-patch+json',
          'if-match': `"v${learner.meta.version}"`,
        },
      });
      expect(res.statusCode, res.body).toBe(200);
    }

    // The school's CTF, against the learners it can see.
    const seen = await exported('otherSchool', 'learner');
    expect(seen).toHaveLength(2);
    const ctf = await convertSchoolCtf(seen);
    expect(ctf.lines).toEqual([7, 14]);
    expect(ctf.unmatched.map((p) => [p.line, p.upn])).toEqual([[15, upn(904)]]);
    expect(ctf.refused.map((p) => [p.line, p.field, p.rule])).toEqual([[16, 'DOB', 'date']]);
    const schoolLoad = await importAs('otherSchool', ctf.ndjson);
    expect(schoolLoad.errors).toEqual([]);
    expect(schoolLoad.job).toMatchObject({ counts: { created: 0, updated: 2, unchanged: 0, failed: 0 } });

    const afterCtf = await exported('northbridge', 'learner');
    const ava2 = byUpn(afterCtf, 901)!;
    const ben2 = byUpn(afterCtf, 902)!;
    expect(ava2.attendance).toEqual([
      {
        period: { start: '2024-09-01', end: '2025-08-31' },
        possibleSessions: 320,
        attendedSessions: 305,
        authorisedAbsenceSessions: 12,
        unauthorisedAbsenceSessions: 3,
        source: 'Common Transfer File',
      },
    ]);
    expect(ava2.attainment).toEqual([
      { subject: 'Mathematics', measure: 'KS2 TT SCL (CTF)', result: '104', assessedOn: '2025-07-08' },
    ]);
    expect(ava2.additionalNeeds).toEqual({ status: 'K', primaryNeed: 'SEMH' });
    expect(ben2.attendance).toEqual([
      expect.objectContaining({ possibleSessions: 318, attendedSessions: 300 }),
    ]);
    // The school wrote only its fields: the authority's are as the return and the enrolment left them.
    for (const field of [
      'name',
      'dateOfBirth',
      'identifiers',
      'careStatus',
      'responsibleAuthority',
      'enrolment',
    ])
      expect(ava2[field], field).toEqual(byUpn(seen, 901)![field]);

    // The same return again, onto the learners held, and the same CTF again: nothing changes.
    const again = await convertReturn(afterCtf.map((l) => l.record));
    const reloaded = await importAs('northbridge', again.ndjson);
    expect(reloaded.job).toMatchObject({ counts: { created: 0, updated: 0, unchanged: 3, failed: 0 } });
    const ctfAgain = await convertSchoolCtf(await exported('otherSchool', 'learner'));
    const schoolAgain = await importAs('otherSchool', ctfAgain.ndjson);
    expect(schoolAgain.job).toMatchObject({ counts: { created: 0, updated: 0, unchanged: 2, failed: 0 } });

    const end = await exported('northbridge', 'learner');
    expect(end.map((l) => [l.record.id, (l.record as Learner).meta.version])).toEqual(
      afterCtf.map((l) => [l.record.id, (l.record as Learner).meta.version]),
    );
    expect((await exported('northbridge', 'transition')).map((t) => t.record)).toEqual(
      transitions.map((t) => t.record),
    );
  });
});
