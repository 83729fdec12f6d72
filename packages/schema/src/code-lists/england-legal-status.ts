import { ssda903Guide } from './sources.js';
import type { CodeList } from './types.js';

export const englandLegalStatus = {
  id: 'england-legal-status',
  title: 'Legal status (England, SSDA903 LS)',
  description:
    'The legal status under which a child is looked after in England, as recorded in the LS field of the ' +
    'SSDA903 episodes file.',
  jurisdiction: 'england',
  source: ssda903Guide,
  codes: [
    { code: 'C1', label: 'Interim care order', jurisdiction: 'england' },
    { code: 'C2', label: 'Full care order', jurisdiction: 'england' },
    { code: 'D1', label: 'Freeing order granted', jurisdiction: 'england' },
    { code: 'E1', label: 'Placement order granted', jurisdiction: 'england' },
    {
      code: 'J1',
      label: 'Remanded to local authority accommodation or to youth detention accommodation',
      jurisdiction: 'england',
    },
    {
      code: 'J2',
      label:
        'Placed in local authority accommodation under the Police and Criminal Evidence Act 1984, including secure accommodation',
      jurisdiction: 'england',
      description: 'However, this would not necessarily be accommodation where the child would be detained.',
    },
    {
      code: 'J3',
      label: 'Sentenced to Youth Rehabilitation Order with residence or intensive fostering requirement',
      jurisdiction: 'england',
      description:
        'Sentenced to Youth Rehabilitation Order (Criminal Justice and Immigration Act 2008 as amended by Legal Aid, ' +
        'Sentencing and Punishment of Offenders Act (LASPOA) 2012 with residence or intensive fostering requirement).',
    },
    {
      code: 'L1',
      label: 'Under police protection and in local authority accommodation',
      jurisdiction: 'england',
    },
    { code: 'L2', label: 'Emergency protection order (EPO)', jurisdiction: 'england' },
    {
      code: 'L3',
      label: 'Under child assessment order and in local authority accommodation',
      jurisdiction: 'england',
    },
    {
      code: 'V2',
      label: 'Single period of accommodation under section 20 (Children Act 1989)',
      jurisdiction: 'england',
    },
    {
      code: 'V3',
      label:
        'Accommodated under an agreed series of short-term breaks, when individual episodes of care are recorded',
      jurisdiction: 'england',
    },
    {
      code: 'V4',
      label:
        'Accommodated under an agreed series of short-term breaks, when agreements are recorded (NOT individual episodes of care)',
      jurisdiction: 'england',
    },
  ],
} as const satisfies CodeList;
