import type { CodeListId } from '../code-lists/index.js';

/**
 * Codes with a clear counterpart in the other nation's list, used when a record moves between
 * England and Scotland. Anything not here has no counterpart: it is kept for review, never
 * guessed. Year groups and stages are matched by the age at which children start them (Reception
 * and P1 both start at four to five); legal statuses and placement types have no such match.
 */
type Crosswalk = Partial<Record<CodeListId, { to: CodeListId; codes: Record<string, string> }>>;

const invert = (codes: Record<string, string>) =>
  Object.fromEntries(Object.entries(codes).map(([a, b]) => [b, a]));

const YEAR_TO_STAGE: Record<string, string> = {
  R: 'P1',
  '1': 'P2',
  '2': 'P3',
  '3': 'P4',
  '4': 'P5',
  '5': 'P6',
  '6': 'P7',
  '7': 'S1',
  '8': 'S2',
  '9': 'S3',
  '10': 'S4',
  '11': 'S5',
  '12': 'S6',
};
const ROLES_E_TO_S: Record<string, string> = { 'designated-teacher': 'designated-manager' };
const SEN_TO_ASN: Record<string, string> = { N: 'no-asn', K: 'asn-no-plan' };
const EXCLUSIONS: Record<string, string> = { SUSP: 'temporary-exclusion', PERM: 'removal-from-register' };

export const CROSSWALK: Crosswalk = {
  'england-year-group': { to: 'scotland-stage', codes: YEAR_TO_STAGE },
  'scotland-stage': { to: 'england-year-group', codes: invert(YEAR_TO_STAGE) },
  'england-sen-provision': { to: 'scotland-asn-status', codes: SEN_TO_ASN },
  'scotland-asn-status': { to: 'england-sen-provision', codes: invert(SEN_TO_ASN) },
  'england-exclusion-type': { to: 'scotland-exclusion-type', codes: EXCLUSIONS },
  'scotland-exclusion-type': { to: 'england-exclusion-type', codes: invert(EXCLUSIONS) },
};

/** Same-list codes that are one nation's name for the other nation's role. */
export const SAME_LIST_CROSSWALK: Partial<Record<CodeListId, Record<string, string>>> = {
  'contact-role': { ...ROLES_E_TO_S, ...invert(ROLES_E_TO_S) },
};
