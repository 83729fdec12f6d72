export * from './invalid.js';
export * from './valid.js';
