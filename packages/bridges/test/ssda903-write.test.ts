import { describe, expect, it } from 'vitest';
import {
  childIdOf,
  episodeRows,
  episodesTableHeading,
  headerRow,
  headerTableHeading,
  type LearnerForReturn,
  namesRow,
  namesTableHeading,
  type TransitionForReturn,
} from '../src/index.js';
import { fictionalReturn } from './support/fictional-return.js';
import { convertAll, filesOf, textFile } from './support/ssda903.js';

type Learner = LearnerForReturn & { id: string; name: { given: string; family: string } };

/** The three tables written back from converted records. */
function writeReturn(records: { kind: string; record: Record<string, unknown> }[]) {
  let header = headerTableHeading();
  let episodes = episodesTableHeading();
  let names = namesTableHeading();
  const learners = records.filter((r) => r.kind === 'learner').map((r) => r.record as unknown as Learner);
  for (const learner of learners) {
    const child = childIdOf(learner, '990') as string;
    const moves = records
      .filter((r) => r.kind === 'transition' && r.record.learnerId === learner.id)
      .map((r) => r.record as unknown as TransitionForReturn);
    header += headerRow(learner, child);
    episodes += episodeRows(learner, child, moves);
    names += namesRow(learner, child);
  }
  return [textFile('header.csv', header), textFile('episodes.csv', episodes), textFile('names.csv', names)];
}

describe('writing the header and episodes tables from CELR records', () => {
  it('writes a looked-after child back so that converting again gives the same records', async () => {
    const first = await convertAll(filesOf('valid'));
    const lookedAfter = first.records.filter(
      (r) => r.kind === 'transition' || (r.record.careStatus as { status: string }).status === 'looked-after',
    );
    expect(lookedAfter.length).toBe(3); // Ada and her move, Ben
    const written = writeReturn(lookedAfter);
    const second = await convertAll(written);
    expect(second.problems).toEqual([]);
    expect(second.records).toEqual(lookedAfter);
  });

  it('writes the tables as the DfE lays them out', async () => {
    const { records } = await convertAll(filesOf('valid'));
    const [header, episodes] = await Promise.all(
      writeReturn(records.slice(0, 2)).map(async (f) => {
        let text = '';
        for await (const chunk of f.content) text += chunk;
        return text;
      }),
    );
    expect(header).toBe('CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1001,,14/03/2013,,L201234567890,,\n');
    expect(episodes).toBe(
      'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n' +
        'C1001,05/09/2022,S,,,U4,,12/01/2024,X1,CARPL,,,\n' +
        'C1001,12/01/2024,P,C2,,K2,,,,,,,\n',
    );
  });

  it('round-trips a generated return of 2,000 children', async () => {
    const first = await convertAll(fictionalReturn(2000));
    expect(first.summary).toMatchObject({ converted: 2000, refused: 0, transitions: 2000 });
    const second = await convertAll(writeReturn(first.records));
    expect(second.records).toEqual(first.records);
  }, 60_000);
});
