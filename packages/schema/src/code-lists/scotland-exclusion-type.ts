import type { CodeList } from './types.js';

export const scotlandExclusionType = {
  id: 'scotland-exclusion-type',
  title: 'Exclusion type (Scotland)',
  description:
    'The two kinds of exclusion from school recognised in Scotland under regulation 4 of the Schools General ' +
    '(Scotland) Regulations 1975. Codes are CELR kebab-case codes.',
  jurisdiction: 'scotland',
  source: {
    title:
      'Included, engaged and involved part 2: a positive approach to preventing and managing school exclusions',
    publisher: 'Scottish Government',
    url: 'https://www.gov.scot/publications/included-engaged-involved-part-2-positive-approach-preventing-managing-school/',
    edition: 'June 2017',
  },
  codes: [
    {
      code: 'temporary-exclusion',
      label: 'Temporary exclusion',
      jurisdiction: 'scotland',
      description: 'Excluded from school for a period, after which the pupil returns to the same school.',
    },
    {
      code: 'removal-from-register',
      label: 'Removal from the register',
      jurisdiction: 'scotland',
      description:
        "The pupil is removed from the school's register; the education authority remains responsible for their " +
        'education.',
    },
  ],
} as const satisfies CodeList;
