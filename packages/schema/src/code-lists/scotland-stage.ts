import type { CodeList } from './types.js';

export const scotlandStage = {
  id: 'scotland-stage',
  title: 'Stage (Scotland)',
  description:
    "A learner's stage in Scottish education: early learning and childcare, seven primary stages and up to six " +
    'secondary stages. Pupils in special schools are not assigned a stage in the national statistics; leave the ' +
    'stage empty for them.',
  jurisdiction: 'scotland',
  source: {
    title: 'Summary statistics for schools in Scotland 2024: definitions and glossary',
    publisher: 'Scottish Government',
    url: 'https://www.gov.scot/publications/summary-statistics-for-schools-in-scotland-2024/pages/definitions-and-glossary/',
    edition: '2024',
  },
  codes: [
    {
      code: 'ELC',
      label: 'Early learning and childcare',
      jurisdiction: 'scotland',
      description: 'Funded early learning and childcare before primary school, including a deferred year.',
    },
    { code: 'P1', label: 'Primary 1', jurisdiction: 'scotland' },
    { code: 'P2', label: 'Primary 2', jurisdiction: 'scotland' },
    { code: 'P3', label: 'Primary 3', jurisdiction: 'scotland' },
    { code: 'P4', label: 'Primary 4', jurisdiction: 'scotland' },
    { code: 'P5', label: 'Primary 5', jurisdiction: 'scotland' },
    { code: 'P6', label: 'Primary 6', jurisdiction: 'scotland' },
    { code: 'P7', label: 'Primary 7', jurisdiction: 'scotland' },
    { code: 'S1', label: 'Secondary 1', jurisdiction: 'scotland' },
    { code: 'S2', label: 'Secondary 2', jurisdiction: 'scotland' },
    { code: 'S3', label: 'Secondary 3', jurisdiction: 'scotland' },
    { code: 'S4', label: 'Secondary 4', jurisdiction: 'scotland' },
    { code: 'S5', label: 'Secondary 5', jurisdiction: 'scotland' },
    { code: 'S6', label: 'Secondary 6', jurisdiction: 'scotland' },
  ],
} as const satisfies CodeList;
