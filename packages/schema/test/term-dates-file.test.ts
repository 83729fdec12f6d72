import { describe, expect, it } from 'vitest';
import {
  describeTermDatesIssue,
  exampleCompliancePolicy,
  exampleTermDates,
  termDatesFromCsv,
  termDatesFromJson,
  validateCompliancePolicy,
  validateTermDates,
} from '../src/index.js';

const meta = { name: 'Northbridge 2026 to 2027' };
const HEADER = 'term,start,end,half_term_start,half_term_end';

describe('the examples', () => {
  it('are valid', () => {
    expect(validateTermDates(exampleTermDates)).toEqual([]);
    expect(validateCompliancePolicy(exampleCompliancePolicy)).toEqual([]);
  });
});

describe('term dates from CSV', () => {
  it('reads one term a row, columns in any order, quotes, CRLF, a BOM and blank lines', () => {
    const csv = `\uFEFFstart,end,term,half_term_end,half_term_start\r\n2026-09-02,2026-12-18,"Autumn, 2026",2026-10-30,2026-10-26\r\n\r\n2027-01-05,2027-03-26,Spring 2027,,\r\n`;
    const result = termDatesFromCsv(csv, { ...meta, source: 'https://example.org' });
    expect(result).toEqual({
      ok: true,
      termDates: {
        name: meta.name,
        source: 'https://example.org',
        terms: [
          {
            name: 'Autumn, 2026',
            start: '2026-09-02',
            end: '2026-12-18',
            breaks: [{ start: '2026-10-26', end: '2026-10-30' }],
          },
          { name: 'Spring 2027', start: '2027-01-05', end: '2027-03-26' },
        ],
      },
    });
  });

  it('names the line, field and rule of each fault', () => {
    const csv = [
      HEADER,
      'Autumn 2026,2026-09-02,2026-12-18,2026-10-26,2026-10-30',
      'Spring 2027,2027-02-30,2027-03-26,,',
      'Summer 2027,2027-03-01,2027-07-21,2027-05-31,2027-06-04',
    ].join('\n');
    const result = termDatesFromCsv(csv, meta);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([{ line: 3, field: 'start', rule: 'format', message: expect.any(String) }]);
    expect(describeTermDatesIssue('terms.csv', result.issues[0]!)).toMatch(
      /^terms\.csv:3: start: .+ \(format\)$/,
    );

    const overlapping = termDatesFromCsv(csv.replace('2027-02-30', '2027-01-05'), meta);
    expect(overlapping.ok || overlapping.issues).toEqual([
      { line: 4, field: 'start', rule: 'terms-in-order', message: expect.any(String) },
    ]);
    const breakOutside = termDatesFromCsv(
      `${HEADER}\nAutumn,2026-09-02,2026-12-18,2026-12-21,2026-12-23`,
      meta,
    );
    expect(breakOutside.ok || breakOutside.issues).toEqual([
      { line: 2, field: 'half_term_start', rule: 'break-in-term', message: expect.any(String) },
    ]);
    const halfBreak = termDatesFromCsv(`${HEADER}\nAutumn,2026-09-02,2026-12-18,2026-10-26,`, meta);
    expect(halfBreak.ok || halfBreak.issues).toEqual([
      { line: 2, field: 'half_term_end', rule: 'required', message: expect.any(String) },
    ]);
    const short = termDatesFromCsv(`${HEADER}\nAutumn,2026-09-02`, meta);
    expect(short.ok || short.issues).toEqual([{ line: 2, rule: 'field-count', message: expect.any(String) }]);
  });

  it('refuses an unknown or missing column, an empty file and more than 200 terms', () => {
    const unknown = termDatesFromCsv('term,start,end,inset_day\n', meta);
    expect(unknown.ok || unknown.issues.map((i) => [i.line, i.field, i.rule])).toEqual([
      [1, 'inset_day', 'unknown-column'],
    ]);
    const missing = termDatesFromCsv('term,start\n', meta);
    expect(missing.ok || missing.issues.map((i) => [i.line, i.field, i.rule])).toEqual([
      [1, 'end', 'missing-column'],
    ]);
    expect(termDatesFromCsv('\n\n', meta)).toMatchObject({ ok: false, issues: [{ line: 0, rule: 'empty' }] });
    const rows = Array.from({ length: 100_000 }, (_, i) => `T${i},2026-09-02,2026-12-18,,`);
    const many = termDatesFromCsv([HEADER, ...rows].join('\n'), meta);
    expect(many).toMatchObject({ ok: false, issues: [{ line: 202, rule: 'maxItems' }] });
  });
});

describe('term dates from JSON', () => {
  it('reads a TermDates document, names the line of a syntax error and the pointer of a fault', () => {
    expect(termDatesFromJson(JSON.stringify(exampleTermDates))).toEqual({
      ok: true,
      termDates: exampleTermDates,
    });
    // A missing comma: the parser names the position, which is line 3 (Node gives no position for every error).
    const broken = termDatesFromJson('{\n  "name": "x"\n  "terms": []\n}');
    expect(broken).toMatchObject({ ok: false, issues: [{ line: 3, rule: 'json' }] });
    const extra = termDatesFromJson(JSON.stringify({ ...exampleTermDates, colour: 'red' }));
    expect(extra).toMatchObject({
      ok: false,
      issues: [{ line: 0, field: '/colour', rule: 'unknown-property' }],
    });
  });
});
