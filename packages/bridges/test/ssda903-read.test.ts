import { describe, expect, it } from 'vitest';
import { recogniseTable, TABLE_COLUMNS } from '../src/index.js';
import { convertAll, filesOf, textFile } from './support/ssda903.js';

describe('recognising the tables of a return', () => {
  it('knows each table by its header row, in any column order, with extra columns', () => {
    expect(recogniseTable([...TABLE_COLUMNS.episodes].reverse())).toBe('episodes');
    expect(recogniseTable([...TABLE_COLUMNS.header, 'LOCAL_NOTE'])).toBe('header');
    // UASC's columns are all in the header table: the fuller match wins.
    expect(recogniseTable(TABLE_COLUMNS.uasc)).toBe('uasc');
    expect(recogniseTable(['\uFEFFchild', 'dob', 'in_touch', 'activ', 'accom'])).toBe('oc3');
    expect(recogniseTable(['CHILD', 'DOB'])).toBeUndefined();
  });

  it('refuses a file that is none of the tables, and still reads the others', async () => {
    const { problems, summary } = await convertAll([
      ...filesOf('valid'),
      textFile('notes.csv', 'NAME,NOTE\nx,y\n'),
    ]);
    expect(problems).toEqual([
      'notes.csv:1: - table The header row (NAME,NOTE) is not one of an SSDA903 table: the file is not read.',
    ]);
    expect(summary.converted).toBe(3);
  });
});

describe('converting a valid return to CELR records', () => {
  it('maps the header and the current episode of each child, whatever the files are called', async () => {
    const { records, problems, notes, summary } = await convertAll(filesOf('valid'));
    expect(problems).toEqual([]);
    expect(summary).toMatchObject({ children: 3, converted: 3, refused: 0, transitions: 1, problems: 0 });
    const learners = records.filter((r) => r.kind === 'learner').map((r) => r.record);
    const [ada, ben, cara] = learners;
    expect(ada).toMatchObject({
      jurisdiction: 'england',
      name: { given: 'Ada', family: 'Fictional' },
      dateOfBirth: '2013-03-14',
      identifiers: [
        { system: 'la-child-id:990', value: 'C1001' },
        { system: 'upn', value: 'L201234567890' },
      ],
      careStatus: {
        status: 'looked-after',
        legalStatus: 'C2',
        placementType: 'K2',
        since: '2022-09-05',
        placementStart: '2024-01-12',
      },
      responsibleAuthority: { scheme: 'la-code', code: '990' },
    });
    // UN2 says the UPN is unknown: no upn identifier, and no error.
    expect(ben?.identifiers).toEqual([{ system: 'la-child-id:990', value: 'C1002' }]);
    // Z11 (2025-26) is valid in the return but not yet in CELR's list: kept without it, and said so.
    expect(ben?.careStatus).toEqual({
      status: 'looked-after',
      legalStatus: 'V2',
      since: '2025-04-01',
      placementStart: '2025-04-01',
    });
    expect(notes).toEqual([
      "return-a.csv:5: PLACE not-carried Z11 is not in CELR's placement type list yet: the learner is kept without a placement type.",
    ]);
    // Left care under a special guardianship order (E46).
    expect(cara?.careStatus).toEqual({ status: 'previously-looked-after', since: '2024-06-30' });
  });

  it('turns a placement change into a transition with the reason of the episode that ended', async () => {
    const { records } = await convertAll(filesOf('valid'));
    const ada = records.find((r) => r.kind === 'learner')?.record;
    const moves = records.filter((r) => r.kind === 'transition').map((r) => r.record);
    expect(moves).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        jurisdiction: 'england',
        learnerId: ada?.id,
        type: 'placement-move',
        status: 'completed',
        from: { placementType: 'U4' },
        to: { placementType: 'K2' },
        actualDate: '2024-01-12',
        reasonCode: 'CARPL',
      },
    ]);
    // A learner comes before its moves, so an import can resolve learnerId.
    expect(records.map((r) => r.kind)).toEqual(['learner', 'transition', 'learner', 'learner']);
  });

  it('gives the same ids when the same return is converted again, so a second import matches', async () => {
    const first = await convertAll(filesOf('valid'));
    const second = await convertAll(filesOf('valid'));
    expect(second.records.map((r) => r.record.id)).toEqual(first.records.map((r) => r.record.id));
    const other = await convertAll(filesOf('valid'), { authority: 'la-code:991' });
    expect(other.records[0]?.record.id).not.toBe(first.records[0]?.record.id);
  });

  it('lists once per file the columns CELR does not carry', async () => {
    const { summary } = await convertAll(filesOf('valid'));
    expect(summary.files).toEqual([
      { file: 'children-2025.csv', table: 'header', notCarried: ['SEX', 'ETHNIC', 'MOTHER', 'MC_DOB'] },
      { file: 'names.csv', table: 'names', notCarried: [] },
      {
        file: 'return-a.csv',
        table: 'episodes',
        notCarried: ['CIN', 'PLACE_PROVIDER', 'HOME_POST', 'PL_POST', 'URN'],
      },
      { file: 'reviews.csv', table: 'reviews', notCarried: ['DOB', 'REVIEW', 'REVIEW_CODE'] },
    ]);
  });

  it('refuses an authority that is not an LA code', async () => {
    await expect(convertAll(filesOf('valid'), { authority: '990' })).rejects.toThrow(/la-code:NNN/);
  });
});

describe('converting onto the learners already held', () => {
  const heldAda = {
    id: '0193f6a1-0000-7000-8000-00000000a0a0',
    meta: { version: 3 },
    jurisdiction: 'england',
    name: { given: 'Ada', family: 'Heldname', preferred: 'Addie' },
    dateOfBirth: '2013-03-14',
    identifiers: [
      { system: 'upn', value: 'L201234567890' },
      { system: 'mis:example-mis', value: 'P77' },
    ],
    careStatus: { status: 'looked-after', legalStatus: 'C1', placementType: 'U4', since: '2022-09-05' },
    responsibleAuthority: { scheme: 'la-code', code: '990' },
    enrolment: { school: { scheme: 'urn', code: '100001' }, startDate: '2024-09-04', setting: 'full-time' },
  };

  it('keeps every field the return does not carry, under the held id, and needs no names row', async () => {
    const files = filesOf('valid').filter((f) => f.name !== 'names.csv');
    const { records, problems } = await convertAll(files, { held: [heldAda] });
    // Ben and Cara are not held and have no names row; Ada is matched by her UPN.
    expect(problems.map((p) => p.split(' ').slice(0, 3).join(' '))).toEqual([
      'children-2025.csv:3: CHILD name',
      'children-2025.csv:4: CHILD name',
    ]);
    const [learner, move] = records;
    expect(learner?.record).toEqual({
      id: heldAda.id,
      jurisdiction: 'england',
      name: heldAda.name,
      dateOfBirth: '2013-03-14',
      identifiers: [
        { system: 'mis:example-mis', value: 'P77' },
        { system: 'la-child-id:990', value: 'C1001' },
        { system: 'upn', value: 'L201234567890' },
      ],
      careStatus: {
        status: 'looked-after',
        legalStatus: 'C2',
        placementType: 'K2',
        since: '2022-09-05',
        placementStart: '2024-01-12',
      },
      responsibleAuthority: { scheme: 'la-code', code: '990' },
      enrolment: heldAda.enrolment,
    });
    expect(move?.record.learnerId).toBe(heldAda.id);
  });
});
