import { ssda903Guide } from './sources.js';
import type { CodeList } from './types.js';

export const englandReasonEpisodeCeased = {
  id: 'england-reason-episode-ceased',
  title: 'Reason episode ceased (England, SSDA903 REC)',
  description:
    'Why an SSDA903 episode of care ended. X1 means a new episode began the same day; every other code records ' +
    'how the child ceased to be looked after.',
  jurisdiction: 'england',
  source: ssda903Guide,
  codes: [
    {
      code: 'X1',
      label: 'Episode ceases, and new episode begins on same day, for any reason',
      jurisdiction: 'england',
    },
    { code: 'E11', label: 'Adopted – application for an adoption order unopposed', jurisdiction: 'england' },
    { code: 'E12', label: 'Adopted – consent dispensed with by the court', jurisdiction: 'england' },
    { code: 'E2', label: 'Died', jurisdiction: 'england' },
    { code: 'E3', label: 'Care taken over by another local authority in the UK', jurisdiction: 'england' },
    {
      code: 'E4A',
      label:
        'Returned home to live with parent(s), relative(s), or other person(s) with parental responsibility as part of the care planning process',
      jurisdiction: 'england',
      description:
        'Not under a special guardianship order or residence order/child arrangements order. A planned return home.',
    },
    {
      code: 'E4B',
      label:
        'Returned home to live with parent(s), relative(s), or other person(s) with parental responsibility which was not part of the current care planning process',
      jurisdiction: 'england',
      description:
        'Not under a special guardianship order or residence order/child arrangements order. An unplanned return home.',
    },
    {
      code: 'E13',
      label:
        'Left care to live with parent(s), relative(s), or other person(s) with no parental responsibility',
      jurisdiction: 'england',
    },
    {
      code: 'E41',
      label:
        'Residence order/child arrangements order (which sets out with whom the child is to live) granted',
      jurisdiction: 'england',
    },
    {
      code: 'E45',
      label:
        'Special guardianship order made to former foster carer(s), who was/are a relative(s) or friend(s)',
      jurisdiction: 'england',
    },
    {
      code: 'E46',
      label: 'Special guardianship order made to former foster carer(s), other than relative(s) or friend(s)',
      jurisdiction: 'england',
    },
    {
      code: 'E47',
      label:
        'Special guardianship order made to carer(s), other than former foster carer(s), who was/are a relative(s) or friend(s)',
      jurisdiction: 'england',
    },
    {
      code: 'E48',
      label:
        'Special guardianship order made to carer(s), other than former foster carer(s), other than relative(s) or friend(s)',
      jurisdiction: 'england',
    },
    {
      code: 'E5',
      label:
        'Moved into independent living arrangement and no longer looked after: supportive accommodation providing formalised advice/support arrangements',
      jurisdiction: 'england',
      description:
        "Such as most hostels, young men's Christian association, foyers, staying close and care leavers projects. " +
        'Includes both children leaving care before and at age 18.',
    },
    {
      code: 'E6',
      label:
        'Moved into independent living arrangement and no longer looked after: accommodation providing no formalised advice/support arrangements',
      jurisdiction: 'england',
      description:
        'Such as bedsit, own flat, living with friend(s). Includes both children leaving care before and at age 18.',
    },
    {
      code: 'E7',
      label: 'Transferred to residential care funded by adult social care services',
      jurisdiction: 'england',
    },
    { code: 'E9', label: 'Sentenced to custody', jurisdiction: 'england' },
    { code: 'E14', label: 'Accommodation on remand ended', jurisdiction: 'england' },
    {
      code: 'E15',
      label: 'Age assessment determined child is aged 18 or over and E5, E6 and E7 do not apply',
      jurisdiction: 'england',
      description: 'Such as an unaccompanied asylum-seeking child (UASC) whose age has been disputed.',
    },
    { code: 'E16', label: 'Child moved abroad', jurisdiction: 'england' },
    {
      code: 'E17',
      label: 'Aged 18 (or over) and remained with current carers (inc under staying put arrangements)',
      jurisdiction: 'england',
    },
    {
      code: 'E8',
      label:
        'Period of being looked after ceased for any other reason (where none of the other reasons apply)',
      jurisdiction: 'england',
      description: 'Never used only because the child turned 18, which the date of birth already shows.',
    },
    {
      code: 'E43',
      label: 'Special guardianship made to former foster carers',
      jurisdiction: 'england',
      retired: true,
      description: 'Used in earlier SSDA903 returns; replaced by E45 and E46.',
    },
    {
      code: 'E44',
      label: 'Special guardianship made to carers other than former foster carers',
      jurisdiction: 'england',
      retired: true,
      description: 'Used in earlier SSDA903 returns; replaced by E47 and E48.',
    },
  ],
} as const satisfies CodeList;
