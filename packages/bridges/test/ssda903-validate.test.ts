import { describe, expect, it } from 'vitest';
import { convertAll, filesOf, textFile } from './support/ssda903.js';

const EPISODES_HEADING =
  'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n';
const HEADER_HEADING = 'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n';

describe('validating a return', () => {
  it('reports every refused row at its own line, naming the DfE rule, and converts the good child', async () => {
    const { records, problems, summary } = await convertAll(filesOf('faulty'));
    expect(problems).toEqual([
      'episodes.csv:9: LS 144 "X9" is not a legal status code of the 2025-26 return.',
      'episodes.csv:9: PLACE 146 "H5" is not a placement type code of the 2025-26 return.',
      'header.csv:3: DOB 102 Date of birth "31/02/2014" is not a date that exists (dd/mm/yyyy).',
      'header.csv:5: UPN 168 "A201234567890" has the wrong check letter.',
      'header.csv:7: CHILD duplicate-child Child C2004 is also on header.csv:6.',
      'episodes.csv:2: DEC 356 The episode ends before it begins.',
      "episodes.csv:6: DECOM 302 The first episode begins before the child's date of birth (01/01/2020).",
      'episodes.csv:8: DECOM 501 The episode begins before the previous one (episodes.csv:7) ended on 01/12/2024.',
      'episodes.csv:10: CHILD no-header Child C2999 has episodes but no row in the header table.',
    ]);
    expect(summary).toMatchObject({ children: 9, converted: 1, refused: 8, problems: 9 });
    expect(records.map((r) => r.record.identifiers)).toEqual([
      [
        { system: 'la-child-id:990', value: 'C2008' },
        { system: 'upn', value: 'D201234567893' },
      ],
    ]);
  });

  it('takes the code list of the collection year', async () => {
    const files = () => [
      textFile(
        'h.csv',
        `${HEADER_HEADING}C1,1,01/01/2012,WBRI,,,\nC2,1,01/01/2012,WBRI,,,\nC3,1,01/01/2012,WBRI,,,\n`,
      ),
      textFile(
        'e.csv',
        `${EPISODES_HEADING}C1,01/09/2023,S,C2,N1,H5,PR1,,,,,,\nC2,01/09/2023,S,C2,N1,K3,PR1,,,,,,\nC3,01/09/2023,S,C2,N1,Z12,PR1,,,,,,\n`,
      ),
      textFile('n.csv', 'CHILD,GIVEN_NAME,FAMILY_NAME\nC1,A,B\nC2,C,D\nC3,E,F\n'),
    ];
    const refusedIn = async (year: '2023-24' | '2024-25' | '2025-26') =>
      (await convertAll(files(), { year })).problems.map((p) => p.split(' ')[0]);
    expect(await refusedIn('2023-24')).toEqual(['e.csv:3:', 'e.csv:4:']); // no K3, no Z12
    expect(await refusedIn('2024-25')).toEqual(['e.csv:4:']); // K3 came, Z12 not yet
    expect(await refusedIn('2025-26')).toEqual(['e.csv:2:']); // H5 gone, Z11-Z14 came
  });

  it('checks the other codes, dates and the end of the collection year', async () => {
    const { problems } = await convertAll(
      [
        textFile('h.csv', `${HEADER_HEADING}C1,1,01/01/2012,WBRI,UN7,,\nC2,1,1/1/2012,WBRI,X12345,,\n`),
        textFile(
          'e.csv',
          `${EPISODES_HEADING}C1,01/09/2023,Q,C2,N9,U4,PR1,30/04/2024,E99,WHIM,,,\nC1,30/04/2024,S,C2,N1,U4,PR1,,,,,,\nC2,01/09/2023,S,C2,N1,U4,PR1,,,,,,\n`,
        ),
        textFile('n.csv', 'CHILD,GIVEN_NAME,FAMILY_NAME\nC1,A,B\nC2,,D\n'),
      ],
      { year: '2023-24' },
    );
    expect(problems).toEqual([
      'h.csv:3: DOB 102 Date of birth "1/1/2012" is not a date that exists (dd/mm/yyyy).',
      'h.csv:3: UPN 168 "X12345" is neither a UPN nor one of UN1 to UN10.',
      'e.csv:2: RNE 143 "Q" is not a reason for new episode code of the 2023-24 return.',
      'e.csv:2: CIN 145 "N9" is not a category of need code of the 2023-24 return.',
      'e.csv:2: REC 149 "E99" is not a reason episode ceased code of the 2023-24 return.',
      'e.csv:2: REASON_PLACE_CHANGE 1009 "WHIM" is not a reason for placement change code of the 2023-24 return.',
      'e.csv:2: DEC 354 The episode ends after the end of the 2023-24 collection year.',
      'n.csv:3: GIVEN_NAME required Both names are needed.',
    ]);
  });

  it('refuses a child with no name, since the return carries none', async () => {
    const { problems, summary } = await convertAll([
      textFile('h.csv', `${HEADER_HEADING}C1,1,01/01/2012,WBRI,,,\n`),
      textFile('e.csv', `${EPISODES_HEADING}C1,01/09/2024,S,C2,N1,U4,PR1,,,,,,\n`),
    ]);
    expect(problems).toEqual([
      'h.csv:2: CHILD name Child C1 has no row in a names table (CHILD,GIVEN_NAME,FAMILY_NAME): SSDA903 carries no names and a CELR learner needs one.',
    ]);
    expect(summary.refused).toBe(1);
  });

  it('leaves out, and says so, a child who left care under 16 other than by an order', async () => {
    const { records, notes, summary } = await convertAll([
      textFile('h.csv', `${HEADER_HEADING}C1,1,01/01/2015,WBRI,,,\nC2,1,01/01/2008,WBRI,,,\n`),
      textFile(
        'e.csv',
        `${EPISODES_HEADING}C1,01/09/2024,S,V2,N1,U4,PR1,01/12/2024,E13,,,,\nC2,01/09/2023,S,V2,N1,U4,PR1,01/12/2024,E13,,,,\n`,
      ),
      textFile('n.csv', 'CHILD,GIVEN_NAME,FAMILY_NAME\nC1,A,B\nC2,C,D\n'),
    ]);
    expect(notes).toEqual([
      'e.csv:2: REC not-carried The child left care under 16 (REC E13) other than by an order: CELR has no care status for them.',
    ]);
    expect(summary).toMatchObject({ converted: 1, notCarried: 1, refused: 0 });
    expect(records[0]?.record.careStatus).toEqual({ status: 'care-leaver', since: '2024-12-01' });
  });
});
