/** Dates in the demo records: ISO days, and the terms of the 2025/26 school year in each nation. */
import type { Prng } from './random.js';

/** Every date in the demo records is on or before this day (the end of the 2025/26 school year). */
export const DEMO_AS_OF = '2026-07-17';

const DAY_MS = 86_400_000;
export const msOf = (date: string) => Date.parse(`${date}T00:00:00Z`);
const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (date: string, days: number) => isoOf(msOf(date) + days * DAY_MS);
export const daysBetween = (a: string, b: string) => Math.round((msOf(b) - msOf(a)) / DAY_MS);
export const minDate = (a: string, b: string) => (a < b ? a : b);
export const maxDate = (a: string, b: string) => (a > b ? a : b);
export const addYears = (date: string, years: number) =>
  `${Number(date.slice(0, 4)) + years}${date.slice(4)}`.replace('-02-29', '-02-28');

/** A day in [from, to], avoiding weekends (meetings and moves happen on school days). */
export function dayBetween(rng: Prng, from: string, to: string, weekdaysOnly = false): string {
  let day = addDays(from, rng.int(0, Math.max(0, daysBetween(from, to))));
  if (weekdaysOnly) {
    const weekday = new Date(msOf(day)).getUTCDay();
    if (weekday === 6) day = addDays(day, day <= addDays(to, -2) ? 2 : -1);
    else if (weekday === 0) day = addDays(day, day <= addDays(to, -1) ? 1 : -2);
  }
  return day;
}

export const at = (date: string, hhmm: string) => `${date}T${hhmm}:00Z`;
export const ageOn = (dateOfBirth: string, date: string) =>
  Number(date.slice(0, 4)) - Number(dateOfBirth.slice(0, 4)) - (dateOfBirth.slice(5) > date.slice(5) ? 1 : 0);

export interface Term {
  name: string;
  start: string;
  end: string;
  sessions: number;
}

/** The 2025/26 school year, with the sessions (half days) each term was open. */
export const TERMS: Record<'england' | 'scotland', Term[]> = {
  england: [
    { name: 'autumn', start: '2025-09-03', end: '2025-12-19', sessions: 142 },
    { name: 'spring', start: '2026-01-05', end: '2026-03-27', sessions: 112 },
    { name: 'summer', start: '2026-04-13', end: '2026-07-17', sessions: 124 },
  ],
  scotland: [
    { name: 'autumn', start: '2025-08-13', end: '2025-12-19', sessions: 150 },
    { name: 'spring', start: '2026-01-06', end: '2026-03-27', sessions: 108 },
    { name: 'summer', start: '2026-04-13', end: '2026-06-26', sessions: 94 },
  ],
};
