import { ssda903Guide } from './sources.js';
import type { CodeList } from './types.js';

export const englandReasonNewEpisode = {
  id: 'england-reason-new-episode',
  title: 'Reason for new episode (England, SSDA903 RNE)',
  description:
    'Why a new SSDA903 episode of care starts. P, B, T and U mark a change of placement; S marks the start of a ' +
    'period of care.',
  jurisdiction: 'england',
  source: ssda903Guide,
  codes: [
    {
      code: 'S',
      label: 'Started to be looked after',
      jurisdiction: 'england',
      description:
        'Also used for agreements to provide short-term placements (V4) and for individual breaks (V3).',
    },
    { code: 'L', label: 'Change of legal status only', jurisdiction: 'england' },
    { code: 'P', label: 'Change of placement and carer(s) only', jurisdiction: 'england' },
    { code: 'T', label: 'Change of placement (but same carer(s)) only', jurisdiction: 'england' },
    {
      code: 'B',
      label: 'Change of legal status and placement and carer(s) at the same time',
      jurisdiction: 'england',
    },
    {
      code: 'U',
      label: 'Change of legal status and change of placement (but same carer(s)) at the same time',
      jurisdiction: 'england',
    },
  ],
} as const satisfies CodeList;
