import { formatUkDate } from '../dates.js';
import { TABLE_COLUMNS } from './tables.js';

/** The parts of a learner the writer reads (a learner record as CELR gives it). */
export interface LearnerForReturn {
  dateOfBirth: string;
  identifiers?: { system: string; value: string }[];
  careStatus: {
    status: string;
    legalStatus?: string;
    placementType?: string;
    since?: string;
    placementStart?: string;
  };
}

/** The parts of a transition the writer reads. */
export interface TransitionForReturn {
  type: string;
  actualDate?: string;
  from?: { placementType?: string };
  to?: { placementType?: string };
  reasonCode?: string;
}

const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const csvRow = (columns: readonly string[], row: Record<string, string>) =>
  `${columns.map((c) => csvCell(row[c] ?? '')).join(',')}\n`;

export const headerTableHeading = () => `${TABLE_COLUMNS.header.join(',')}\n`;
export const episodesTableHeading = () => `${TABLE_COLUMNS.episodes.join(',')}\n`;

/** The child's id in the return: the learner's `la-child-id:NNN` identifier of that authority. */
export function childIdOf(learner: LearnerForReturn, authority: string): string | undefined {
  return learner.identifiers?.find((i) => i.system === `la-child-id:${authority}`)?.value;
}

export const namesTableHeading = () => `${TABLE_COLUMNS.names.join(',')}\n`;

/** The names table row of a learner (CELR's addition to the return's tables). */
export const namesRow = (learner: { name: { given: string; family: string } }, child: string) =>
  csvRow(TABLE_COLUMNS.names, {
    CHILD: child,
    GIVEN_NAME: learner.name.given,
    FAMILY_NAME: learner.name.family,
  });

/** The header table row of a learner. Columns CELR does not carry (SEX, ETHNIC, ...) are blank. */
export function headerRow(learner: LearnerForReturn, child: string): string {
  const upn = learner.identifiers?.find((i) => i.system === 'upn')?.value ?? '';
  return csvRow(TABLE_COLUMNS.header, { CHILD: child, DOB: formatUkDate(learner.dateOfBirth), UPN: upn });
}

/**
 * The episodes table rows of a looked-after learner's current period of care: one episode from the
 * start of the period, and one more for each placement move since, in date order, so the current
 * placement starts with the last move. Only the latest episode has a legal status: CELR keeps only
 * the current one, and a change of legal status alone (RNE L) is not a move, so it is not written.
 * A learner who is not looked after has no current period of care and gets no rows.
 */
export function episodeRows(
  learner: LearnerForReturn,
  child: string,
  transitions: TransitionForReturn[],
): string {
  const care = learner.careStatus;
  if (care.status !== 'looked-after' || !care.since) return '';
  const moves = transitions
    .filter((t) => t.type === 'placement-move' && t.actualDate && t.actualDate > (care.since as string))
    .sort((a, b) => (a.actualDate as string).localeCompare(b.actualDate as string));
  const episodes: Record<string, string>[] = [
    { DECOM: care.since, RNE: 'S', PLACE: moves[0]?.from?.placementType ?? care.placementType ?? '' },
  ];
  for (const move of moves) {
    const previous = episodes.at(-1) as Record<string, string>;
    Object.assign(previous, {
      DEC: move.actualDate as string,
      REC: 'X1',
      REASON_PLACE_CHANGE: move.reasonCode ?? '',
    });
    episodes.push({ DECOM: move.actualDate as string, RNE: 'P', PLACE: move.to?.placementType ?? '' });
  }
  (episodes.at(-1) as Record<string, string>).LS = care.legalStatus ?? '';
  return episodes
    .map((e) =>
      csvRow(TABLE_COLUMNS.episodes, {
        ...e,
        CHILD: child,
        DECOM: formatUkDate(e.DECOM as string),
        ...(e.DEC ? { DEC: formatUkDate(e.DEC) } : {}),
      }),
    )
    .join('');
}
