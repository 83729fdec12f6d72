import Type, { type Static } from 'typebox';
import { IsoDate, type Jurisdiction, Text } from '../common/primitives.js';
import { pointerOf, type ValidationIssue } from '../validation/issue.js';
import { checkSchema } from '../validation/validate.js';

/**
 * Calendars for deadlines: bank holidays per GOV.UK division and an authority's term dates, and
 * day arithmetic over them. Dates are ISO `YYYY-MM-DD` strings and all arithmetic is done on UTC
 * midnights, so no time zone or daylight-saving change ever moves a date.
 */

/** GOV.UK's divisions of the bank-holiday list (`https://www.gov.uk/bank-holidays.json`). */
export const CALENDAR_DIVISIONS = ['england-and-wales', 'scotland'] as const;
export type CalendarDivision = (typeof CALENDAR_DIVISIONS)[number];

/** The division whose bank holidays count for a jurisdiction's deadlines. */
export const divisionOf = (j: Jurisdiction): CalendarDivision =>
  j === 'scotland' ? 'scotland' : 'england-and-wales';

const Source = Type.Object(
  {
    title: Text('Title of the published source.', 300),
    publisher: Text('Who publishes it.', 200),
    url: Type.String({ format: 'uri', maxLength: 500, description: 'Where it is published.' }),
    edition: Text('Which edition, version or retrieval this is.', 300),
  },
  { additionalProperties: false, description: 'The published document the data was taken from.' },
);

export const BankHolidayCalendar = Type.Object(
  {
    division: Type.Enum(CALENDAR_DIVISIONS, {
      type: 'string',
      description: 'GOV.UK division: `england-and-wales` or `scotland`.',
    }),
    source: Source,
    covers: Type.Object(
      {
        from: IsoDate('First day the list is complete for.'),
        to: IsoDate('Last day the list is complete for.'),
      },
      {
        additionalProperties: false,
        description: 'The days the list is complete for. Arithmetic outside them is refused.',
      },
    ),
    holidays: Type.Array(
      Type.Object(
        {
          date: IsoDate('The day off.'),
          title: Text('Its name.', 200),
          notes: Type.Optional(Text('For example "Substitute day".', 500)),
        },
        { additionalProperties: false, description: 'One bank holiday.' },
      ),
      { maxItems: 1000, description: 'The bank holidays, in date order.' },
    ),
  },
  {
    additionalProperties: false,
    title: 'BankHolidayCalendar',
    description: 'The bank holidays of one division over the days it covers, with its source.',
  },
);
export type BankHolidayCalendar = Static<typeof BankHolidayCalendar>;

export const Term = Type.Object(
  {
    name: Text('The term as the authority names it, e.g. Autumn 2026.', 100),
    start: IsoDate('First day of the term (inclusive).'),
    end: IsoDate('Last day of the term (inclusive).'),
    breaks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            start: IsoDate('First day of the break (inclusive).'),
            end: IsoDate('Last day of the break (inclusive).'),
          },
          { additionalProperties: false, description: 'Days inside the term the schools are closed.' },
        ),
        { maxItems: 20, description: 'Half-term and other breaks inside the term: not school days.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'One school term, with its half-term break.' },
);
export type Term = Static<typeof Term>;

export const TermDates = Type.Object(
  {
    name: Text('What these term dates are, e.g. "Anyshire community schools 2026 to 2027".', 200),
    source: Type.Optional(Text('Where the authority published them.', 500)),
    terms: Type.Array(Term, {
      minItems: 1,
      maxItems: 200,
      description: 'The terms in date order, not overlapping. Days outside every term are holidays.',
    }),
  },
  {
    additionalProperties: false,
    title: 'TermDates',
    description:
      "An authority's term dates, for deadlines counted in school days or terms. School days are weekdays inside a term that are not bank holidays.",
  },
);
export type TermDates = Static<typeof TermDates>;

/** A date the calendar has no data for: the caller must not treat it as a working or school day. */
export class CalendarRangeError extends Error {
  readonly date: string;
  constructor(date: string, message: string) {
    super(message);
    this.name = 'CalendarRangeError';
    this.date = date;
  }
}

const DAY_MS = 86_400_000;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of an ISO date; throws on anything that is not a real date. */
export function dayNumber(date: string): number {
  const m = ISO.exec(date);
  if (!m) throw new RangeError(`'${date}' is not an ISO date (YYYY-MM-DD).`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCFullYear() !== Number(m[1]) || back.getUTCMonth() !== Number(m[2]) - 1)
    throw new RangeError(`'${date}' is not a day of the calendar.`);
  return ms / DAY_MS;
}

export const isoOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** 0 = Sunday ... 6 = Saturday. */
export const weekday = (date: string): number => new Date(dayNumber(date) * DAY_MS).getUTCDay();

export const isWeekend = (date: string): boolean => {
  const d = weekday(date);
  return d === 0 || d === 6;
};

export const addCalendarDays = (date: string, n: number): string => isoOfDay(dayNumber(date) + n);

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export const calendarDaysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from);

/** `n` months after `date`; a day the month does not have becomes its last day (31 Jan + 1 month = 28 or 29 Feb). */
export function addMonths(date: string, n: number): string {
  dayNumber(date);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + n;
  const year = Math.floor(index / 12);
  const month = index - year * 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return isoOfDay(Date.UTC(year, month, Math.min(d, last)) / DAY_MS);
}

/**
 * Each calendar, and each pair of calendar and term dates, is turned once into a table of its days
 * (a flag per day and running counts), so that adding and counting days costs integer steps, not
 * date parsing: a report over thousands of children counts hundreds of days for each.
 */
const UNKNOWN = 2;
interface DayIndex {
  from: number;
  to: number;
  /** 1: counts; 0: does not; 2: not known (a day the bank holidays held do not cover). */
  flag: Uint8Array;
  /** Days that count, and unknown days, in `from` ..= `from + i`. */
  counted: Int32Array;
  unknown: Int32Array;
  outside: (date: string) => CalendarRangeError;
}

function makeIndex(
  from: number,
  to: number,
  flagOf: (day: number) => number,
  outside: DayIndex['outside'],
): DayIndex {
  const size = Math.max(0, to - from + 1);
  const flag = new Uint8Array(size);
  const counted = new Int32Array(size);
  const unknown = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    flag[i] = flagOf(from + i);
    counted[i] = (i ? (counted[i - 1] as number) : 0) + (flag[i] === 1 ? 1 : 0);
    unknown[i] = (i ? (unknown[i - 1] as number) : 0) + (flag[i] === UNKNOWN ? 1 : 0);
  }
  return { from, to, flag, counted, unknown, outside };
}

const weekendDay = (day: number) => {
  const w = (day + 4) % 7; // 1970-01-01 was a Thursday
  return w === 0 || w === 6;
};

const workingIndexes = new WeakMap<object, DayIndex>();
function workingIndex(calendar: BankHolidayCalendar): DayIndex {
  let index = workingIndexes.get(calendar);
  if (!index) {
    const holidays = new Set(calendar.holidays.map((h) => dayNumber(h.date)));
    index = makeIndex(
      dayNumber(calendar.covers.from),
      dayNumber(calendar.covers.to),
      (day) => (weekendDay(day) || holidays.has(day) ? 0 : 1),
      (date) =>
        new CalendarRangeError(
          date,
          `${date} is outside the ${calendar.division} bank holidays CELR holds (${calendar.covers.from} to ${calendar.covers.to}); add that year's dates from ${calendar.source.url}.`,
        ),
    );
    workingIndexes.set(calendar, index);
  }
  return index;
}

const schoolIndexes = new WeakMap<object, WeakMap<object, DayIndex>>();
function schoolIndex(calendar: BankHolidayCalendar, terms: TermDates): DayIndex {
  let byCalendar = schoolIndexes.get(terms);
  if (!byCalendar) {
    byCalendar = new WeakMap();
    schoolIndexes.set(terms, byCalendar);
  }
  let index = byCalendar.get(calendar);
  if (!index) {
    const working = workingIndex(calendar);
    const first = terms.terms[0];
    const last = terms.terms[terms.terms.length - 1];
    const inTerm = new Uint8Array(first && last ? dayNumber(last.end) - dayNumber(first.start) + 1 : 0);
    const base = first ? dayNumber(first.start) : 0;
    for (const t of terms.terms) {
      for (let d = dayNumber(t.start); d <= dayNumber(t.end); d++) inTerm[d - base] = 1;
      for (const b of t.breaks ?? [])
        for (let d = dayNumber(b.start); d <= dayNumber(b.end); d++) inTerm[d - base] = 0;
    }
    index = makeIndex(
      base,
      first && last ? dayNumber(last.end) : base - 1,
      (day) => {
        if (!inTerm[day - base] || weekendDay(day)) return 0;
        if (day < working.from || day > working.to) return UNKNOWN;
        return working.flag[day - working.from] as number;
      },
      (date) =>
        new CalendarRangeError(
          date,
          `${date} is outside the term dates '${terms.name}' (${first?.start ?? '?'} to ${last?.end ?? '?'}).`,
        ),
    );
    byCalendar.set(calendar, index);
  }
  return index;
}

/** Whether a day counts in an index; throws outside it or on a day it cannot know. */
function counts(index: DayIndex, day: number, calendarIndex?: DayIndex): boolean {
  if (day < index.from || day > index.to) throw index.outside(isoOfDay(day));
  const flag = index.flag[day - index.from];
  if (flag === UNKNOWN) throw (calendarIndex ?? index).outside(isoOfDay(day));
  return flag === 1;
}

export function isBankHoliday(calendar: BankHolidayCalendar, date: string): boolean {
  const day = dayNumber(date);
  const index = workingIndex(calendar);
  if (day < index.from || day > index.to) throw index.outside(date);
  return calendar.holidays.some((h) => h.date === date);
}

/** A weekday that is not a bank holiday. Throws `CalendarRangeError` outside the calendar's years. */
export function isWorkingDay(calendar: BankHolidayCalendar, date: string): boolean {
  return counts(workingIndex(calendar), dayNumber(date));
}

/**
 * The `n`th working day after `date` (`date` itself is day 0 and need not be a working day):
 * Thursday 17 December 2026 plus 10 working days in England is Tuesday 5 January 2027.
 */
export function addWorkingDays(calendar: BankHolidayCalendar, date: string, n: number): string {
  return step(workingIndex(calendar), date, n);
}

/** Working days after `from` up to and including `to`; 0 when `to` is not after `from`. */
export function workingDaysBetween(calendar: BankHolidayCalendar, from: string, to: string): number {
  return countBetween(workingIndex(calendar), from, to);
}

/** The term a date falls in, if any. */
export function termContaining(terms: TermDates, date: string): Term | undefined {
  return terms.terms.find((t) => t.start <= date && date <= t.end);
}

function checkTermsCover(terms: TermDates, date: string): void {
  const first = terms.terms[0];
  const last = terms.terms[terms.terms.length - 1];
  if (!first || !last || date < first.start || date > last.end)
    throw new CalendarRangeError(
      date,
      `${date} is outside the term dates '${terms.name}' (${first?.start ?? '?'} to ${last?.end ?? '?'}).`,
    );
}

/**
 * A working day inside a term and not in one of its breaks. Throws `CalendarRangeError` outside the
 * term dates, or on a term day the bank holidays held do not cover.
 */
export function isSchoolDay(calendar: BankHolidayCalendar, terms: TermDates, date: string): boolean {
  return counts(schoolIndex(calendar, terms), dayNumber(date), workingIndex(calendar));
}

/** The `n`th school day after `date` (day 0); holidays between terms are skipped. */
export function addSchoolDays(
  calendar: BankHolidayCalendar,
  terms: TermDates,
  date: string,
  n: number,
): string {
  return step(schoolIndex(calendar, terms), date, n, workingIndex(calendar));
}

/** School days after `from` up to and including `to`. */
export function schoolDaysBetween(
  calendar: BankHolidayCalendar,
  terms: TermDates,
  from: string,
  to: string,
): number {
  return countBetween(schoolIndex(calendar, terms), from, to, workingIndex(calendar));
}

/**
 * The last day of the `n`th term after the term `date` falls in (or, for a date in a holiday, after
 * the term before it): with a review on 10 October in the autumn term, 1 term later is the last day
 * of the spring term.
 */
export function addTerms(terms: TermDates, date: string, n: number): string {
  checkTermsCover(terms, date);
  let index = -1;
  terms.terms.forEach((t, i) => {
    if (t.start <= date) index = i;
  });
  const target = terms.terms[index + n];
  if (!target)
    throw new CalendarRangeError(
      date,
      `The term dates '${terms.name}' end before ${n} term(s) after ${date}.`,
    );
  return target.end;
}

function step(index: DayIndex, date: string, n: number, calendarIndex?: DayIndex): string {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`Cannot add ${n} days: a whole number ≥ 0 is needed.`);
  let day = dayNumber(date);
  let left = n;
  while (left > 0) {
    day += 1;
    if (counts(index, day, calendarIndex)) left -= 1;
  }
  return isoOfDay(day);
}

function countBetween(index: DayIndex, from: string, to: string, calendarIndex?: DayIndex): number {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (b <= a) return 0;
  if (a + 1 < index.from || b > index.to) throw index.outside(isoOfDay(a + 1 < index.from ? a + 1 : b));
  // Days in (a, b]: running counts at b less those at a (a may be the day before the index starts).
  const at = (arr: Int32Array, day: number) => (day < index.from ? 0 : (arr[day - index.from] as number));
  if (at(index.unknown, b) - at(index.unknown, a) > 0) {
    for (let d = a + 1; d <= b; d++) counts(index, d, calendarIndex);
  }
  return at(index.counted, b) - at(index.counted, a);
}

/** Term dates as data: schema issues, then terms out of order, overlapping or ending before they start. */
export function validateTermDates(value: unknown): ValidationIssue[] {
  const issues = checkSchema(TermDates, value);
  if (issues.length) return issues;
  const { terms } = value as TermDates;
  terms.forEach((t, i) => {
    if (t.end < t.start)
      issues.push({
        pointer: pointerOf('terms', i, 'end'),
        rule: 'end-before-start',
        message: 'A term ends on or after its start.',
      });
    t.breaks?.forEach((b, k) => {
      if (b.end < b.start || b.start < t.start || b.end > t.end)
        issues.push({
          pointer: pointerOf('terms', i, 'breaks', k),
          rule: 'break-in-term',
          message: 'A break ends on or after its start, inside its term.',
        });
    });
    const prev = terms[i - 1];
    if (prev && t.start <= prev.end)
      issues.push({
        pointer: pointerOf('terms', i, 'start'),
        rule: 'terms-in-order',
        message: `Terms are in date order and do not overlap: this one starts on or before ${prev.end}, the end of '${prev.name}'.`,
      });
  });
  return issues;
}
