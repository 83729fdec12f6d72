import { celrStandard } from './sources.js';
import type { CodeList } from './types.js';

export const meetingType = {
  id: 'meeting-type',
  title: 'Meeting type',
  description:
    'The kind of meeting a meeting record is. Statutory reviews differ by nation, so they have separate codes ' +
    'rather than one shared "review".',
  jurisdiction: 'all',
  source: celrStandard,
  codes: [
    {
      code: 'pep-meeting',
      label: 'Personal education plan (PEP) meeting',
      jurisdiction: 'england',
    },
    {
      code: 'looked-after-review',
      label: 'Looked after review (England)',
      jurisdiction: 'england',
      description:
        "Statutory review of a looked after child's care plan, chaired by an independent reviewing officer (IRO), " +
        'under the Care Planning, Placement and Case Review (England) Regulations 2010.',
    },
    {
      code: 'looked-after-review-scotland',
      label: 'Looked after child review (Scotland)',
      jurisdiction: 'scotland',
      description:
        'Statutory review of a looked after child under the Looked After Children (Scotland) Regulations 2009.',
    },
    {
      code: 'childs-plan-meeting',
      label: "Child's plan meeting",
      jurisdiction: 'scotland',
      description:
        "A meeting to agree or review a child's plan under Getting it Right for Every Child (GIRFEC).",
    },
    {
      code: 'transition-planning-meeting',
      label: 'Transition planning meeting',
      jurisdiction: 'all',
      description: 'Planning a school move, a phase transfer, a placement move or leaving care.',
    },
    {
      code: 'csp-review',
      label: 'Co-ordinated support plan (CSP) review',
      jurisdiction: 'scotland',
    },
    {
      code: 'ehc-annual-review',
      label: 'Education, health and care (EHC) plan annual review',
      jurisdiction: 'england',
    },
    { code: 'pathway-plan-review', label: 'Pathway plan review', jurisdiction: 'all' },
    { code: 'other', label: 'Other meeting', jurisdiction: 'all' },
  ],
} as const satisfies CodeList;
