import type { Episode } from './child-rules.js';
import type { HeaderFacts } from './row-rules.js';

/**
 * What the converter keeps of a child between reading the tables and converting them. The header
 * and episodes are separate files in any order, so each child's rows are kept until every file has
 * been read (in memory, or past a threshold in temporary files: see ChildStore); they are kept as
 * one short string each (fields joined by a tab, files by their index), about a quarter of the
 * memory of the objects they stand for.
 */
export interface ChildState {
  id: string;
  /** fileIndex, line, date of birth, UPN. */
  header?: string;
  /** given, family. */
  name?: string;
  /** One per episode: fileIndex, line, start, end, RNE, LS, PLACE, REC, REASON_PLACE_CHANGE. */
  episodes: string[];
  refused: boolean;
}

const SEP = '\t';

export const packHeader = (fileIndex: number, line: number, facts: HeaderFacts) =>
  [fileIndex, line, facts.dateOfBirth ?? '', facts.upn ?? ''].join(SEP);

export function unpackHeader(packed: string, files: readonly string[]) {
  const [fileIndex, line, dateOfBirth, upn] = packed.split(SEP) as [string, string, string, string];
  const facts: HeaderFacts = { ...(dateOfBirth ? { dateOfBirth } : {}), ...(upn ? { upn } : {}) };
  return { file: files[Number(fileIndex)] as string, line: Number(line), facts };
}

export const packName = (given: string, family: string) => `${given}${SEP}${family}`;

export function unpackName(packed: string) {
  const [given, family] = packed.split(SEP) as [string, string];
  return { given, family };
}

export const packEpisode = (fileIndex: number, e: Omit<Episode, 'file'>) =>
  [fileIndex, e.line, e.start ?? '', e.end ?? '', e.rne, e.ls, e.place, e.rec, e.reasonPlaceChange].join(SEP);

export function unpackEpisode(packed: string, files: readonly string[]): Episode {
  const [fileIndex, line, start, end, rne, ls, place, rec, reasonPlaceChange] = packed.split(SEP) as string[];
  return {
    file: files[Number(fileIndex)] as string,
    line: Number(line),
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    rne: rne ?? '',
    ls: ls ?? '',
    place: place ?? '',
    rec: rec ?? '',
    reasonPlaceChange: reasonPlaceChange ?? '',
  };
}
