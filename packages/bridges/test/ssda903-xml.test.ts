import { describe, expect, it } from 'vitest';
import { convertAll, filesOf, textFile } from './support/ssda903.js';

describe('the SSDA903 return as XML', () => {
  it('converts the same children as the CSV tables do, with errors at the lines of the XML', async () => {
    const csv = await convertAll(filesOf('valid'));
    const xml = await convertAll(filesOf('xml'), { year: '2024-25' });
    // Read as 2024-25: Z11 is not valid yet (line 24, the EPISODE tag); H5 still is, and the third
    // child's last episode, in H5, ended by an SGO (E46) two days after the one the CSV set has.
    expect(xml.problems).toEqual([
      'return.xml:24: PLACE 146 "Z11" is not a placement type code of the 2024-25 return.',
    ]);
    // Ben (C1002, refused here) has a learner and no moves.
    const withoutBen = csv.records.filter(
      (r) => !JSON.stringify(r.record.identifiers ?? []).includes('"C1002"'),
    );
    // In the order the children were first met: names.csv is read first here.
    const byId = (a: { record: Record<string, unknown> }, b: { record: Record<string, unknown> }) =>
      String(a.record.id).localeCompare(String(b.record.id));
    expect([...xml.records].sort(byId)).toEqual(
      withoutBen
        .map((r) =>
          (r.record.careStatus as { status: string })?.status === 'previously-looked-after'
            ? {
                ...r,
                record: {
                  ...r.record,
                  careStatus: { status: 'previously-looked-after', since: '2024-07-02' },
                },
              }
            : r,
        )
        .sort(byId),
    );
    expect(xml.summary.files[0]).toEqual({
      file: 'names.csv',
      table: 'names',
      notCarried: [],
    });
    expect(xml.summary.files[1]).toMatchObject({ file: 'return.xml', table: 'xml' });
    expect(xml.summary.files[1]?.notCarried).toEqual(
      expect.arrayContaining(['SEX', 'ETHNIC', 'AREVIEW', 'MOTHER', 'MC_DOB', 'CIN', 'PLACE_PROVIDER']),
    );
  });

  it('reports XML that cannot be read at its line, and keeps the children read before it', async () => {
    const { problems, summary } = await convertAll([
      textFile(
        'broken.xml',
        '<EXPSSDA903>\n<CHILD><HEADER><CHILDID>K1</CHILDID><DOB>01/01/2012</DOB></HEADER>\n<EPISODE><DECOM>01/09/2024</DECOM><RNE>S</RNE><LS>C2</LS><PL>U4</PL></EPISODE></CHILD>\n<CHILD><HEADER><CHILDID>K2</CHILDID></HEADR>\n',
      ),
      textFile('names.csv', 'CHILD,GIVEN_NAME,FAMILY_NAME\nK1,A,B\n'),
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^broken\.xml:4: - xml The XML cannot be read \(.+\): the rest of the file is not read\.$/,
    );
    expect(summary.converted).toBe(1);
    const other = await convertAll([textFile('other.xml', '<ROOT/>')]);
    expect(other.problems).toEqual([
      'other.xml:1: - xml The XML cannot be read (the root element is ROOT, not EXPSSDA903): the rest of the file is not read.',
    ]);
  });
});
