import type { TermDates } from '../../src/index.js';

/** Fictional term dates of an English authority, with half-term breaks, for school-day and termly deadlines. */
export const anyshireTerms: TermDates = {
  name: 'Anyshire community schools 2025 to 2027 (fictional)',
  terms: [
    {
      name: 'Autumn 2025',
      start: '2025-09-03',
      end: '2025-12-19',
      breaks: [{ start: '2025-10-27', end: '2025-10-31' }],
    },
    {
      name: 'Spring 2026',
      start: '2026-01-05',
      end: '2026-03-27',
      breaks: [{ start: '2026-02-16', end: '2026-02-20' }],
    },
    {
      name: 'Summer 2026',
      start: '2026-04-13',
      end: '2026-07-22',
      breaks: [{ start: '2026-05-25', end: '2026-05-29' }],
    },
    {
      name: 'Autumn 2026',
      start: '2026-09-02',
      end: '2026-12-18',
      breaks: [{ start: '2026-10-26', end: '2026-10-30' }],
    },
    {
      name: 'Spring 2027',
      start: '2027-01-05',
      end: '2027-03-25',
      breaks: [{ start: '2027-02-15', end: '2027-02-19' }],
    },
    {
      name: 'Summer 2027',
      start: '2027-04-12',
      end: '2027-07-21',
      breaks: [{ start: '2027-05-31', end: '2027-06-04' }],
    },
    {
      name: 'Autumn 2027',
      start: '2027-09-01',
      end: '2027-12-17',
      breaks: [{ start: '2027-10-25', end: '2027-10-29' }],
    },
  ],
};
