import { celrStandard } from './sources.js';
import type { CodeList } from './types.js';

export const planType = {
  id: 'plan-type',
  title: 'Plan type',
  description:
    "The kind of plan a learner's plan record is. Each nation has its own statutory plans, so most types belong " +
    'to one nation only; the per-code jurisdiction says which.',
  jurisdiction: 'all',
  source: celrStandard,
  codes: [
    {
      code: 'pep',
      label: 'Personal education plan (PEP)',
      jurisdiction: 'england',
      description:
        "Part of a looked after child's care plan in England; reviewed each term, and records how Pupil Premium Plus " +
        'is spent.',
    },
    {
      code: 'childs-plan',
      label: "Child's plan",
      jurisdiction: 'scotland',
      description:
        'A single or multi-agency plan based on an assessment guided by the Getting it Right for Every Child (GIRFEC) ' +
        'national practice model.',
    },
    {
      code: 'csp',
      label: 'Co-ordinated support plan (CSP)',
      jurisdiction: 'scotland',
      description:
        'The statutory education plan prepared by an education authority for a child or young person with complex ' +
        'or multiple additional support needs.',
    },
    {
      code: 'ehc-plan',
      label: 'Education, health and care (EHC) plan',
      jurisdiction: 'england',
      description:
        'The statutory plan for a child or young person with special educational needs in England.',
    },
    {
      code: 'pathway-plan',
      label: 'Pathway plan',
      jurisdiction: 'all',
      description: 'The plan for a young person leaving care (a care leaver) in either nation.',
    },
  ],
} as const satisfies CodeList;
