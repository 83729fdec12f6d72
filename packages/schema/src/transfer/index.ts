export * from './bundle.js';
export * from './convert.js';
export { CROSSWALK } from './crosswalk.js';
export * from './result.js';
export * from './signature.js';
export * from './status.js';
export * from './validate-bundle.js';
