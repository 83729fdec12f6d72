import type { CodeList } from './types.js';

export const scotlandAsnStatus = {
  id: 'scotland-asn-status',
  title: 'Additional support needs status (Scotland)',
  description:
    'Whether a pupil in Scotland has additional support needs and the most formal plan in place for them. The ' +
    'pupil census records each type of support separately (co-ordinated support plan, individualised educational ' +
    "programme, child's plan, assessed or declared disabled, other); CELR keeps one status, the highest of " +
    "CSP, IEP, child's plan and other support, and records disability elsewhere. Codes are CELR kebab-case codes; " +
    'the pupil census code values were not available.',
  jurisdiction: 'scotland',
  source: {
    title: 'Summary statistics for schools in Scotland no. 7: 2016 edition (glossary)',
    publisher: 'Scottish Government',
    url: 'https://www.gov.scot/publications/summary-statistics-schools-scotland-7-2016/pages/8/',
    edition: '2016 edition (pupil census September 2016)',
  },
  codes: [
    { code: 'no-asn', label: 'No additional support needs', jurisdiction: 'scotland' },
    {
      code: 'asn-no-plan',
      label: "Additional support needs, other support (no CSP, IEP or child's plan)",
      jurisdiction: 'scotland',
      description:
        'The Education (Additional Support for Learning) (Scotland) Act 2004 gives a child additional support needs ' +
        'where they need additional support in order to benefit from school education.',
    },
    {
      code: 'asn-with-childs-plan',
      label: "Additional support needs with a child's plan",
      jurisdiction: 'scotland',
      description:
        'A single or multi-agency plan based on an assessment guided by the Getting it Right for Every Child national ' +
        'practice model.',
    },
    {
      code: 'asn-with-iep',
      label: 'Additional support needs with an individualised educational programme (IEP)',
      jurisdiction: 'scotland',
    },
    {
      code: 'asn-with-csp',
      label: 'Additional support needs with a co-ordinated support plan (CSP)',
      jurisdiction: 'scotland',
      description:
        'The statutory education plan prepared by local authorities to identify, and ensure provision of, services ' +
        'for children and young people with complex or multiple additional support needs.',
    },
  ],
} as const satisfies CodeList;
