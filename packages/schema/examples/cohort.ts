import assert from 'node:assert/strict';
import { cohortRow, englandDefaultPolicy } from '@celr/schema';

const row = cohortRow(
  {
    learner: {
      id: 'b7e0c1d2-0000-4000-8000-000000000011',
      jurisdiction: 'england',
      dateOfBirth: '2014-08-31', // the youngest of the 2013-14 births: Year 7 in 2025-26
      identifiers: [{ system: 'upn', value: 'C990123424001' }],
      careStatus: { status: 'looked-after', since: '2025-09-01' },
      responsibleAuthority: { scheme: 'la-code', code: '990' },
      enrolment: { school: { scheme: 'laestab', code: '9912001' }, setting: 'full-time' },
      attendance: [
        {
          period: { start: '2025-09-03', end: '2025-12-19' },
          possibleSessions: 140,
          attendedSessions: 126,
          authorisedAbsenceSessions: 10,
          unauthorisedAbsenceSessions: 4,
        },
      ],
    },
    plans: [
      {
        id: 'b7e0c1d2-0000-4000-8000-000000000012',
        type: 'pep',
        status: 'active',
        period: { start: '2025-09-10', end: '2026-07-22' },
        qualityAssurance: { rating: 'amber', reviewedOn: '2025-10-01' },
        provision: [
          {
            fundingSource: 'pupil-premium-plus',
            amountPence: 60000,
            period: { start: '2025-09-15', end: '2025-12-19' },
          },
        ],
      },
    ],
  },
  { policy: englandDefaultPolicy, asOf: '2026-04-30' },
);

assert.deepEqual([row.yearGroup, row.yearGroupFrom, row.phase], ['7', 'date-of-birth', 'secondary']);
// LAESTAB 991xxxx is a school of LA 991, not of the responsible authority (990).
assert.equal(row.schoolLocation, 'out-of-authority');
assert.deepEqual([row.rating, row.plan?.adequate], ['amber', true]);
// 14 of 140 sessions missed is 10 %: persistent absence, though attendance is exactly 90 %.
assert.deepEqual(
  [row.attendance.attendancePercent, row.attendance.band, row.attendance.persistentAbsence],
  [90, 'persistent-absence', true],
);
assert.deepEqual(row.funding, {
  fundingSource: 'pupil-premium-plus',
  allocatedPence: 60000,
  spentPence: 60000,
});
