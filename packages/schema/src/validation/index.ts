export {
  type Bounds,
  capIssues,
  checkBounds,
  hasForbiddenCharacters,
  MAX_ISSUES,
  textCharactersIssue,
} from './bounds.js';
export * from './issue.js';
export * from './merge-patch.js';
export { checkRules, type RuleContext } from './rules.js';
export * from './validate.js';
