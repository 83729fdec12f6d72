import { celrStandard } from './sources.js';
import type { CodeList } from './types.js';

export const careStatus = {
  id: 'care-status',
  title: 'Care status',
  description:
    "A learner's relationship to care, which decides who is responsible for their education and what support " +
    'they are entitled to.',
  jurisdiction: 'all',
  source: celrStandard,
  codes: [
    {
      code: 'looked-after',
      label: 'Looked after',
      jurisdiction: 'all',
      description: 'Currently in the care of a local authority.',
    },
    {
      code: 'previously-looked-after',
      label: 'Previously looked after',
      jurisdiction: 'england',
      description:
        'Left care through an adoption, special guardianship or child arrangements order; the Virtual School Head ' +
        'advises their families and schools.',
    },
    {
      code: 'care-leaver',
      label: 'Care leaver',
      jurisdiction: 'all',
      description: 'Left care at 16 or over; pathway plans apply.',
    },
    {
      code: 'care-experienced',
      label: 'Care experienced',
      jurisdiction: 'scotland',
      description: "Has at any time been looked after (Scotland's preferred term).",
    },
  ],
} as const satisfies CodeList;
