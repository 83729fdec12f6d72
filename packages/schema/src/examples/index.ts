export * from './bundle.js';
export * from './invalid.js';
export * from './valid.js';
