import assert from 'node:assert/strict';
import { convertCtf, formatCtfProblem } from '@celr/bridges';
import { englandLearner } from '@celr/schema';

// A fictional CTF of two pupils; the school holds a learner with the first one's UPN.
const xml = `<CTfile>
  <Header><CTFversion>25.0</CTFversion></Header>
  <CTFpupilData>
    <Pupil>
      <UPN>C990123424001</UPN><Surname>Okafor-Lees</Surname><Forename>Amara</Forename><DOB>2013-05-14</DOB>
      <Attendance><YearData>
        <Year>2024</Year><SessionsPossible>322</SessionsPossible>
        <SessionsAuthorised>14</SessionsAuthorised><SessionsUnauthorised>6</SessionsUnauthorised>
      </YearData></Attendance>
    </Pupil>
    <Pupil><UPN>B990123424001</UPN><Surname>Fictional</Surname><Forename>Sam</Forename><DOB>2013-05-14</DOB></Pupil>
  </CTFpupilData>
</CTfile>`;
const held = { id: '0b6b2f4e-8d4f-4a55-9c1e-3f2d5a7c9e01', ...englandLearner };

const result = await convertCtf({ name: 'ctf.xml', content: xml }, { learners: [held] });

assert.equal(result.updates.length, 1); // the held learner, with the CTF's attendance added
assert.deepEqual(result.updates[0]?.record.attendance, [
  {
    period: { start: '2024-09-01', end: '2025-08-31' },
    possibleSessions: 322,
    attendedSessions: 302,
    authorisedAbsenceSessions: 14,
    unauthorisedAbsenceSessions: 6,
    source: 'Common Transfer File',
  },
  ...englandLearner.attendance,
]);
assert.deepEqual(result.problems.map(formatCtfProblem), [
  "ctf.xml:11: UPN upn-check-letter 'B990123424001' fails the DfE UPN check: the check letter of its last twelve characters is 'C', but it starts with 'B'. Check the whole UPN against the pupil's record: a mistyped digit changes the check letter too.",
]);
