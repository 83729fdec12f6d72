/**
 * The SSDA903 codes a return may use, by collection year (1 April to 31 March).
 *
 * Facts, not code, taken from the open-source validator of the return:
 * data-to-insight/csc-validator-be-903 (MIT), commit 10ad07c513aa07bd8fffc928d57ae9918a70ae07,
 * lac_validator/rules/lac2022_23 (the base every later year inherits) and the files each later year
 * overrides: rule_146 (PLACE) in lac2024_25 and lac2025_26; rule_143 (RNE), rule_144 (LS),
 * rule_145 (CIN), rule_149 (REC), rule_1009 (REASON_PLACE_CHANGE), rule_168 (UPN) in lac2022_23.
 * The rule numbers are the DfE's own, as that validator names them. The lists agree with the DfE
 * guide that @celr/schema's SSDA903 code lists cite (Children looked after return 2024 to 2025: guide).
 *
 * Notes on the source: its 2024-25 PLACE list writes K3 in lower case ("k3"), which cannot match a
 * return; K3 is taken here as valid from 2024-25, as @celr/schema's list says. Its 2023-24 year
 * inherits the 2022-23 PLACE list, without K3. From 2025-26 H5, P2 and Z1 are refused and Z11 to Z14
 * accepted.
 */

export const COLLECTION_YEARS = ['2023-24', '2024-25', '2025-26'] as const;
export type CollectionYear = (typeof COLLECTION_YEARS)[number];

export const isCollectionYear = (value: string): value is CollectionYear =>
  (COLLECTION_YEARS as readonly string[]).includes(value);

/** The last day of a collection year, as an ISO date (rule 354: no episode ends after it). */
export const collectionYearEnd = (year: CollectionYear) => `20${year.slice(5)}-03-31`;

const PLACE_BASE = [
  'A3',
  'A4',
  'A5',
  'A6',
  'K1',
  'K2',
  'P1',
  'P3',
  'R1',
  'R2',
  'R3',
  'R5',
  'S1',
  'T0',
  'T1',
  'T2',
  'T3',
  'T4',
  'U1',
  'U2',
  'U3',
  'U4',
  'U5',
  'U6',
];

/** Placement type (PLACE), rule 146. */
export const placementTypes: Record<CollectionYear, readonly string[]> = {
  '2023-24': [...PLACE_BASE, 'H5', 'P2', 'Z1'],
  '2024-25': [...PLACE_BASE, 'H5', 'K3', 'P2', 'Z1'],
  '2025-26': [...PLACE_BASE, 'K3', 'Z11', 'Z12', 'Z13', 'Z14'],
};

/** The lists that did not change over the three years. */
const sameEveryYear = (codes: readonly string[]): Record<CollectionYear, readonly string[]> => ({
  '2023-24': codes,
  '2024-25': codes,
  '2025-26': codes,
});

/** Legal status (LS), rule 144. */
export const legalStatuses = sameEveryYear([
  'C1',
  'C2',
  'D1',
  'E1',
  'V2',
  'V3',
  'V4',
  'J1',
  'J2',
  'J3',
  'L1',
  'L2',
  'L3',
]);

/** Reason for new episode (RNE), rule 143. */
export const reasonsNewEpisode = sameEveryYear(['S', 'P', 'L', 'T', 'U', 'B']);

/** Category of need (CIN), rule 145. */
export const categoriesOfNeed = sameEveryYear(['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8']);

/** Reason episode ceased (REC), rule 149. */
export const reasonsEpisodeCeased = sameEveryYear([
  'E11',
  'E12',
  'E2',
  'E3',
  'E4A',
  'E4B',
  'E13',
  'E41',
  'E45',
  'E46',
  'E47',
  'E48',
  'E5',
  'E6',
  'E7',
  'E8',
  'E9',
  'E14',
  'E15',
  'E16',
  'E17',
  'X1',
]);

/** Reason for placement change (REASON_PLACE_CHANGE), rule 1009. */
export const reasonsPlacementChange = sameEveryYear([
  'CARPL',
  'CLOSE',
  'ALLEG',
  'STAND',
  'APPRR',
  'CREQB',
  'CREQO',
  'CHILD',
  'LAREQ',
  'PLACE',
  'CUSTOD',
  'OTHER',
]);

/**
 * The forms a return writes in UPN when the child's UPN is not known. Rule 168 of the validator
 * accepts UN1 to UN5; the DfE guide (and issue 15 of CELR) name UN1 to UN10, so all ten are accepted
 * as "unknown" rather than refused as a malformed UPN. None of them is an identifier, so none is kept.
 */
export const UNKNOWN_UPN = /^UN([1-9]|10)$/;

/** RNE codes that begin an episode because the placement changed (not the legal status alone). */
export const PLACEMENT_CHANGES = new Set(['P', 'T', 'U', 'B']);

/**
 * REC codes for leaving care through adoption, a special guardianship order or a child arrangements
 * (residence) order: the child is then previously looked after, and the virtual school still advises.
 */
export const LEFT_BY_ORDER = new Set(['E11', 'E12', 'E41', 'E43', 'E44', 'E45', 'E46', 'E47', 'E48']);
