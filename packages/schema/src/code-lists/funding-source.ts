import { celrStandard } from './sources.js';
import type { CodeList } from './types.js';

export const fundingSource = {
  id: 'funding-source',
  title: 'Funding source',
  description:
    "Where the money for an action or provision in a learner's plan comes from. Each nation funds the education " +
    'of looked after learners through its own grant.',
  jurisdiction: 'all',
  source: celrStandard,
  codes: [
    {
      code: 'pupil-premium-plus',
      label: 'Pupil Premium Plus (PP+)',
      jurisdiction: 'england',
      description:
        'The pupil premium for looked after children, managed by the Virtual School Head and used for the needs in ' +
        "the child's personal education plan (DfE pupil premium conditions of grant).",
    },
    {
      code: 'care-experienced-children-and-young-people-fund',
      label: 'Care Experienced Children and Young People Fund',
      jurisdiction: 'scotland',
      description:
        'Scottish Attainment Challenge funding allocated to local authorities to improve the educational outcomes ' +
        'of care experienced children and young people from birth to age 26 ' +
        '(https://www.gov.scot/publications/care-experienced-children-young-people-fund-operational-guidance-2023-24/).',
    },
    { code: 'other', label: 'Other', jurisdiction: 'all' },
  ],
} as const satisfies CodeList;
