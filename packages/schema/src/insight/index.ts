/**
 */
export * from './bank-holidays.js';
export * from './calendar.js';
