import assert from 'node:assert/strict';
import {
  addWorkingDays,
  assessPepCompliance,
  englandAndWalesBankHolidays,
  englandDefaultPolicy,
} from '@celr/schema';

// 10 working days after Thu 17 Dec 2026 skip 25 and 28 Dec and 1 Jan.
assert.equal(addWorkingDays(englandAndWalesBankHolidays, '2026-12-17', 10), '2027-01-05');

const result = assessPepCompliance(
  {
    learner: {
      id: 'b7e0c1d2-0000-4000-8000-000000000001',
      careStatus: { status: 'looked-after', since: '2026-12-17' },
    },
    plans: [
      {
        id: 'b7e0c1d2-0000-4000-8000-000000000002',
        type: 'pep',
        status: 'active',
        period: { start: '2027-01-06' },
        qualityAssurance: { rating: 'red', reviewedOn: '2027-01-08' },
      },
    ],
  },
  { policy: englandDefaultPolicy, asOf: '2027-01-11' },
);

const [inPlace, ready] = result.deadlines;
assert.deepEqual(
  [inPlace?.deadline, inPlace?.dueOn, inPlace?.status, inPlace?.daysLate],
  ['plan-in-place', '2027-01-05', 'late', 1],
);
assert.deepEqual(inPlace?.metBy, {
  kind: 'plan',
  id: 'b7e0c1d2-0000-4000-8000-000000000002',
  field: '/period/start',
});
assert.deepEqual(
  [ready?.deadline, ready?.dueOn, ready?.status],
  ['plan-ready-for-first-review', '2027-01-19', 'met'],
);
assert.equal(result.currentPlan?.adequate, false); // red is inadequate in the default rubric
// The termly review needs the authority's term dates (`termDates`); without them it is listed, not guessed.
assert.deepEqual(
  result.notAssessed.map((n) => [n.deadline, n.reason]),
  [['termly-review', 'no-term-dates']],
);
