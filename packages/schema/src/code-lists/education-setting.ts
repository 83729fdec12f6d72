import { celrStandard } from './sources.js';
import type { CodeList } from './types.js';

export const educationSetting = {
  id: 'education-setting',
  title: 'Education setting',
  description:
    'How much and what kind of education the learner currently receives. Part-time timetables and gaps without ' +
    'a place are what virtual schools watch for, so they are explicit codes.',
  jurisdiction: 'all',
  source: celrStandard,
  codes: [
    { code: 'full-time', label: 'Full-time education', jurisdiction: 'all' },
    {
      code: 'part-time',
      label: 'Part-time education',
      jurisdiction: 'all',
      description: "Including a reduced or part-time timetable at the learner's school.",
    },
    {
      code: 'alternative-provision',
      label: 'Alternative provision',
      jurisdiction: 'all',
      description:
        'Education arranged away from a mainstream school place, for example a pupil referral unit (England) or a ' +
        'flexible learning package (Scotland).',
    },
    {
      code: 'not-in-education',
      label: 'Not in education',
      jurisdiction: 'all',
      description: 'No school, college or other education place.',
    },
    {
      code: 'elective-home-education',
      label: 'Elective home education',
      jurisdiction: 'all',
      description: 'Educated at home by choice of the parents (called home education in Scotland).',
    },
    {
      code: 'further-education',
      label: 'Further education',
      jurisdiction: 'all',
      description: 'A further education or sixth form college place.',
    },
    { code: 'other', label: 'Other', jurisdiction: 'all' },
  ],
} as const satisfies CodeList;
