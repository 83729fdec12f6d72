/**
 * Bank holidays and day arithmetic. The holiday lists are checked against their rules recomputed
 * here independently (Easter by the anonymous Gregorian algorithm, the fixed days with their
 * Saturday and Sunday substitutes); the arithmetic against dates worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  addCalendarDays,
  addMonths,
  addSchoolDays,
  addTerms,
  addWorkingDays,
  CalendarRangeError,
  englandAndWalesBankHolidays as ew,
  isSchoolDay,
  isWorkingDay,
  scotlandBankHolidays as sc,
  schoolDaysBetween,
  validateTermDates,
  workingDaysBetween,
} from '../src/index.js';
import { anyshireTerms } from './support/terms.js';

const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
const dow = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

/** Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
function easter(y: number): [number, number] {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}
const firstMonday = (y: number, m: number) => {
  let d = 1;
  while (dow(y, m, d) !== 1) d++;
  return iso(y, m, d);
};
const lastMonday = (y: number, m: number) => {
  let d = new Date(Date.UTC(y, m, 0)).getUTCDate();
  while (dow(y, m, d) !== 1) d--;
  return iso(y, m, d);
};
/** Fixed days in order; one on a weekend moves to the next weekday no other holiday of the group takes. */
function fixedWithSubstitutes(y: number, days: [number, number][]): string[] {
  const out: string[] = [];
  for (const [m, d] of days) {
    let day = Date.UTC(y, m - 1, d) / 86_400_000;
    const weekend = (n: number) => [0, 6].includes(new Date(n * 86_400_000).getUTCDay());
    while (weekend(day) || out.includes(new Date(day * 86_400_000).toISOString().slice(0, 10))) day++;
    out.push(new Date(day * 86_400_000).toISOString().slice(0, 10));
  }
  return out;
}
function expectedHolidays(division: 'england-and-wales' | 'scotland', y: number): string[] {
  const [em, ed] = easter(y);
  const goodFriday = iso(y, em, ed - 2);
  const easterMonday = iso(y, em, ed + 1);
  const days =
    division === 'england-and-wales'
      ? [
          ...fixedWithSubstitutes(y, [[1, 1]]),
          goodFriday,
          easterMonday,
          firstMonday(y, 5),
          lastMonday(y, 5),
          lastMonday(y, 8),
          ...fixedWithSubstitutes(y, [
            [12, 25],
            [12, 26],
          ]),
        ]
      : [
          ...fixedWithSubstitutes(y, [
            [1, 1],
            [1, 2],
          ]),
          goodFriday,
          firstMonday(y, 5),
          lastMonday(y, 5),
          // Royal proclamation of 4 February 2026: Scotland's first World Cup match since 1998.
          ...(y === 2026 ? ['2026-06-15'] : []),
          firstMonday(y, 8),
          ...fixedWithSubstitutes(y, [[11, 30]]),
          ...fixedWithSubstitutes(y, [
            [12, 25],
            [12, 26],
          ]),
        ];
  return days.sort();
}

describe('bank holidays as data', () => {
  it.each([
    ['england-and-wales', ew],
    ['scotland', sc],
  ] as const)(
    '%s: every year 2024 to 2027 matches its rules, on weekdays, with a GOV.UK source',
    (division, calendar) => {
      expect(calendar.source.url).toBe('https://www.gov.uk/bank-holidays.json');
      expect(calendar.covers).toEqual({ from: '2024-01-01', to: '2027-12-31' });
      const dates = calendar.holidays.map((h) => h.date);
      const expected = [2024, 2025, 2026, 2027].flatMap((y) => expectedHolidays(division, y));
      expect(dates).toEqual(expected);
      for (const d of dates) expect([0, 6]).not.toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
    },
  );

  it('has the edges named in the brief, by hand', () => {
    const has = (c: typeof ew, d: string) => c.holidays.some((h) => h.date === d);
    // Boxing Day 2026 is a Saturday: Monday 28th instead, in both divisions.
    expect(has(ew, '2026-12-28') && has(sc, '2026-12-28')).toBe(true);
    // Christmas 2027 is a Saturday and Boxing Day a Sunday: Monday 27th and Tuesday 28th.
    expect(['2027-12-27', '2027-12-28'].every((d) => has(ew, d) && has(sc, d))).toBe(true);
    // 2 January 2027 is a Saturday: Scotland has Monday 4 January; England has neither.
    expect(has(sc, '2027-01-04')).toBe(true);
    expect(has(ew, '2027-01-04') || has(ew, '2027-01-02')).toBe(false);
    // St Andrew's Day: Saturday in 2024 (Monday 2 December), Sunday in 2025 (Monday 1 December).
    expect(has(sc, '2024-12-02') && has(sc, '2025-12-01') && has(sc, '2026-11-30')).toBe(true);
    // Easter Monday is not a Scottish bank holiday; Scotland's summer holiday is in early August.
    expect(has(sc, '2027-03-29')).toBe(false);
    expect(has(ew, '2027-03-29')).toBe(true);
    expect(has(sc, '2026-08-03') && !has(ew, '2026-08-03') && has(ew, '2026-08-31')).toBe(true);
  });
});

describe('working days', () => {
  it.each([
    // Thu 17 Dec 2026 + 10: 18, 21, 22, 23, 24, (25, 28 Dec off), 29, 30, 31, (1 Jan off), 4, 5 Jan.
    [ew, '2026-12-17', 10, '2027-01-05'],
    // Scotland also has Mon 4 Jan 2027 (2 January's substitute): one day later.
    [sc, '2026-12-17', 10, '2027-01-06'],
    // Wed 24 Mar 2027 + 2: Thu 25, (Good Friday 26, Easter Monday 29 off in England), Tue 30.
    [ew, '2027-03-24', 2, '2027-03-30'],
    // In Scotland Easter Monday is a working day.
    [sc, '2027-03-24', 2, '2027-03-29'],
    // Fri 29 Nov 2024 + 1: Scotland's St Andrew's Day substitute is Mon 2 Dec.
    [sc, '2024-11-29', 1, '2024-12-03'],
    [ew, '2024-11-29', 1, '2024-12-02'],
    // Fri 12 Jun 2026 + 1: Mon 15 Jun is a bank holiday in Scotland only.
    [sc, '2026-06-12', 1, '2026-06-16'],
    [ew, '2026-06-12', 1, '2026-06-15'],
    // A start on a Saturday: day 0 need not be a working day.
    [ew, '2026-06-13', 1, '2026-06-15'],
    [ew, '2026-06-13', 0, '2026-06-13'],
  ] as const)('%#: %s + %i working days = %s', (calendar, from, n, to) => {
    expect(addWorkingDays(calendar, from, n)).toBe(to);
    if (n > 0) expect(workingDaysBetween(calendar, from, to)).toBe(n);
  });

  it('refuses days outside the years it holds rather than treating them as working days', () => {
    expect(() => isWorkingDay(ew, '2023-12-29')).toThrow(CalendarRangeError);
    // Mon 20 Dec 2027 + 10 runs into January 2028, which is not held.
    expect(() => addWorkingDays(ew, '2027-12-20', 10)).toThrow(/outside the england-and-wales bank holidays/);
    expect(addWorkingDays(ew, '2027-12-20', 7)).toBe('2027-12-31');
  });

  it('never drifts across daylight-saving changes or time zones', () => {
    expect(addCalendarDays('2026-03-28', 1)).toBe('2026-03-29');
    expect(addCalendarDays('2026-10-24', 2)).toBe('2026-10-26');
    expect(addWorkingDays(ew, '2026-03-27', 1)).toBe('2026-03-30');
    expect(() => addCalendarDays('2026-02-30', 1)).toThrow(RangeError);
  });

  it('adds months, keeping to the end of a shorter month', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2027-08-31', 6)).toBe('2028-02-29');
    expect(addMonths('2027-01-31', 3)).toBe('2027-04-30');
    expect(addMonths('2026-11-10', 3)).toBe('2027-02-10');
  });
});

describe('school days and terms', () => {
  it('are valid term dates, and bad ones are refused with pointers', () => {
    expect(validateTermDates(anyshireTerms)).toEqual([]);
    const bad = {
      name: 'x',
      terms: [
        {
          name: 'A',
          start: '2026-09-02',
          end: '2026-12-18',
          breaks: [{ start: '2026-12-15', end: '2026-12-22' }],
        },
        { name: 'B', start: '2026-12-01', end: '2026-11-01' },
      ],
    };
    expect(validateTermDates(bad).map((i) => `${i.pointer} ${i.rule}`)).toEqual([
      '/terms/0/breaks/0 break-in-term',
      '/terms/1/end end-before-start',
      '/terms/1/start terms-in-order',
    ]);
    expect(validateTermDates({ terms: [] }).map((i) => i.rule)).toContain('required');
  });

  it.each([
    // Mon 12 Oct 2026 + 20: 13..16 (4), 19..23 (9), half term 26-30 Oct, 2..6 Nov (14), 9..13 (19), Mon 16 Nov.
    ['2026-10-12', 20, '2026-11-16'],
    // Mon 7 Dec 2026 + 20: 8..11 (4), 14..18 (9), Christmas holiday, Tue 5 Jan (10) .. Tue 19 Jan 2027.
    ['2026-12-07', 20, '2027-01-19'],
    // Wed 24 Mar 2027 + 2: Thu 25 (last day of term), Easter holiday, Mon 12 Apr.
    ['2027-03-24', 2, '2027-04-12'],
    // From a Saturday in the Christmas holiday: the first school day is Tue 5 Jan (Mon 4 Jan is not in term).
    ['2027-01-02', 1, '2027-01-05'],
  ])('%s + %i school days = %s', (from, n, to) => {
    expect(addSchoolDays(ew, anyshireTerms, from, n)).toBe(to);
    expect(schoolDaysBetween(ew, anyshireTerms, from, to)).toBe(n);
  });

  it('knows breaks, bank holidays in term and days outside the terms', () => {
    expect(isSchoolDay(ew, anyshireTerms, '2026-10-27')).toBe(false); // half term
    expect(isSchoolDay(ew, anyshireTerms, '2026-05-04')).toBe(false); // early May bank holiday, in term
    expect(isSchoolDay(ew, anyshireTerms, '2026-05-05')).toBe(true);
    expect(() => isSchoolDay(ew, anyshireTerms, '2027-12-20')).toThrow(CalendarRangeError);
  });

  it('adds terms: to the last day of the term after the one a date is in, or after a holiday', () => {
    expect(addTerms(anyshireTerms, '2026-09-15', 1)).toBe('2027-03-25'); // autumn -> end of spring
    expect(addTerms(anyshireTerms, '2027-04-06', 1)).toBe('2027-07-21'); // Easter holiday counts with spring
    expect(addTerms(anyshireTerms, '2026-09-01', 1)).toBe('2026-12-18'); // summer holiday counts with summer
    expect(() => addTerms(anyshireTerms, '2027-10-01', 1)).toThrow(CalendarRangeError);
  });
});
