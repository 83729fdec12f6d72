/** Words and dates as a report for people shows them (British English, dates in UTC as the API gives them). */

const DAY = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const MONTH = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** `2026-04-30` as `30 Apr 2026`. */
export function formatDate(isoDate: string): string {
  return DAY.format(new Date(`${isoDate}T00:00:00Z`));
}

/** `2026-04` as `Apr 2026`. */
export function formatMonth(isoMonth: string): string {
  return MONTH.format(new Date(`${isoMonth}-01T00:00:00Z`));
}

/** The `before` months ending with the month of `isoDate` and the `ahead` after it, oldest first, as `YYYY-MM`. */
export function monthsEnding(isoDate: string, before: number, ahead = 0): string[] {
  const [year, month] = isoDate.split('-').map(Number) as [number, number];
  return Array.from({ length: before + ahead }, (_, i) =>
    new Date(Date.UTC(year, month - before + i, 1)).toISOString().slice(0, 7),
  );
}

/** A code as words: `plan-in-place` as `Plan in place`. */
export function humanise(code: string): string {
  const words = code.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `n` of `of` as a whole percentage, or null when there is nothing to divide. */
export function percent(n: number, of: number): number | null {
  return of ? Math.round((100 * n) / of) : null;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}
