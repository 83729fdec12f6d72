/**
 * Insight for the virtual school: calendars, compliance policies as data, and the pure PEP
 * compliance computation and the cohort row the reports are built on, and the alerts raised from
 * records and deadlines.
 */
export * from './alerts.js';
export * from './bank-holidays.js';
export * from './calendar.js';
export * from './cohort.js';
export * from './compliance.js';
export * from './examples.js';
export * from './policy.js';
export * from './term-dates-file.js';
