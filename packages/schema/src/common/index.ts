export * from './code.js';
export * from './identifier.js';
export * from './organisation.js';
export * from './parts.js';
export * from './primitives.js';
export * from './problem.js';
