import { formatUkDate } from '../dates.js';
import type { Ssda903Problem } from './problems.js';
import type { EpisodeFacts } from './row-rules.js';

/** An episode with the line it came from. */
export interface Episode extends EpisodeFacts {
  file: string;
  line: number;
}

const at = (e: Episode) => `${e.file}:${e.line}`;

/**
 * The rules that need all of a child's episodes: 356 (an episode ends before it begins), 501 (an
 * episode begins before the previous one ended, or while it is still open) and 302 (the first
 * episode begins before the child was born). Episodes are taken in order of their start, as the
 * DfE's rules take them, whatever their order in the file.
 */
export function checkEpisodes(episodes: Episode[], dateOfBirth: string | undefined): Ssda903Problem[] {
  const problems: Ssda903Problem[] = [];
  const dated = episodes
    .filter((e) => e.start)
    .sort((a, b) => (a.start as string).localeCompare(b.start as string));
  for (const e of dated)
    if (e.end && e.end < (e.start as string))
      problems.push({
        file: e.file,
        line: e.line,
        field: 'DEC',
        rule: '356',
        message: 'The episode ends before it begins.',
      });
  for (let i = 1; i < dated.length; i++) {
    const previous = dated[i - 1] as Episode;
    const e = dated[i] as Episode;
    if (!previous.end || (e.start as string) < previous.end)
      problems.push({
        file: e.file,
        line: e.line,
        field: 'DECOM',
        rule: '501',
        message: `The episode begins before the previous one (${at(previous)}) ended${previous.end ? ` on ${formatUkDate(previous.end)}` : ': it has no end date'}.`,
      });
  }
  const first = dated[0];
  if (first && dateOfBirth && (first.start as string) < dateOfBirth)
    problems.push({
      file: first.file,
      line: first.line,
      field: 'DECOM',
      rule: '302',
      message: `The first episode begins before the child's date of birth (${formatUkDate(dateOfBirth)}).`,
    });
  return problems;
}

/** Episodes in order of their start; only called once checkEpisodes() found nothing wrong. */
export const inOrder = (episodes: Episode[]) =>
  [...episodes].sort((a, b) => (a.start as string).localeCompare(b.start as string));
