import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { convertSsda903, formatProblem } from '@celr/bridges';

// Three tables of a return (names are the authority's own extract: the return carries none).
const file = (name: string, text: string) => ({ name, content: Readable.from([text]) });
const records: unknown[] = [];
const problems: string[] = [];
const summary = await convertSsda903(
  [
    file(
      'episodes.csv',
      'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\nC1,01/09/2024,S,C2,N1,U4,PR1,,,,,,\nC2,01/09/2024,S,C2,N1,H5,PR1,,,,,,\n',
    ),
    file(
      'header.csv',
      'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,14/03/2013,WBRI,UN2,,\nC2,2,01/01/2012,WBRI,,,\n',
    ),
    file('names.csv', 'CHILD,GIVEN_NAME,FAMILY_NAME\nC1,Ada,Fictional\nC2,Ben,Fictional\n'),
  ],
  {
    authority: 'la-code:990',
    year: '2025-26',
    onRecord: (kind, record) => records.push({ kind, record }),
    onProblem: (p) => problems.push(formatProblem(p)),
  },
);

assert.deepEqual(problems, [
  'episodes.csv:3: PLACE 146 "H5" is not a placement type code of the 2025-26 return.',
]);
assert.equal(summary.converted, 1); // the good child is still converted
assert.deepEqual(records[0], {
  kind: 'learner',
  record: {
    id: (records[0] as { record: { id: string } }).record.id,
    jurisdiction: 'england',
    name: { given: 'Ada', family: 'Fictional' },
    dateOfBirth: '2013-03-14',
    identifiers: [{ system: 'la-child-id:990', value: 'C1' }],
    careStatus: {
      status: 'looked-after',
      legalStatus: 'C2',
      placementType: 'U4',
      since: '2024-09-01',
      placementStart: '2024-09-01',
    },
    responsibleAuthority: { scheme: 'la-code', code: '990' },
  },
});
