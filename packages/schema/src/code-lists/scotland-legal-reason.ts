import type { CodeList } from './types.js';

export const scotlandLegalReason = {
  id: 'scotland-legal-reason',
  title: 'Legal reason for being looked after (Scotland)',
  description:
    'The legal basis on which a child in Scotland is looked after. The CLAS data specification records a legal ' +
    'reason for each period, but its code values could not be confirmed from a published copy, so these are CELR ' +
    'kebab-case codes named after the measures in the legislation and in the published statistics; map CLAS or ' +
    'SEEMiS values onto them on import. Measures not listed (for example under the Criminal Procedure (Scotland) ' +
    'Act 1995) are recorded as "other" until the CLAS list is confirmed.',
  jurisdiction: 'scotland',
  source: {
    title: "Children's Social Work Statistics Scotland: 2021 to 2022 – Looked after children",
    publisher: 'Scottish Government',
    url: 'https://www.gov.scot/publications/childrens-social-work-statistics-scotland-2021-22/pages/looked-after-children/',
    edition: '2021-22',
  },
  codes: [
    {
      code: 'compulsory-supervision-order',
      label: 'Compulsory supervision order',
      jurisdiction: 'scotland',
      description:
        "Made by a children's hearing under section 83 of the Children's Hearings (Scotland) Act 2011, at home or " +
        'with a condition of residence away from home.',
    },
    {
      code: 'interim-compulsory-supervision-order',
      label: 'Interim compulsory supervision order',
      jurisdiction: 'scotland',
      description: "Section 86 of the Children's Hearings (Scotland) Act 2011.",
    },
    {
      code: 'permanence-order',
      label: 'Permanence order',
      jurisdiction: 'scotland',
      description: 'Section 80 of the Adoption and Children (Scotland) Act 2007.',
    },
    {
      code: 'section-25',
      label: 'Accommodated under section 25 of the Children (Scotland) Act 1995',
      jurisdiction: 'scotland',
      description: 'Voluntary accommodation provided by the local authority.',
    },
    {
      code: 'child-protection-order',
      label: 'Child protection order',
      jurisdiction: 'scotland',
      description: "Granted by a sheriff under Part 5 of the Children's Hearings (Scotland) Act 2011.",
    },
    {
      code: 'place-of-safety',
      label: 'Kept in a place of safety',
      jurisdiction: 'scotland',
      description:
        'Removed to or kept in a place of safety in an emergency, for example by a police constable, pending a ' +
        "child protection order or a children's hearing.",
    },
    { code: 'other', label: 'Other legal reason', jurisdiction: 'scotland' },
  ],
} as const satisfies CodeList;
