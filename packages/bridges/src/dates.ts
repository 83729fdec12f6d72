/**
 * Dates as the DfE's returns write them. SSDA903 CSV tables write dd/mm/yyyy; a calendar date that
 * does not exist (31/02/2024) or a two-digit year is refused, not rolled over as `Date` would.
 */
const UK_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

/** The ISO form (yyyy-mm-dd) of a dd/mm/yyyy date, or undefined when it is not one that exists. */
export function parseUkDate(text: string): string | undefined {
  const m = UK_DATE.exec(text.trim());
  if (!m) return undefined;
  const [, dd, mm, yyyy] = m as unknown as [string, string, string, string];
  return isoIfReal(Number(yyyy), Number(mm), Number(dd));
}

/** The dd/mm/yyyy form of an ISO date, as a writer of a return needs it. */
export function formatUkDate(iso: string): string {
  const [yyyy, mm, dd] = iso.slice(0, 10).split('-');
  return `${dd}/${mm}/${yyyy}`;
}

function isoIfReal(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1) return undefined;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > days) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
