import type { CodeListSource } from './types.js';

/**
 * Published documents that more than one code list is taken from. Kept in one place so that moving
 * to a new collection year is a single, reviewable change.
 */

/** The DfE guide to the SSDA903 return; it defines the LS, PLACE, RNE, REC and REASON_PLACE_CHANGE codes. */
export const ssda903Guide = {
  title: 'Children looked after return 2024 to 2025: guide',
  publisher: 'Department for Education',
  url: 'https://www.gov.uk/government/publications/children-looked-after-return-2024-to-2025-guide',
  edition: '2024 to 2025 (collection year 1 April 2024 to 31 March 2025)',
} as const satisfies CodeListSource;

/** DfE school census data items; they define the SEN provision, NC year and exclusion category codes. */
export const schoolCensusDataItems = {
  title: 'Complete the school census: data items 2024 to 2025',
  publisher: 'Department for Education',
  url: 'https://www.gov.uk/guidance/complete-the-school-census/data-items-2024-to-2025',
  edition: '2024 to 2025 (autumn 2024, spring and summer 2025 censuses)',
} as const satisfies CodeListSource;

/** Lists CELR defines itself because no published list spans both nations. */
export const celrStandard = {
  title: 'CELR data standard',
  publisher: 'CELR',
  url: 'https://github.com/celr-standard/celr',
  edition: '0.1',
} as const satisfies CodeListSource;
