import { ssda903Guide } from './sources.js';
import type { CodeList } from './types.js';

export const englandReasonPlacementChange = {
  id: 'england-reason-placement-change',
  title: 'Reason for placement change (England, SSDA903 REASON_PLACE_CHANGE)',
  description:
    'Why a looked after child in England moved placement, recorded in REASON_PLACE_CHANGE against the episode ' +
    'that is ending, not the one that starts. Not recorded for temporary placements (T0 to T4).',
  jurisdiction: 'england',
  source: ssda903Guide,
  codes: [
    {
      code: 'CARPL',
      label: 'Change to/implementation of care plan',
      jurisdiction: 'england',
      description:
        "A planned move, decided and recorded in the child's care plan before the change, to a placement that meets " +
        'their assessed needs.',
    },
    {
      code: 'CLOSE',
      label: 'Resignation/closure of provision',
      jurisdiction: 'england',
      description: 'A planned move because the foster carer resigns or the setting closes.',
    },
    {
      code: 'ALLEG',
      label: 'Allegation (s47)',
      jurisdiction: 'england',
      description:
        'Removed from placement because of an allegation investigated under section 47 of the Children Act 1989.',
    },
    {
      code: 'STAND',
      label: 'Standards of care concern',
      jurisdiction: 'england',
      description:
        'Removed by the responsible authority or provider because of concerns about standards of care.',
    },
    {
      code: 'APPRR',
      label: 'Approval removed',
      jurisdiction: 'england',
      description: 'The setting is no longer approved or registered with the appropriate statutory body.',
    },
    {
      code: 'CREQB',
      label: "Carer(s) requests placement end due to child's behaviour",
      jurisdiction: 'england',
    },
    {
      code: 'CREQO',
      label: "Carer(s) requests placement end other than due to child's behaviour",
      jurisdiction: 'england',
    },
    { code: 'CHILD', label: 'Child requests placement end', jurisdiction: 'england' },
    {
      code: 'LAREQ',
      label: 'Responsible/area authority requests placement end',
      jurisdiction: 'england',
      description: "The placement no longer meets the child's needs but there is no immediate risk.",
    },
    {
      code: 'PLACE',
      label: 'Change in the status of placement only',
      jurisdiction: 'england',
      description: 'The child stays with the same carer and the care plan does not change.',
    },
    {
      code: 'CUSTOD',
      label: 'Custody arrangement',
      jurisdiction: 'england',
      description: 'The child has been admitted into custody.',
    },
    {
      code: 'OTHER',
      label: 'Other',
      jurisdiction: 'england',
      description: 'Any other reason; only in exceptional circumstances.',
    },
  ],
} as const satisfies CodeList;
