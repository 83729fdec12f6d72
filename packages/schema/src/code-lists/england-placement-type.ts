import { ssda903Guide } from './sources.js';
import type { CodeList } from './types.js';

export const englandPlacementType = {
  id: 'england-placement-type',
  title: 'Placement type (England, SSDA903 PLACE)',
  description:
    'Where a looked after child in England is living, as recorded in the PLACE field of the SSDA903 episodes ' +
    'file, for the 2024 to 2025 collection year (K3 added alongside H5 and P2 after supported accommodation ' +
    'for 16 and 17 year olds became Ofsted-registered from 28 October 2023). ' +
    'For 2025 to 2026 the return validators no longer accept H5, P2 and Z1 and accept Z11, Z12, Z13 and Z14 ' +
    'instead; those four codes are not listed here because their official labels could not be confirmed.',
  jurisdiction: 'england',
  source: ssda903Guide,
  codes: [
    {
      code: 'A3',
      label: 'Placed for adoption with parental/guardian consent with current foster carer(s)',
      jurisdiction: 'england',
      description:
        'Under section 19 of the Adoption and Children Act 2002, or with a freeing order where parental/guardian ' +
        'consent has been given (section 18(1)(a) of the Adoption Act 1976).',
    },
    {
      code: 'A4',
      label: 'Placed for adoption with parental/guardian consent not with current foster carer(s)',
      jurisdiction: 'england',
      description:
        'Under section 19 of the Adoption and Children Act 2002, or with a freeing order where parental/guardian ' +
        'consent has been given (section 18(1)(a) of the Adoption Act 1976).',
    },
    {
      code: 'A5',
      label: 'Placed for adoption with placement order with current foster carer(s)',
      jurisdiction: 'england',
      description:
        'Under section 21 of the Adoption and Children Act 2002, or with a freeing order where parental/guardian ' +
        'consent was dispensed with (section 18(1)(b) of the Adoption Act 1976).',
    },
    {
      code: 'A6',
      label: 'Placed for adoption with placement order not with current foster carer(s)',
      jurisdiction: 'england',
      description:
        'Under section 21 of the Adoption and Children Act 2002, or with a freeing order where parental/guardian ' +
        'consent was dispensed with (section 18(1)(b) of the Adoption Act 1976).',
    },
    {
      code: 'H5',
      label: "Semi-independent living accommodation not subject to children's homes regulations",
      jurisdiction: 'england',
      description: 'Not accepted by the 2025 to 2026 return validators.',
    },
    { code: 'K1', label: "Secure children's homes", jurisdiction: 'england' },
    {
      code: 'K2',
      label: "Children's homes subject to Children's Homes Regulations",
      jurisdiction: 'england',
    },
    {
      code: 'K3',
      label: 'Registered supported accommodation',
      jurisdiction: 'england',
      description:
        'Supported accommodation registered with Ofsted under the Supported Accommodation (England) Regulations 2023. ' +
        'Label as reproduced by open-source SSDA903 tools; not checked against the text of the guide itself.',
    },
    {
      code: 'P1',
      label: 'Placed with own parent(s) or other person(s) with parental responsibility',
      jurisdiction: 'england',
    },
    {
      code: 'P2',
      label:
        'Independent living, for example in a flat, lodgings, bedsit, bed and breakfast (B&B) or with friends, with or without formal support',
      jurisdiction: 'england',
      description: 'Not accepted by the 2025 to 2026 return validators.',
    },
    { code: 'P3', label: 'Residential employment', jurisdiction: 'england' },
    { code: 'R1', label: 'Residential care home', jurisdiction: 'england' },
    {
      code: 'R2',
      label:
        'National Health Service (NHS)/health trust or other establishment providing medical or nursing care',
      jurisdiction: 'england',
    },
    { code: 'R3', label: 'Family centre or mother and baby unit', jurisdiction: 'england' },
    { code: 'R5', label: 'Young offender institution (YOI)', jurisdiction: 'england' },
    {
      code: 'S1',
      label: "All residential schools, except where dual-registered as a school and children's home",
      jurisdiction: 'england',
    },
    { code: 'T0', label: 'All types of temporary move', jurisdiction: 'england' },
    { code: 'T1', label: 'Temporary periods in hospital', jurisdiction: 'england' },
    { code: 'T2', label: 'Temporary absences of the child on holiday', jurisdiction: 'england' },
    {
      code: 'T3',
      label: 'Temporary accommodation whilst normal foster carer(s) is/are on holiday',
      jurisdiction: 'england',
    },
    {
      code: 'T4',
      label: 'Temporary accommodation of seven days or less, for any reason, not covered by codes T1 to T3',
      jurisdiction: 'england',
    },
    {
      code: 'U1',
      label: 'Foster placement with relative(s) or friend(s) – long term fostering',
      jurisdiction: 'england',
    },
    {
      code: 'U2',
      label:
        'Fostering placement with relative(s) or friend(s) who is/are also an approved adopter(s) – fostering for adoption/concurrent planning',
      jurisdiction: 'england',
    },
    {
      code: 'U3',
      label:
        'Fostering placement with relative(s) or friend(s) who is/are not long-term or fostering for adoption/concurrent planning',
      jurisdiction: 'england',
    },
    {
      code: 'U4',
      label: 'Foster placement with other foster carer(s) – long term fostering',
      jurisdiction: 'england',
    },
    {
      code: 'U5',
      label:
        'Foster placement with other foster carer(s) who is/are also an approved adopter(s) – fostering for adoption/concurrent planning',
      jurisdiction: 'england',
    },
    {
      code: 'U6',
      label:
        'Foster placement with other foster carer(s) – not long term or fostering for adoption/concurrent planning',
      jurisdiction: 'england',
    },
    {
      code: 'Z1',
      label: 'Other placements (must be listed on a schedule sent to DfE with annual submission)',
      jurisdiction: 'england',
      description: 'Replaced by Z11 to Z14 in the 2025 to 2026 return validators.',
    },
  ],
} as const satisfies CodeList;
