import { schoolCensusDataItems } from './sources.js';
import type { CodeList } from './types.js';

export const englandYearGroup = {
  id: 'england-year-group',
  title: 'National curriculum year group (England, NC year actual)',
  description:
    "A pupil's national curriculum year group in England, as returned in the school census (NC year actual). The " +
    'code M (mixed year class) is left out because it describes classes, not pupils.',
  jurisdiction: 'england',
  source: schoolCensusDataItems,
  codes: [
    { code: 'E1', label: 'Early first year', jurisdiction: 'england' },
    { code: 'E2', label: 'Early second year', jurisdiction: 'england' },
    { code: 'N1', label: 'Nursery first year', jurisdiction: 'england' },
    { code: 'N2', label: 'Nursery second year', jurisdiction: 'england' },
    { code: 'R', label: 'Reception', jurisdiction: 'england' },
    { code: '1', label: 'Year 1', jurisdiction: 'england' },
    { code: '2', label: 'Year 2', jurisdiction: 'england' },
    { code: '3', label: 'Year 3', jurisdiction: 'england' },
    { code: '4', label: 'Year 4', jurisdiction: 'england' },
    { code: '5', label: 'Year 5', jurisdiction: 'england' },
    { code: '6', label: 'Year 6', jurisdiction: 'england' },
    { code: '7', label: 'Year 7', jurisdiction: 'england' },
    { code: '8', label: 'Year 8', jurisdiction: 'england' },
    { code: '9', label: 'Year 9', jurisdiction: 'england' },
    { code: '10', label: 'Year 10', jurisdiction: 'england' },
    { code: '11', label: 'Year 11', jurisdiction: 'england' },
    { code: '12', label: 'Year 12', jurisdiction: 'england' },
    { code: '13', label: 'Year 13', jurisdiction: 'england' },
    { code: '14', label: 'Year 14', jurisdiction: 'england' },
    {
      code: 'X',
      label: 'National curriculum not followed',
      jurisdiction: 'england',
      description: 'For special schools where pupils are not following a particular NC year.',
    },
  ],
} as const satisfies CodeList;
