/**
 * The tables of an SSDA903 return as CSV files. Authorities name the files as they like
 * (header.csv, SSDA903_Episodes_2025.csv, ...) and give them in any order, so a table is known by
 * its header row: the columns the DfE defines for it (as listed by the csc-validator-be-903
 * config), in any order, extra columns allowed.
 */

export const TABLE_COLUMNS = {
  header: ['CHILD', 'SEX', 'DOB', 'ETHNIC', 'UPN', 'MOTHER', 'MC_DOB'],
  episodes: [
    'CHILD',
    'DECOM',
    'RNE',
    'LS',
    'CIN',
    'PLACE',
    'PLACE_PROVIDER',
    'DEC',
    'REC',
    'REASON_PLACE_CHANGE',
    'HOME_POST',
    'PL_POST',
    'URN',
  ],
  reviews: ['CHILD', 'DOB', 'REVIEW', 'REVIEW_CODE'],
  uasc: ['CHILD', 'SEX', 'DOB', 'DUC'],
  oc2: [
    'CHILD',
    'DOB',
    'SDQ_SCORE',
    'SDQ_REASON',
    'CONVICTED',
    'HEALTH_CHECK',
    'IMMUNISATIONS',
    'TEETH_CHECK',
    'HEALTH_ASSESSMENT',
    'SUBSTANCE_MISUSE',
    'INTERVENTION_RECEIVED',
    'INTERVENTION_OFFERED',
  ],
  oc3: ['CHILD', 'DOB', 'IN_TOUCH', 'ACTIV', 'ACCOM'],
  missing: ['CHILD', 'DOB', 'MISSING', 'MIS_START', 'MIS_END'],
  /**
   * Not a DfE table: the return carries no names, and a CELR learner needs one, so an authority
   * adds this extract from its case system (CHILD as in the return).
   */
  names: ['CHILD', 'GIVEN_NAME', 'FAMILY_NAME'],
} as const;

export type TableName = keyof typeof TABLE_COLUMNS;

/**
 * Columns of each table that CELR carries; every other column of a recognised table is listed once
 * per file as not carried. Why the others are not carried:
 * - SEX, ETHNIC: CELR should carry ethnicity (the attainment gap of care-experienced children by
 *   ethnicity is what virtual schools report on), but as a learner field it needs a code list for
 *   both nations and a decision on who may see it; it is left for a schema change of its own.
 *   Sex is not needed for education planning and stays out.
 * - MOTHER, MC_DOB: whether the child is a parent is social care data; a PEP may record it in words.
 * - CIN, PLACE_PROVIDER, HOME_POST, PL_POST, URN (of the placement provider): social care and
 *   location data. Postcodes of placements are sensitive and a school never needs them.
 * - DEC, REC of an episode that ends in a placement change, RNE: they are read to find the period
 *   of care and the moves, and written back from CELR records, but not stored as such.
 * - Reviews, UASC, OC2, OC3, missing: recognised so that they are not mistaken for errors; their
 *   data (reviews, health, care leavers' activity, missing episodes) is not in a learner record.
 */
export const CARRIED: Record<TableName, readonly string[]> = {
  header: ['CHILD', 'DOB', 'UPN'],
  episodes: ['CHILD', 'DECOM', 'RNE', 'LS', 'PLACE', 'DEC', 'REC', 'REASON_PLACE_CHANGE'],
  reviews: ['CHILD'],
  uasc: ['CHILD'],
  oc2: ['CHILD'],
  oc3: ['CHILD'],
  missing: ['CHILD'],
  names: ['CHILD', 'GIVEN_NAME', 'FAMILY_NAME'],
};

const normalise = (column: string) =>
  column
    .trim()
    .replace(/^\uFEFF/, '')
    .toUpperCase();

/**
 * Which table a header row begins. The table with the most of its columns present wins, and all
 * of its columns must be there: the header table's columns are a subset of no other's, but UASC's
 * CHILD, SEX, DOB are also in the header table, so the fuller match is the right one.
 */
export function recogniseTable(columns: readonly string[]): TableName | undefined {
  const present = new Set(columns.map(normalise));
  let best: TableName | undefined;
  for (const [name, wanted] of Object.entries(TABLE_COLUMNS) as [TableName, readonly string[]][]) {
    if (!wanted.every((c) => present.has(c))) continue;
    if (!best || wanted.length > TABLE_COLUMNS[best].length) best = name;
  }
  return best;
}

export { normalise as normaliseColumn };
