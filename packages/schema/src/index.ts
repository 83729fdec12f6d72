/**
 * @celr/schema: the single source of truth for CELR records. Every other package imports its
 * types, schemas, code lists and validators from here; nothing else defines a field.
 */
export * from './catalogue.js';
export {
  type CodeList,
  type CodeListId,
  type CodeListSource,
  codeLists,
  codesOf,
  type Descriptor,
  findDescriptor,
  jurisdictionListIds,
} from './code-lists/index.js';
export * from './common/index.js';
export * from './examples/index.js';
export * from './identifiers/index.js';
export * from './records/index.js';
export * from './transfer/index.js';
export * from './validation/index.js';
export const SCHEMA_VERSION = '0.1.0';
export * from './exchange/json-limits.js';
export * from './exchange/record-line.js';
export * from './insight/index.js';
export * from './problems.js';
