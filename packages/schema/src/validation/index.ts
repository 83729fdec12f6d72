export * from './issue.js';
export * from './merge-patch.js';
export { checkRules, type RuleContext } from './rules.js';
export * from './validate.js';
