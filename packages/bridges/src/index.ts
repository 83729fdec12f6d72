export * from './ctf/index.js';
export { formatUkDate, parseUkDate } from './dates.js';
export * from './ssda903/index.js';
