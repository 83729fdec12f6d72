import { schoolCensusDataItems } from './sources.js';
import type { CodeList } from './types.js';

export const englandExclusionType = {
  id: 'england-exclusion-type',
  title: 'Exclusion category (England, school census)',
  description:
    'The category of a suspension or permanent exclusion from a school in England, as returned in the school ' +
    'census exclusions module. DfE guidance now calls fixed-period exclusions "suspensions", and the census ' +
    'category code is SUSP.',
  jurisdiction: 'england',
  source: schoolCensusDataItems,
  codes: [
    {
      code: 'SUSP',
      label: 'Suspension',
      jurisdiction: 'england',
      description: 'Excluded for a fixed period, formerly called a fixed-period exclusion.',
    },
    { code: 'PERM', label: 'Permanent exclusion', jurisdiction: 'england' },
  ],
} as const satisfies CodeList;
