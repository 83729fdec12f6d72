export { formatUkDate, parseUkDate } from './dates.js';
