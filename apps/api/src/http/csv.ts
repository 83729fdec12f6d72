/** CSV answers (RFC 4180) for reports that also answer JSON: the media type, when to use it, and one field. */
export const CSV = 'text/csv';

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with an apostrophe.
 */
export function csvField(value: string | number | boolean | null | undefined, text = false): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV when the client asks for it before (or instead of) JSON. */
export function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const csv = types.indexOf(CSV);
  const json = types.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json);
}
