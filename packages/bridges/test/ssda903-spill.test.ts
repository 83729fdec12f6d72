import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConvertSsda903Options, Ssda903File } from '../src/index.js';
import { fictionalReturn } from './support/fictional-return.js';
import { convertAll, filesOf, textFile } from './support/ssda903.js';

const HEADER_HEADING = 'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n';
const EPISODES_HEADING =
  'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n';
const NAMES_HEADING = 'CHILD,GIVEN_NAME,FAMILY_NAME\n';

let under: string;
beforeEach(() => {
  under = mkdtempSync(join(tmpdir(), 'celr-spill-test-'));
});
afterEach(() => rmSync(under, { recursive: true, force: true }));

/** The files of the spill folder made in `under` (none when nothing was spilled). */
const spillFiles = () => readdirSync(under).flatMap((dir) => readdirSync(join(under, dir)));

/**
 * Converts through the spill (with a threshold of `spillAfterChildren`), noting what the spill folder
 * held each time a record or a problem came out.
 */
async function convertSpilled(
  files: Ssda903File[],
  spillAfterChildren: number,
  options: Partial<ConvertSsda903Options> = {},
) {
  const seen = new Set<string>();
  const counts: number[] = [];
  let folders = 0;
  const look = () => {
    folders = Math.max(folders, readdirSync(under).length);
    const now = spillFiles();
    counts.push(now.length);
    for (const f of now) seen.add(f);
  };
  const records: { kind: string; record: Record<string, unknown> }[] = [];
  const result = await convertAll(files, {
    spillAfterChildren,
    spillDirectory: under,
    onRecord: (kind, record) => {
      look();
      records.push({ kind, record });
    },
    ...options,
  });
  return { ...result, records, partitions: [...seen], folders, counts };
}

/** Records and problems in an order that does not depend on the order of the children. */
const sorted = (result: Awaited<ReturnType<typeof convertAll>>) => ({
  records: result.records.map((r) => JSON.stringify(r)).sort(),
  problems: [...result.problems].sort(),
  notes: [...result.notes].sort(),
  summary: result.summary,
});

/** Every transition comes after the learner it is about. */
function expectLearnersFirst(records: { kind: string; record: Record<string, unknown> }[]) {
  const seen = new Set<unknown>();
  for (const { kind, record } of records)
    if (kind === 'learner') seen.add(record.id);
    else expect(seen.has(record.learnerId), `the learner of transition ${record.id} comes first`).toBe(true);
}

/**
 * Two header files with a child in both, and episodes and names in files of their own. C0's header
 * row is refused (no 31 February), so a threshold of 1 or 2 spills it already refused.
 */
const acrossFiles = () => [
  textFile(
    'header-a.csv',
    `${HEADER_HEADING}C0,1,31/02/2012,WBRI,,,\nC1,1,01/01/2012,WBRI,,,\nC2,1,01/02/2012,WBRI,,,\nC3,2,01/03/2012,WBRI,,,\nC4,2,01/04/2012,WBRI,,,\n`,
  ),
  textFile(
    'episodes.csv',
    `${EPISODES_HEADING}C5,01/09/2023,S,C2,N1,U4,PR1,,,,,,\nC4,01/09/2023,S,C2,N1,U4,PR1,01/02/2024,X1,CARPL,,,\nC4,01/02/2024,P,C2,N1,K2,PR1,,,,,,\nC1,01/09/2023,S,C2,N1,U4,PR1,,,,,,\nC2,01/09/2023,S,C2,N1,U4,PR1,,,,,,\nC3,01/09/2023,S,C2,N1,U4,PR1,,,,,,\nC6,01/09/2023,S,C2,N1,U4,PR1,,,,,,\nC0,01/09/2023,S,C2,N1,U4,PR1,,,,,,\n`,
  ),
  // C2 again (a duplicate in another file), and C5 and C6, whose episodes came before their header.
  textFile(
    'header-b.csv',
    `${HEADER_HEADING}C5,1,05/05/2013,WBRI,,,\nC2,1,01/02/2012,WBRI,,,\nC6,2,06/06/2013,WBRI,,,\n`,
  ),
  textFile(
    'names.csv',
    `${NAMES_HEADING}C6,Fay,Fictional\nC1,Ada,Fictional\nC2,Ben,Fictional\nC3,Cy,\nC4,Dee,Fictional\nC5,Eve,Fictional\nC0,Al,Fictional\n`,
  ),
];

describe('converting through temporary files past spillAfterChildren', () => {
  // A threshold of 1 spills at the second child; the others hold some children in memory first and
  // spill in the middle of a file.
  const cases: [string, () => Ssda903File[], Partial<ConvertSsda903Options>, number[]][] = [
    ['the valid return', () => filesOf('valid'), {}, [1, 2]],
    ['the faulty return (refused children, a duplicate header)', () => filesOf('faulty'), {}, [1, 3, 5]],
    ['duplicates and episodes in other files than the header', acrossFiles, {}, [1, 2, 4]],
    ['the XML return', () => filesOf('xml'), { year: '2024-25' }, [1, 2]],
  ];
  for (const [name, files, options, limits] of cases)
    it.each(limits)(
      `gives the records, problems and summary of the in-memory path: ${name}, %i`,
      async (limit) => {
        const inMemory = await convertAll(files(), options);
        const spilled = await convertSpilled(files(), limit, options);
        expect(spilled.folders, 'the rows were spilled').toBe(1);
        expect(sorted(spilled)).toEqual(sorted(inMemory));
        expectLearnersFirst(spilled.records);
        expect(readdirSync(under)).toEqual([]);
      },
    );

  it('reports a duplicate found only when a partition is read back at its own row', async () => {
    const inMemory = await convertAll(acrossFiles());
    const spilled = await convertSpilled(acrossFiles(), 1);
    const duplicate = 'header-b.csv:3: CHILD duplicate-child Child C2 is also on header-a.csv:4.';
    expect(inMemory.problems).toContain(duplicate);
    expect(spilled.problems).toContain(duplicate);
    // C0 (its date of birth), C2 (the duplicate) and C3 (a name missing) refused, the others converted.
    expect(spilled.summary).toMatchObject({ children: 7, converted: 4, refused: 3, transitions: 1 });
  });

  it('splits a partition again when it holds too many children, and converts them all', async () => {
    const inMemory = await convertAll(fictionalReturn(1500));
    // 1,500 children in 64 partitions are about 23 each: past 10, each is split again.
    const spilled = await convertSpilled(fictionalReturn(1500), 10);
    expect(spilled.partitions.length).toBeGreaterThan(10);
    // Each file is removed once read back, so the disk the spill takes falls as the records go out.
    expect(spilled.counts.at(-1)).toBeLessThan(spilled.counts[0] as number);
    expect(
      spilled.partitions.some((p) => /^p\d+\.\d+$/.test(p)),
      'a partition was split again',
    ).toBe(true);
    expect(sorted(spilled)).toEqual(sorted(inMemory));
    expect(spilled.summary).toMatchObject({ children: 1500, converted: 1500, transitions: 1500 });
    expectLearnersFirst(spilled.records);
    expect(readdirSync(under)).toEqual([]);
  }, 60_000);

  it('keeps a return under the threshold in memory, in the order of its files', async () => {
    const inMemory = await convertAll(acrossFiles());
    const result = await convertSpilled(acrossFiles(), 7);
    expect(result.folders).toBe(0);
    expect(result.records).toEqual(inMemory.records);
    expect(result.problems).toEqual(inMemory.problems);
  });

  it('removes the temporary files when onRecord throws', async () => {
    let records = 0;
    let folders = 0;
    const failing = convertAll(filesOf('valid'), {
      spillAfterChildren: 1,
      spillDirectory: under,
      onRecord: () => {
        folders = readdirSync(under).length;
        if (++records === 2) throw new Error('the disk is full');
      },
    });
    await expect(failing).rejects.toThrow('the disk is full');
    expect([records, folders]).toEqual([2, 1]);
    expect(readdirSync(under)).toEqual([]);
  });

  it('removes the temporary files when a file cannot be read to its end', async () => {
    let spilled = 0;
    const broken: Ssda903File = {
      name: 'names.csv',
      content: Readable.from(
        (async function* () {
          // By now the other two files' rows are in the spill's files.
          spilled = spillFiles().length;
          yield NAMES_HEADING;
          yield 'F0000000,Child0,Fictional\n';
          throw new Error('the network share went away');
        })(),
      ),
    };
    const [header, episodes] = fictionalReturn(12_000);
    const failing = convertAll([header, episodes, broken] as Ssda903File[], {
      spillAfterChildren: 10,
      spillDirectory: under,
    });
    await expect(failing).rejects.toThrow('the network share went away');
    expect(spilled).toBeGreaterThan(10);
    expect(readdirSync(under)).toEqual([]);
  }, 60_000);
});
