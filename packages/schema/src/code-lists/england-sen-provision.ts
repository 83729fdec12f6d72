import { schoolCensusDataItems } from './sources.js';
import type { CodeList } from './types.js';

export const englandSenProvision = {
  id: 'england-sen-provision',
  title: 'SEN provision (England, school census)',
  description:
    'The special educational needs provision a pupil in England receives, as returned in every school census. ' +
    'S, A and P pre-date the SEND reforms of 2014 and are still accepted in some census modules that describe ' +
    'earlier periods (for example SEN provision on entry to alternative provision).',
  jurisdiction: 'england',
  source: schoolCensusDataItems,
  codes: [
    { code: 'N', label: 'No special educational need', jurisdiction: 'england' },
    { code: 'K', label: 'SEN support', jurisdiction: 'england' },
    { code: 'E', label: 'Education, health and care plan', jurisdiction: 'england' },
    {
      code: 'S',
      label: 'Statement of special educational needs',
      jurisdiction: 'england',
      retired: true,
      description: 'Replaced by education, health and care plans.',
    },
    {
      code: 'A',
      label: 'School Action',
      jurisdiction: 'england',
      retired: true,
      description: 'Replaced by SEN support.',
    },
    {
      code: 'P',
      label: 'School Action Plus',
      jurisdiction: 'england',
      retired: true,
      description: 'Replaced by SEN support.',
    },
  ],
} as const satisfies CodeList;
