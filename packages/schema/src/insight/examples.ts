import type { TermDates } from './calendar.js';
import { type CompliancePolicy, englandDefaultPolicy } from './policy.js';

/**
 * Examples of an authority's own settings (a fictional authority, Northbridge), as the API's
 * document, the docs and the tests show them.
 */

/** Three school years of term dates (those the bank holidays CELR holds cover), each term with its half term. */
export const exampleTermDates: TermDates = {
  name: 'Northbridge community schools 2024 to 2027',
  source: 'https://www.northbridge.example/schools/term-dates',
  terms: [
    {
      name: 'Autumn 2024',
      start: '2024-09-04',
      end: '2024-12-20',
      breaks: [{ start: '2024-10-28', end: '2024-11-01' }],
    },
    {
      name: 'Spring 2025',
      start: '2025-01-06',
      end: '2025-04-04',
      breaks: [{ start: '2025-02-17', end: '2025-02-21' }],
    },
    {
      name: 'Summer 2025',
      start: '2025-04-22',
      end: '2025-07-22',
      breaks: [{ start: '2025-05-26', end: '2025-05-30' }],
    },
    {
      name: 'Autumn 2025',
      start: '2025-09-03',
      end: '2025-12-19',
      breaks: [{ start: '2025-10-27', end: '2025-10-31' }],
    },
    {
      name: 'Spring 2026',
      start: '2026-01-05',
      end: '2026-03-27',
      breaks: [{ start: '2026-02-16', end: '2026-02-20' }],
    },
    {
      name: 'Summer 2026',
      start: '2026-04-13',
      end: '2026-07-22',
      breaks: [{ start: '2026-05-25', end: '2026-05-29' }],
    },
    {
      name: 'Autumn 2026',
      start: '2026-09-02',
      end: '2026-12-18',
      breaks: [{ start: '2026-10-26', end: '2026-10-30' }],
    },
    {
      name: 'Spring 2027',
      start: '2027-01-05',
      end: '2027-03-26',
      breaks: [{ start: '2027-02-15', end: '2027-02-19' }],
    },
    {
      name: 'Summer 2027',
      start: '2027-04-12',
      end: '2027-07-21',
      breaks: [{ start: '2027-05-31', end: '2027-06-04' }],
    },
  ],
};

/**
 * An authority's own policy: England's default, except that the PEP is to be in place within 20
 * working days of entering care (as some authorities allow), and a four-tier rubric.
 */
export const exampleCompliancePolicy: CompliancePolicy = {
  ...englandDefaultPolicy,
  id: 'northbridge-pep-2026',
  version: 1,
  name: 'Northbridge PEP standard (2026)',
  effectiveFrom: '2026-04-01',
  source: {
    title: 'Northbridge Virtual School: PEP quality and timeliness standard',
    publisher: 'Northbridge Borough Council',
    url: 'https://www.northbridge.example/virtual-school/pep-standard',
    edition: 'April 2026',
  },
  assumptions: [
    ...(englandDefaultPolicy.assumptions ?? []).filter((a) => !a.startsWith('Red is')),
    'The PEP is in place within 20 working days, at the first statutory review.',
    'Gold, green and amber are adequate; red is not.',
  ],
  deadlines: englandDefaultPolicy.deadlines.map((d) =>
    d.id === 'plan-in-place'
      ? {
          ...d,
          allowance: 20,
          description: 'A PEP is in place within 20 working days of the child entering care.',
        }
      : d,
  ),
  rubric: {
    ratings: [
      { code: 'gold', label: 'Outstanding.' },
      { code: 'green', label: 'Good.' },
      { code: 'amber', label: 'Requires improvement.' },
      { code: 'red', label: 'Inadequate: the plan must be redone.' },
    ],
    adequate: ['gold', 'green', 'amber'],
  },
};
