export * from './formats.js';
export * from './nhs-number.js';
export * from './uln.js';
export * from './upn.js';
