/**
 * The cohort row against values worked out by hand. Each child below changes one thing from a
 * plain English child (in care, at school, no plan), and the expected values are written out with
 * the reasoning in a comment, never taken from the function under test.
 *
 * `asOf` is Thursday 30 April 2026: England's school year 2025-26 runs 1 September 2025 to
 * 31 August 2026; Easter Sunday 2026 is 5 April, so the conventional summer term starts Monday
 * 6 April; 12 months before `asOf` is 30 April 2025 (moves after it count).
 */
import { describe, expect, it } from 'vitest';
import {
  ATTENDANCE_BAND_CODES,
  type CohortInput,
  type CohortLearner,
  type CohortPlan,
  CohortRow,
  checkSchema,
  cohortGroupKey,
  cohortRow,
  easterSunday,
  englandDefaultPolicy,
  schoolYearOf,
  scotlandDefaultPolicy,
  termOf,
  yearGroupFromBirth,
} from '../src/index.js';
import { anyshireTerms } from './support/terms.js';

const AS_OF = '2026-04-30';
let seq = 0;
const id = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

const NORTHBRIDGE = { scheme: 'la-code', code: '990', name: 'Northbridge' };

function child(over: Partial<CohortLearner> = {}): CohortLearner {
  return {
    id: id(),
    jurisdiction: 'england',
    dateOfBirth: '2013-05-14',
    identifiers: [],
    careStatus: { status: 'looked-after', since: '2024-01-08' },
    responsibleAuthority: NORTHBRIDGE,
    enrolment: {
      school: { scheme: 'laestab', code: '9902001', name: 'Northbridge High' },
      setting: 'full-time',
    },
    ...over,
  };
}

// A child with no enrolment recorded: the member is absent, as it is in a stored record.
const withoutEnrolment = ({ enrolment: _, ...rest }: CohortLearner): CohortLearner => rest;

const row = (
  input: Partial<CohortInput> & { learner: CohortLearner },
  asOf = AS_OF,
  termDates?: typeof anyshireTerms,
) => {
  const policy = input.learner.jurisdiction === 'scotland' ? scotlandDefaultPolicy : englandDefaultPolicy;
  const result = cohortRow(input, { policy, asOf, termDates });
  // Every row is of the shape the API answers with.
  expect(checkSchema(CohortRow, result)).toEqual([]);
  return result;
};

const summary = (
  period: [string, string],
  possible: number,
  attended: number,
  authorised: number,
  unauthorised: number,
) => ({
  period: { start: period[0], end: period[1] },
  possibleSessions: possible,
  attendedSessions: attended,
  authorisedAbsenceSessions: authorised,
  unauthorisedAbsenceSessions: unauthorised,
});

const plan = (over: Partial<CohortPlan> = {}): CohortPlan => ({
  id: id(),
  type: 'pep',
  status: 'active',
  period: { start: '2025-09-03', end: '2026-07-22' },
  ...over,
});

describe('calendar of the cohort', () => {
  it('knows Easter and the school years of both nations', () => {
    expect([easterSunday(2025), easterSunday(2026), easterSunday(2027)]).toEqual([
      '2025-04-20',
      '2026-04-05',
      '2027-03-28',
    ]);
    expect(schoolYearOf('england', '2025-08-31')).toEqual({ start: '2024-09-01', end: '2025-08-31' });
    expect(schoolYearOf('england', '2025-09-01')).toEqual({ start: '2025-09-01', end: '2026-08-31' });
    expect(schoolYearOf('scotland', '2025-07-31')).toEqual({ start: '2024-08-01', end: '2025-07-31' });
    expect(schoolYearOf('scotland', '2025-08-01')).toEqual({ start: '2025-08-01', end: '2026-07-31' });
    // Leap year: the English year 2023-24 ends on 31 August 2024 all the same.
    expect(schoolYearOf('england', '2024-02-29')).toEqual({ start: '2023-09-01', end: '2024-08-31' });
  });

  it('takes "this term" from term dates, else autumn to 31 December, spring to Easter Sunday, summer after', () => {
    expect(termOf('england', AS_OF)).toEqual({
      name: 'Summer 2026',
      start: '2026-04-06',
      end: '2026-08-31',
      from: 'conventional',
    });
    expect(termOf('england', '2026-04-05').name).toBe('Spring 2026');
    expect(termOf('england', '2025-12-31')).toEqual({
      name: 'Autumn 2025',
      start: '2025-09-01',
      end: '2025-12-31',
      from: 'conventional',
    });
    // Anyshire's summer term starts on 13 April; on 8 April (Easter holidays) the term is spring's.
    expect(termOf('england', AS_OF, anyshireTerms)).toEqual({
      name: 'Summer 2026',
      start: '2026-04-13',
      end: '2026-07-22',
      from: 'term-dates',
    });
    expect(termOf('england', '2026-04-08', anyshireTerms).name).toBe('Spring 2026');
  });
});

describe('year group and phase', () => {
  it.each([
    // England: born 1 September to 31 August together. In 2025-26, Year 7 was born 1 Sep 2013 to 31 Aug 2014.
    ['england', '2014-08-31', AS_OF, '7'],
    ['england', '2014-09-01', AS_OF, '6'],
    ['england', '2013-09-01', AS_OF, '7'],
    // Reception 2025-26: born 1 Sep 2020 to 31 Aug 2021; the day after, nursery.
    ['england', '2021-08-31', AS_OF, 'R'],
    ['england', '2021-09-01', AS_OF, 'N2'],
    // The same child on the last day of 2024-25 and the first of 2025-26.
    ['england', '2014-08-31', '2025-08-31', '6'],
    ['england', '2014-08-31', '2025-09-01', '7'],
    // Year 13 in 2025-26: born 1 Sep 2007 to 31 Aug 2008; older has no year group.
    ['england', '2008-08-31', AS_OF, '13'],
    ['england', '2007-08-31', AS_OF, null],
    // Scotland: born 1 March to the end of February together; P1 in August 2025 was born 1 Mar 2020 to 28 Feb 2021.
    ['scotland', '2021-02-28', AS_OF, 'P1'],
    ['scotland', '2021-03-01', AS_OF, 'ELC'],
    ['scotland', '2015-03-01', AS_OF, 'P6'],
    ['scotland', '2015-02-28', AS_OF, 'P7'],
    // 29 February 2012 belongs with those born from 1 March 2011: S1 in 2023-24, S3 in 2025-26.
    ['scotland', '2012-02-29', AS_OF, 'S3'],
    // The session changes on 1 August.
    ['scotland', '2015-03-01', '2026-07-31', 'P6'],
    ['scotland', '2015-03-01', '2026-08-01', 'P7'],
  ] as const)('%s, born %s, on %s: %s', (jurisdiction, born, asOf, expected) => {
    expect(yearGroupFromBirth(jurisdiction, born, asOf)).toBe(expected);
  });

  it('prefers the year group the enrolment records, and places X by age', () => {
    const school = { scheme: 'laestab', code: '9902001' };
    // Born 31 Aug 2014 would be Year 7; the school keeps the child in Year 5.
    const kept = row({
      learner: child({
        dateOfBirth: '2014-08-31',
        enrolment: { school, yearGroup: '5', setting: 'full-time' },
      }),
    });
    expect([kept.yearGroup, kept.yearGroupFrom, kept.phase]).toEqual(['5', 'enrolment', 'primary']);
    const derived = row({ learner: child({ dateOfBirth: '2014-08-31' }) });
    expect([derived.yearGroup, derived.yearGroupFrom, derived.phase]).toEqual([
      '7',
      'date-of-birth',
      'secondary',
    ]);
    // X (national curriculum not followed): 12 on 1 September 2025, so secondary.
    const x = row({
      learner: child({
        dateOfBirth: '2013-03-01',
        enrolment: { school, yearGroup: 'X', setting: 'full-time' },
      }),
    });
    expect([x.yearGroup, x.phase]).toEqual(['X', 'secondary']);
    // Reception is early years; Scotland's S5 is post-16.
    expect(row({ learner: child({ dateOfBirth: '2021-08-31' }) }).phase).toBe('early-years');
    const s5 = row({
      learner: child({
        jurisdiction: 'scotland',
        dateOfBirth: '2009-06-01',
        responsibleAuthority: { scheme: 'council-code', code: 'S12000099' },
        enrolment: { school: { scheme: 'seed-code', code: '5999011' }, setting: 'part-time' },
      }),
    });
    // Born June 2009: cohort of 2009, 16 years before the 2025 session: S5.
    expect([s5.yearGroup, s5.phase]).toEqual(['S5', 'post-16']);
    // Older than Year 13: no year group, post-16 by age (18 on 1 September 2025).
    const older = row({ learner: child({ dateOfBirth: '2007-05-01' }) });
    expect([older.yearGroup, older.yearGroupFrom, older.phase]).toEqual([null, null, 'post-16']);
  });
});

describe('in or out of authority', () => {
  it('compares the school and the host authority with the responsible authority', () => {
    const at = (school: { scheme: string; code: string }, extra: Partial<CohortInput> = {}, host?: string) =>
      row({
        learner: child({
          enrolment: { school, setting: 'part-time' },
          ...(host ? { hostAuthority: { scheme: 'la-code', code: host } } : {}),
        }),
        ...extra,
      });
    // LAESTAB 990xxxx: a school of LA 990, Northbridge's own.
    const home = at({ scheme: 'laestab', code: '9902001' });
    expect([home.schoolLocation, home.placementLocation, home.outOfAuthority, home.setting]).toEqual([
      'in-authority',
      'in-authority',
      false,
      'part-time',
    ]);
    const away = at({ scheme: 'laestab', code: '9912001' });
    expect([away.schoolLocation, away.outOfAuthority]).toEqual(['out-of-authority', true]);
    // A URN does not say where the school is, unless the caller knows.
    expect(at({ scheme: 'urn', code: '990001' }).schoolLocation).toBe('unknown');
    expect(at({ scheme: 'urn', code: '990001' }, { schoolAuthorityCode: '991' }).schoolLocation).toBe(
      'out-of-authority',
    );
    expect(at({ scheme: 'urn', code: '990001' }, { schoolAuthorityCode: '990' }).schoolLocation).toBe(
      'in-authority',
    );
    // Placed in Eastmere (991) while at a Northbridge school: out of authority all the same.
    const placed = at({ scheme: 'laestab', code: '9902001' }, {}, '991');
    expect([placed.schoolLocation, placed.placementLocation, placed.outOfAuthority]).toEqual([
      'in-authority',
      'out-of-authority',
      true,
    ]);
    expect(at({ scheme: 'laestab', code: '9902001' }, {}, '990').placementLocation).toBe('in-authority');
    const none = row({ learner: withoutEnrolment(child()) });
    expect([none.school, none.setting, none.schoolLocation, none.outOfAuthority]).toEqual([
      null,
      null,
      'unknown',
      false,
    ]);
  });
});

describe('plan and rating', () => {
  it('takes the plan in force and its rating from the PEP compliance assessment', () => {
    const qa = (rating: 'red' | 'amber' | 'green') => ({ rating, reviewedOn: '2025-09-30' });
    const green = plan({ qualityAssurance: qa('green') });
    const g = row({ learner: child(), plans: [green] });
    expect(g.plan).toEqual({
      id: green.id,
      type: 'pep',
      start: '2025-09-03',
      rating: 'green',
      adequate: true,
    });
    expect(g.rating).toBe('green');
    expect(row({ learner: child(), plans: [plan({ qualityAssurance: qa('red') })] }).plan?.adequate).toBe(
      false,
    );
    // Rated only after asOf: unrated on asOf.
    const later = row({
      learner: child(),
      plans: [plan({ qualityAssurance: { rating: 'amber', reviewedOn: '2026-05-01' } })],
    });
    expect([later.rating, later.plan?.adequate]).toEqual(['unrated', null]);
    // A draft is no plan; the child, in care since Monday 2 March 2026, has both PEP deadlines
    // overdue on 30 April (due 16 and 30 March, as the PEP compliance tests count them).
    const none = row({
      learner: child({ careStatus: { status: 'looked-after', since: '2026-03-02' } }),
      plans: [plan({ status: 'draft', period: { start: '2026-03-05' } })],
    });
    expect([none.plan, none.rating, none.compliance]).toEqual([
      null,
      'no-plan',
      { outcome: 'no-plan', overdue: 2 },
    ]);
    const notInCare = row({ learner: child({ careStatus: { status: 'care-leaver' } }) });
    expect([notInCare.careStatus, notInCare.compliance.outcome, notInCare.rating]).toEqual([
      'care-leaver',
      'not-looked-after',
      'no-plan',
    ]);
  });
});

describe('attendance', () => {
  const autumn: [string, string] = ['2025-09-03', '2025-12-19'];
  const spring: [string, string] = ['2026-01-05', '2026-03-27'];
  it.each([
    // 126 of 140 attended, 14 absent: exactly 90 % attendance is 10 % absence, persistent (DfE: 10 % or more).
    [[summary(autumn, 140, 126, 10, 4)], 140, 126, 14, 90, 10, 'persistent-absence', true],
    // 14 absent of 141: 9.93 % absence, not persistent; 127/141 = 90.07 % attended.
    [[summary(autumn, 141, 127, 10, 4)], 141, 127, 14, 90.1, 9.9, 'absence-5-to-10', false],
    // Two terms: 140 + 120 possible, 133 + 108 attended, 7 + 12 absent: 241/260 = 92.69 %, 19/260 = 7.31 %.
    [
      [summary(autumn, 140, 133, 5, 2), summary(spring, 120, 108, 8, 4)],
      260,
      241,
      19,
      92.7,
      7.3,
      'absence-5-to-10',
      false,
    ],
    // 7 of 140 absent: exactly 5 %, the 5 to 10 band starts there.
    [[summary(autumn, 140, 133, 7, 0)], 140, 133, 7, 95, 5, 'absence-5-to-10', false],
    [[summary(autumn, 140, 134, 6, 0)], 140, 134, 6, 95.7, 4.3, 'absence-under-5', false],
    // Half missed: severe, and persistent too.
    [[summary(autumn, 100, 50, 20, 30)], 100, 50, 50, 50, 50, 'severe-absence', true],
    // 3 sessions unrecorded: 87/100 attended, but 10 absent is still 10 %.
    [[summary(autumn, 100, 87, 6, 4)], 100, 87, 10, 87, 10, 'persistent-absence', true],
    // Last school year's summary, and one that ends after asOf, are not counted.
    [
      [
        summary(['2025-04-14', '2025-07-18'], 100, 50, 50, 0),
        summary(['2026-04-13', '2026-05-22'], 50, 10, 40, 0),
      ],
      0,
      0,
      0,
      null,
      null,
      'no-data',
      false,
    ],
    [[], 0, 0, 0, null, null, 'no-data', false],
  ] as const)(
    'case %#: absence and attendance as counted by hand',
    (attendance, possible, attended, absent, attendancePercent, absencePercent, band, persistent) => {
      const r = row({ learner: child({ attendance: attendance as never }) });
      expect(r.attendance).toEqual({
        schoolYear: { start: '2025-09-01', end: '2026-08-31' },
        possibleSessions: possible,
        attendedSessions: attended,
        absenceSessions: absent,
        attendancePercent,
        absencePercent,
        band,
        persistentAbsence: persistent,
      });
      expect(ATTENDANCE_BAND_CODES).toContain(r.attendance.band);
    },
  );
});

describe('suspensions and exclusions', () => {
  const exclusions = [
    { type: 'SUSP', startDate: '2026-04-20' }, // this term (from 6 April; from 13 April with term dates) and year
    { type: 'SUSP', startDate: '2026-04-08' }, // this conventional term; Easter holidays by Anyshire's dates
    { type: 'SUSP', startDate: '2026-02-10' }, // this year only
    { type: 'PERM', startDate: '2026-04-28' }, // this term and year
    { type: 'SUSP', startDate: '2025-06-01' }, // last school year
    { type: 'SUSP', startDate: '2026-05-05' }, // after asOf
  ];
  it('counts them this term and this school year, up to asOf', () => {
    const r = row({ learner: child({ exclusions }) });
    expect(r.exclusions).toEqual({
      term: { name: 'Summer 2026', start: '2026-04-06', end: '2026-08-31', from: 'conventional' },
      suspensionsThisTerm: 2,
      exclusionsThisTerm: 1,
      suspensionsThisYear: 3,
      exclusionsThisYear: 1,
    });
    const withTerms = row({ learner: child({ exclusions }) }, AS_OF, anyshireTerms);
    expect([withTerms.exclusions.suspensionsThisTerm, withTerms.exclusions.suspensionsThisYear]).toEqual([
      1, 3,
    ]);
  });

  it('reads Scotland’s temporary exclusion as a suspension and removal from the register as an exclusion', () => {
    const r = row({
      learner: child({
        jurisdiction: 'scotland',
        dateOfBirth: '2012-06-01',
        responsibleAuthority: { scheme: 'council-code', code: 'S12000099' },
        enrolment: { school: { scheme: 'seed-code', code: '5999011' }, setting: 'full-time' },
        exclusions: [
          // The 2025-26 session began on 1 August 2025 in Scotland.
          { type: 'temporary-exclusion', startDate: '2025-08-20' },
          { type: 'removal-from-register', startDate: '2026-01-12' },
        ],
      }),
    });
    expect(r.exclusions).toMatchObject({
      term: { name: 'Summer 2026', start: '2026-04-06', end: '2026-07-31' },
      suspensionsThisTerm: 0,
      suspensionsThisYear: 1,
      exclusionsThisYear: 1,
    });
  });
});

describe('moves in the last 12 months', () => {
  it('counts completed in-year school moves and placement moves after 30 April 2025', () => {
    const t = (type: string, actualDate: string, status = 'completed') => ({
      id: id(),
      type,
      status,
      actualDate,
    });
    const r = row({
      learner: child(),
      transitions: [
        t('in-year-school-move', '2025-05-30'), // 11 months ago: counts
        t('in-year-school-move', '2025-03-30'), // 13 months ago: does not
        t('in-year-school-move', '2025-04-30'), // exactly 12 months ago: outside the window
        t('placement-move', '2025-05-01'), // the first day of the window
        t('placement-move', '2026-04-30'), // asOf itself
        t('placement-move', '2026-05-01'), // after asOf
        t('placement-move', '2026-01-10', 'cancelled'),
        t('phase-transfer-primary-secondary', '2025-09-03'), // a normal point of transfer, not drift
      ],
    });
    expect(r.moves).toEqual({ since: '2025-04-30', school: 1, placement: 2 });
  });
});

describe('identifiers and Pupil Premium Plus', () => {
  it('says which national identifiers are recorded', () => {
    const r = row({
      learner: child({
        identifiers: [
          { system: 'upn', value: 'C990123424001' },
          { system: 'la-child-id:990', value: 'NB-1' },
        ],
      }),
    });
    expect(r.identifiers).toEqual({ upn: true, uln: false, scn: false });
  });

  it('adds up PP+ provision of this school year, and what has ended by asOf as spent', () => {
    const provision = (
      fundingSource: string,
      amountPence: number,
      period?: { start: string; end?: string },
    ) => ({
      fundingSource,
      amountPence,
      ...(period ? { period } : {}),
    });
    const r = row({
      learner: child(),
      plans: [
        plan({
          provision: [
            provision('pupil-premium-plus', 60000, { start: '2025-09-15', end: '2025-12-19' }), // allocated, spent
            provision('pupil-premium-plus', 40000, { start: '2026-04-20', end: '2026-07-17' }), // allocated, not yet spent
            provision('pupil-premium-plus', 25000), // the plan's period: ends 22 July, not spent
            provision('other', 99999, { start: '2025-09-15', end: '2025-12-19' }), // not PP+
          ],
        }),
        // Last school year's plan, a draft and a superseded plan: none counted.
        plan({
          status: 'completed',
          period: { start: '2024-09-04', end: '2025-07-18' },
          provision: [provision('pupil-premium-plus', 50000)],
        }),
        plan({
          status: 'draft',
          period: { start: '2026-01-05' },
          provision: [provision('pupil-premium-plus', 77700)],
        }),
        plan({
          status: 'superseded',
          period: { start: '2025-09-03', end: '2025-10-01' },
          provision: [provision('pupil-premium-plus', 60000, { start: '2025-09-15', end: '2025-12-19' })],
        }),
        // A completed plan of this year, its provision over: allocated and spent.
        plan({
          status: 'completed',
          period: { start: '2025-09-03', end: '2025-12-19' },
          provision: [provision('pupil-premium-plus', 15000)],
        }),
      ],
    });
    // 60,000 + 40,000 + 25,000 + 15,000 allocated; 60,000 + 15,000 spent.
    expect(r.funding).toEqual({
      fundingSource: 'pupil-premium-plus',
      allocatedPence: 140000,
      spentPence: 75000,
    });
    const none = row({ learner: child() });
    expect(none.funding).toEqual({ fundingSource: 'pupil-premium-plus', allocatedPence: 0, spentPence: 0 });
  });
});

describe('grouping', () => {
  it('gives each row its key under each grouping', () => {
    const r = row({
      learner: child({ dateOfBirth: '2014-08-31', hostAuthority: { scheme: 'la-code', code: '991' } }),
    });
    expect(
      (['phase', 'yearGroup', 'school', 'rating', 'attendanceBand', 'outOfAuthority'] as const).map((g) =>
        cohortGroupKey(r, g),
      ),
    ).toEqual(['secondary', '7', 'laestab:9902001', 'no-plan', 'no-data', 'true']);
    expect(
      cohortGroupKey(row({ learner: withoutEnrolment(child({ dateOfBirth: '2005-01-01' })) }), 'school'),
    ).toBe('none');
  });
});
