import { celrStandard } from './sources.js';
import type { CodeList } from './types.js';

export const transitionType = {
  id: 'transition-type',
  title: 'Transition type',
  description:
    'The kind of move a transition record follows. Moves are where education drifts, so each kind is tracked ' +
    'separately.',
  jurisdiction: 'all',
  source: celrStandard,
  codes: [
    {
      code: 'in-year-school-move',
      label: 'In-year school move',
      jurisdiction: 'all',
      description: 'A change of school outside the normal points of transfer.',
    },
    {
      code: 'phase-transfer-early-years-primary',
      label: 'Phase transfer: early years to primary',
      jurisdiction: 'all',
      description: 'Early years (England) or early learning and childcare (Scotland) to primary school.',
    },
    {
      code: 'phase-transfer-primary-secondary',
      label: 'Phase transfer: primary to secondary',
      jurisdiction: 'all',
    },
    {
      code: 'phase-transfer-secondary-post16',
      label: 'Phase transfer: secondary to post-16',
      jurisdiction: 'all',
      description: 'To sixth form, college, training or employment.',
    },
    { code: 'placement-move', label: 'Placement move', jurisdiction: 'all' },
    {
      code: 'authority-move',
      label: 'Move between authorities',
      jurisdiction: 'all',
      description: 'The learner moves to, or is placed in, another local authority area.',
    },
    { code: 'leaving-care', label: 'Leaving care', jurisdiction: 'all' },
  ],
} as const satisfies CodeList;
