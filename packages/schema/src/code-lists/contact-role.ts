import { celrStandard } from './sources.js';
import type { CodeList } from './types.js';

export const contactRole = {
  id: 'contact-role',
  title: 'Contact role',
  description:
    "The role a key contact plays in a learner's education. Several roles exist in one nation only, and the " +
    'per-code jurisdiction says which; the same role codes name meeting attendees and action owners.',
  jurisdiction: 'all',
  source: celrStandard,
  codes: [
    { code: 'social-worker', label: 'Social worker', jurisdiction: 'all' },
    {
      code: 'carer',
      label: 'Carer',
      jurisdiction: 'all',
      description:
        'Foster carer, kinship carer, residential key worker or other person caring for the learner.',
    },
    {
      code: 'designated-teacher',
      label: 'Designated teacher',
      jurisdiction: 'england',
      description: "The school's statutory lead for looked after and previously looked after children.",
    },
    {
      code: 'designated-manager',
      label: 'Designated manager',
      jurisdiction: 'scotland',
      description: "The school's or establishment's lead for looked after and care experienced learners.",
    },
    {
      code: 'virtual-school-caseworker',
      label: 'Virtual school caseworker',
      jurisdiction: 'all',
      description:
        "A member of the virtual school's or care experienced team's staff who works with the learner.",
    },
    {
      code: 'virtual-school-head',
      label: 'Virtual school head',
      jurisdiction: 'all',
      description: 'Virtual School Head (England) or Virtual School Head Teacher (Scotland).',
    },
    {
      code: 'independent-reviewing-officer',
      label: 'Independent reviewing officer (IRO)',
      jurisdiction: 'england',
      description: "Chairs the looked after child's statutory reviews.",
    },
    {
      code: 'lead-professional',
      label: 'Lead professional',
      jurisdiction: 'scotland',
      description:
        "Co-ordinates a multi-agency child's plan under Getting it Right for Every Child (GIRFEC).",
    },
    {
      code: 'named-person',
      label: 'Named person',
      jurisdiction: 'scotland',
      description:
        'The clear point of contact for the child and family under Getting it Right for Every Child.',
    },
    {
      code: 'senco',
      label: 'Special educational needs co-ordinator (SENCO)',
      jurisdiction: 'england',
    },
    {
      code: 'parent',
      label: 'Parent',
      jurisdiction: 'all',
      description:
        'A parent or other person with parental responsibility (parental rights and responsibilities in Scotland).',
    },
    { code: 'other', label: 'Other', jurisdiction: 'all' },
  ],
} as const satisfies CodeList;
