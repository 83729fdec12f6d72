import type { BankHolidayCalendar, CalendarDivision } from './calendar.js';

/**
 * Bank holidays as data, 2024 to 2027, as GOV.UK publishes them (`https://www.gov.uk/bank-holidays.json`,
 * divisions `england-and-wales` and `scotland`). Each date was checked against its rule in the Banking
 * and Financial Dealings Act 1971 (schedule 1), the St Andrew's Day Bank Holiday (Scotland) Act 2007 and
 * the customary substitute days appointed by royal proclamation when a holiday falls on a Saturday or
 * Sunday; a test recomputes Easter and the weekday rules independently. To extend the years, add the
 * next year's dates from the same source and move `covers.to`.
 */
const govUk = {
  title: 'UK bank holidays',
  publisher: 'Government Digital Service (GOV.UK)',
  url: 'https://www.gov.uk/bank-holidays.json',
  edition: 'Dates for 2024 to 2027, as published December 2026',
};

export const englandAndWalesBankHolidays: BankHolidayCalendar = {
  division: 'england-and-wales',
  source: govUk,
  covers: { from: '2024-01-01', to: '2027-12-31' },
  holidays: [
    { date: '2024-01-01', title: 'New Year’s Day' },
    { date: '2024-03-29', title: 'Good Friday' },
    { date: '2024-04-01', title: 'Easter Monday' },
    { date: '2024-05-06', title: 'Early May bank holiday' },
    { date: '2024-05-27', title: 'Spring bank holiday' },
    { date: '2024-08-26', title: 'Summer bank holiday' },
    { date: '2024-12-25', title: 'Christmas Day' },
    { date: '2024-12-26', title: 'Boxing Day' },
    { date: '2025-01-01', title: 'New Year’s Day' },
    { date: '2025-04-18', title: 'Good Friday' },
    { date: '2025-04-21', title: 'Easter Monday' },
    { date: '2025-05-05', title: 'Early May bank holiday' },
    { date: '2025-05-26', title: 'Spring bank holiday' },
    { date: '2025-08-25', title: 'Summer bank holiday' },
    { date: '2025-12-25', title: 'Christmas Day' },
    { date: '2025-12-26', title: 'Boxing Day' },
    { date: '2026-01-01', title: 'New Year’s Day' },
    { date: '2026-04-03', title: 'Good Friday' },
    { date: '2026-04-06', title: 'Easter Monday' },
    { date: '2026-05-04', title: 'Early May bank holiday' },
    { date: '2026-05-25', title: 'Spring bank holiday' },
    { date: '2026-08-31', title: 'Summer bank holiday' },
    { date: '2026-12-25', title: 'Christmas Day' },
    { date: '2026-12-28', title: 'Boxing Day', notes: 'Substitute day' },
    { date: '2027-01-01', title: 'New Year’s Day' },
    { date: '2027-03-26', title: 'Good Friday' },
    { date: '2027-03-29', title: 'Easter Monday' },
    { date: '2027-05-03', title: 'Early May bank holiday' },
    { date: '2027-05-31', title: 'Spring bank holiday' },
    { date: '2027-08-30', title: 'Summer bank holiday' },
    { date: '2027-12-27', title: 'Christmas Day', notes: 'Substitute day' },
    { date: '2027-12-28', title: 'Boxing Day', notes: 'Substitute day' },
  ],
};

export const scotlandBankHolidays: BankHolidayCalendar = {
  division: 'scotland',
  source: govUk,
  covers: { from: '2024-01-01', to: '2027-12-31' },
  holidays: [
    { date: '2024-01-01', title: 'New Year’s Day' },
    { date: '2024-01-02', title: '2nd January' },
    { date: '2024-03-29', title: 'Good Friday' },
    { date: '2024-05-06', title: 'Early May bank holiday' },
    { date: '2024-05-27', title: 'Spring bank holiday' },
    { date: '2024-08-05', title: 'Summer bank holiday' },
    { date: '2024-12-02', title: 'St Andrew’s Day', notes: 'Substitute day' },
    { date: '2024-12-25', title: 'Christmas Day' },
    { date: '2024-12-26', title: 'Boxing Day' },
    { date: '2025-01-01', title: 'New Year’s Day' },
    { date: '2025-01-02', title: '2nd January' },
    { date: '2025-04-18', title: 'Good Friday' },
    { date: '2025-05-05', title: 'Early May bank holiday' },
    { date: '2025-05-26', title: 'Spring bank holiday' },
    { date: '2025-08-04', title: 'Summer bank holiday' },
    { date: '2025-12-01', title: 'St Andrew’s Day', notes: 'Substitute day' },
    { date: '2025-12-25', title: 'Christmas Day' },
    { date: '2025-12-26', title: 'Boxing Day' },
    { date: '2026-01-01', title: 'New Year’s Day' },
    { date: '2026-01-02', title: '2nd January' },
    { date: '2026-04-03', title: 'Good Friday' },
    { date: '2026-05-04', title: 'Early May bank holiday' },
    { date: '2026-05-25', title: 'Spring bank holiday' },
    {
      date: '2026-06-15',
      title: 'Bank holiday for Scotland’s men’s team at the FIFA World Cup',
      notes:
        'Additional day, appointed by royal proclamation of 4 February 2026 under section 1(3) of the Banking and Financial Dealings Act 1971',
    },
    { date: '2026-08-03', title: 'Summer bank holiday' },
    { date: '2026-11-30', title: 'St Andrew’s Day' },
    { date: '2026-12-25', title: 'Christmas Day' },
    { date: '2026-12-28', title: 'Boxing Day', notes: 'Substitute day' },
    { date: '2027-01-01', title: 'New Year’s Day' },
    { date: '2027-01-04', title: '2nd January', notes: 'Substitute day' },
    { date: '2027-03-26', title: 'Good Friday' },
    { date: '2027-05-03', title: 'Early May bank holiday' },
    { date: '2027-05-31', title: 'Spring bank holiday' },
    { date: '2027-08-02', title: 'Summer bank holiday' },
    { date: '2027-11-30', title: 'St Andrew’s Day' },
    { date: '2027-12-27', title: 'Christmas Day', notes: 'Substitute day' },
    { date: '2027-12-28', title: 'Boxing Day', notes: 'Substitute day' },
  ],
};

/** The bank-holiday calendar of each division, by GOV.UK's division name. */
export const bankHolidayCalendars: Readonly<Record<CalendarDivision, BankHolidayCalendar>> = {
  'england-and-wales': englandAndWalesBankHolidays,
  scotland: scotlandBankHolidays,
};
