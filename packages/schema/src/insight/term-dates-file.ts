import { type TermDates, validateTermDates } from './calendar.js';

/**
 * Term dates as authorities keep them: a JSON document (TermDates), or a spreadsheet saved as CSV
 * with one row per term. Each fault names the line and field it is on and a stable rule, so that a
 * tool can print `file:line: field: message (rule)` and the person can find the cell.
 */

/** The CSV columns: `term`, `start` and `end` are needed; the half-term break is optional. */
export const TERM_DATES_CSV_COLUMNS = ['term', 'start', 'end', 'half_term_start', 'half_term_end'] as const;
type Column = (typeof TERM_DATES_CSV_COLUMNS)[number];
const REQUIRED: Column[] = ['term', 'start', 'end'];

export interface TermDatesFileIssue {
  /** 1-based line of the file; 0 when the fault is the whole file's. */
  line: number;
  /** The CSV column, or for JSON the JSON pointer; absent for the whole file. */
  field?: string;
  rule: string;
  message: string;
}

export type TermDatesFileResult =
  | { ok: true; termDates: TermDates }
  | { ok: false; issues: TermDatesFileIssue[] };

/** Rows read at most: the schema allows 200 terms, and a bigger file is refused at its 201st row. */
const MAX_TERMS = 200;

/** RFC 4180 records with the line each starts on: quoted fields may hold commas, quotes ("") and line breaks. */
function* csvRecords(text: string): Generator<{ line: number; fields: string[] }> {
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (;;) {
      if (i >= text.length) {
        fields.push(field);
        break;
      }
      const c = text[i]!;
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (c === '"') {
          quoted = false;
          i += 1;
        } else {
          if (c === '\n') line += 1;
          field += c;
          i += 1;
        }
      } else if (c === '"' && field === '') {
        quoted = true;
        i += 1;
      } else if (c === ',') {
        fields.push(field);
        field = '';
        i += 1;
      } else if (c === '\r' || c === '\n') {
        fields.push(field);
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line += 1;
        break;
      } else {
        field += c;
        i += 1;
      }
    }
    yield { line: start, fields };
  }
}

/**
 * Term dates from CSV: a header row naming the columns (any order), then one row per term in date
 * order. `meta` gives the document's name (and source), which a spreadsheet does not hold.
 */
export function termDatesFromCsv(text: string, meta: { name: string; source?: string }): TermDatesFileResult {
  const issues: TermDatesFileIssue[] = [];
  const records = csvRecords(text.replace(/^\uFEFF/, ''));
  // Read by hand, not for..of: leaving a for..of closes the generator, and the rows come after.
  let header: { line: number; fields: string[] } | undefined;
  for (let next = records.next(); !next.done; next = records.next()) {
    if (next.value.fields.some((f) => f.trim() !== '')) {
      header = next.value;
      break;
    }
  }
  if (!header)
    return { ok: false, issues: [{ line: 0, rule: 'empty', message: 'The file has no header row.' }] };
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  columns.forEach((c, i) => {
    if (!(TERM_DATES_CSV_COLUMNS as readonly string[]).includes(c))
      issues.push({
        line: header.line,
        field: c || `column ${i + 1}`,
        rule: 'unknown-column',
        message: `'${c}' is not a column of term dates; the columns are ${TERM_DATES_CSV_COLUMNS.join(', ')}.`,
      });
    else if (columns.indexOf(c) !== i)
      issues.push({ line: header.line, field: c, rule: 'unique', message: `'${c}' is named twice.` });
  });
  for (const c of REQUIRED)
    if (!columns.includes(c))
      issues.push({
        line: header.line,
        field: c,
        rule: 'missing-column',
        message: `The header has no '${c}' column.`,
      });
  if (issues.length) return { ok: false, issues };

  const lines: number[] = [];
  const terms: TermDates['terms'] = [];
  for (let next = records.next(); !next.done; next = records.next()) {
    const r = next.value;
    if (r.fields.every((f) => f.trim() === '')) continue;
    if (terms.length === MAX_TERMS)
      return {
        ok: false,
        issues: [
          { line: r.line, rule: 'maxItems', message: `At most ${MAX_TERMS} terms; this row is one more.` },
        ],
      };
    if (r.fields.length !== columns.length) {
      issues.push({
        line: r.line,
        rule: 'field-count',
        message: `The row has ${r.fields.length} fields; the header has ${columns.length}.`,
      });
      continue;
    }
    const cell = (c: Column) => {
      const i = columns.indexOf(c);
      return i === -1 ? '' : r.fields[i]!.trim();
    };
    const [breakStart, breakEnd] = [cell('half_term_start'), cell('half_term_end')];
    if (Boolean(breakStart) !== Boolean(breakEnd))
      issues.push({
        line: r.line,
        field: breakStart ? 'half_term_end' : 'half_term_start',
        rule: 'required',
        message: 'A half-term break has a start and an end, or neither.',
      });
    lines.push(r.line);
    terms.push({
      name: cell('term'),
      start: cell('start'),
      end: cell('end'),
      ...(breakStart && breakEnd ? { breaks: [{ start: breakStart, end: breakEnd }] } : {}),
    });
  }
  if (issues.length) return { ok: false, issues };
  const termDates: TermDates = { name: meta.name, ...(meta.source ? { source: meta.source } : {}), terms };
  const schemaIssues = validateTermDates(termDates);
  if (!schemaIssues.length) return { ok: true, termDates };
  return {
    ok: false,
    issues: schemaIssues.map((issue) => {
      // /terms/3/start -> the fourth row's `start`; /terms/3/breaks/0[/end] -> its half-term cells.
      const m = /^\/terms\/(\d+)(?:\/(name|start|end|breaks)(?:\/0(?:\/(start|end))?)?)?/.exec(issue.pointer);
      if (!m)
        return {
          line: 0,
          ...(issue.pointer ? { field: issue.pointer } : {}),
          rule: issue.rule,
          message: issue.message,
        };
      const field =
        m[2] === 'name'
          ? 'term'
          : m[2] === 'breaks'
            ? m[3] === 'end'
              ? 'half_term_end'
              : 'half_term_start'
            : (m[2] as Column | undefined);
      return {
        line: lines[Number(m[1])] ?? 0,
        ...(field ? { field } : {}),
        rule: issue.rule,
        message: issue.message,
      };
    }),
  };
}

/** Term dates from a JSON document: a syntax error names its line; a fault of the document its pointer. */
export function termDatesFromJson(text: string): TermDatesFileResult {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : 0;
    return { ok: false, issues: [{ line, rule: 'json', message: `Not JSON: ${message}` }] };
  }
  const issues = validateTermDates(value);
  if (!issues.length) return { ok: true, termDates: value as TermDates };
  return {
    ok: false,
    issues: issues.map((i) => ({
      line: 0,
      ...(i.pointer ? { field: i.pointer } : {}),
      rule: i.rule,
      message: i.message,
    })),
  };
}

/** One issue as a line for people: `file:line: field: message (rule)`. */
export const describeTermDatesIssue = (file: string, issue: TermDatesFileIssue): string =>
  `${file}${issue.line ? `:${issue.line}` : ''}: ${issue.field ? `${issue.field}: ` : ''}${issue.message} (${issue.rule})`;
