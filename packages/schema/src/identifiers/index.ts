export * from './formats.js';
export * from './uln.js';
export * from './upn.js';
