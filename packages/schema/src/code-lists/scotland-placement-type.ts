import type { CodeList } from './types.js';

export const scotlandPlacementType = {
  id: 'scotland-placement-type',
  title: 'Placement type (Scotland, CLAS type of accommodation)',
  description:
    'Where a looked after child in Scotland is living, in the community and residential categories that the ' +
    "Scottish Government's Children Looked After Statistics (CLAS) publish. The CLAS data specification's own " +
    'numeric codes could not be confirmed from a published copy, so these codes are CELR kebab-case codes; ' +
    'map CLAS or SEEMiS values onto them on import.',
  jurisdiction: 'scotland',
  source: {
    title: "Children's Social Work Statistics 2022-23 – Looked After Children: background notes",
    publisher: 'Scottish Government',
    url: 'https://www.gov.scot/publications/childrens-social-work-statistics-2022-23-looked-after-children/pages/background-notes/',
    edition: '2022-23 (children looked after 1 August 2022 to 31 July 2023)',
  },
  codes: [
    {
      code: 'at-home-with-parents',
      label: 'At home with parent(s)',
      jurisdiction: 'scotland',
      description:
        'Looked after at home under a compulsory supervision order with no condition of residence, living at their ' +
        'usual home with regular social work visits.',
    },
    {
      code: 'with-friends-relatives',
      label: 'With friends/relatives (kinship care)',
      jurisdiction: 'scotland',
      description:
        'With friends or relatives who are not approved foster carers; also referred to as kinship care.',
    },
    {
      code: 'with-foster-carers-provided-by-la',
      label: 'With foster carers provided by the local authority',
      jurisdiction: 'scotland',
    },
    {
      code: 'with-foster-carers-purchased-by-la',
      label: 'With foster carers purchased by the local authority',
      jurisdiction: 'scotland',
      description: 'Foster care bought from an independent or voluntary fostering provider.',
    },
    { code: 'with-prospective-adopters', label: 'With prospective adopters', jurisdiction: 'scotland' },
    {
      code: 'in-other-community',
      label: 'In other community',
      jurisdiction: 'scotland',
      description: 'Includes supported accommodation and hospital at birth.',
    },
    { code: 'local-authority-home', label: 'Local authority home', jurisdiction: 'scotland' },
    { code: 'voluntary-home', label: 'Voluntary home', jurisdiction: 'scotland' },
    { code: 'residential-school', label: 'Residential school', jurisdiction: 'scotland' },
    { code: 'secure-accommodation', label: 'Secure accommodation', jurisdiction: 'scotland' },
    {
      code: 'crisis-care',
      label: 'Crisis care',
      jurisdiction: 'scotland',
      description: "For example a women's refuge or a hostel for offenders.",
    },
    {
      code: 'other-residential',
      label: 'Other residential',
      jurisdiction: 'scotland',
      description: 'A known residential setting that does not fit the listed residential categories.',
    },
  ],
} as const satisfies CodeList;
