/**
 * The alerts records and deadlines raise, from figures worked out by hand: attendance is compared
 * exactly with the threshold, each exclusion is one candidate, and only overdue deadlines raise.
 */
import { describe, expect, it } from 'vitest';
import {
  Alert,
  assessPepCompliance,
  checkSchema,
  complianceAlerts,
  englandDefaultPolicy,
  learnerRecordAlerts,
  scotlandDefaultPolicy,
} from '../src/index.js';

const period = { start: '2025-09-03', end: '2025-12-19' };
const learner = (data: Parameters<typeof learnerRecordAlerts>[0]['data']) => ({ id: 'L', version: 3, data });

describe('learnerRecordAlerts', () => {
  it('raises attendance below the threshold only, never at it', () => {
    const kinds = (attended: number, possible: number, threshold = 90) =>
      learnerRecordAlerts(
        learner({ attendance: [{ period, possibleSessions: possible, attendedSessions: attended }] }),
        threshold,
      ).map((a) => a.attendance?.percentage);
    expect(kinds(9, 10)).toEqual([]); // exactly 90 %
    expect(kinds(126, 140)).toEqual([]); // exactly 90 %
    expect(kinds(125, 140)).toEqual([89.2]); // 89.285... %, rounded down
    expect(kinds(899, 1000)).toEqual([89.9]);
    expect(kinds(0, 0)).toEqual([]); // no possible sessions: nothing to say
    expect(kinds(94, 100, 95)).toEqual([94]);
    expect(kinds(95, 100, 95)).toEqual([]);
  });

  it('raises each exclusion once, keyed by its type and first day', () => {
    const alerts = learnerRecordAlerts(
      learner({
        exclusions: [
          { type: 'SUSP', startDate: '2026-01-12', sessions: 2 },
          { type: 'SUSP', startDate: '2026-02-02' },
        ],
      }),
      90,
    );
    expect(alerts.map((a) => [a.kind, a.occurrence, a.record])).toEqual([
      ['exclusion-recorded', 'SUSP:2026-01-12', { kind: 'learner', id: 'L', version: 3 }],
      ['exclusion-recorded', 'SUSP:2026-02-02', { kind: 'learner', id: 'L', version: 3 }],
    ]);
    expect(learnerRecordAlerts(learner({}), 90)).toEqual([]);
  });

  it('gives alerts the Alert schema accepts once stored', () => {
    const id = '0195f7e2-0000-7000-8000-000000000001';
    const [candidate] = learnerRecordAlerts(
      { id, version: 1, data: { attendance: [{ period, possibleSessions: 140, attendedSessions: 100 }] } },
      90,
    );
    const { occurrence: _occurrence, ...alert } = candidate!;
    expect(checkSchema(Alert, { ...alert, id, raisedAt: '2026-01-08T09:00:00.000Z' })).toEqual([]);
  });
});

describe('complianceAlerts', () => {
  const lookedAfter = { id: 'L', careStatus: { status: 'looked-after', since: '2026-03-02' } };
  const versions = (_kind: string, id: string) => (id === 'L' ? 4 : id === 'T' ? 2 : undefined);

  it('raises an overdue deadline from the record that started its clock, and nothing due', () => {
    // In care from Monday 2 March 2026: a PEP is due by 16 March (10 working days).
    const due = assessPepCompliance(
      { learner: lookedAfter },
      { policy: englandDefaultPolicy, asOf: '2026-03-16' },
    );
    expect(complianceAlerts(due, versions)).toEqual([]);
    const overdue = assessPepCompliance(
      { learner: lookedAfter },
      { policy: englandDefaultPolicy, asOf: '2026-03-17' },
    );
    expect(complianceAlerts(overdue, versions)).toEqual([
      {
        kind: 'pep-overdue',
        learnerId: 'L',
        record: { kind: 'learner', id: 'L', version: 4 },
        occurrence: 'plan-in-place:2026-03-16',
        deadline: {
          deadline: 'plan-in-place',
          clockStart: '2026-03-02',
          dueOn: '2026-03-16',
          asOf: '2026-03-17',
          daysLate: 1,
          daysLateUnit: 'working-days',
          policy: { id: 'england-dfe-2018', version: 1 },
        },
      },
    ]);
  });

  it('raises the review owed after a school move as school-move-without-review, from the move', () => {
    const records = {
      learner: { ...lookedAfter, careStatus: { status: 'looked-after', since: '2026-01-05' } },
      plans: [{ id: 'P', type: 'pep', status: 'active', period: { start: '2026-01-06' } }],
      transitions: [{ id: 'T', type: 'in-year-school-move', status: 'completed', actualDate: '2026-03-02' }],
    };
    const result = assessPepCompliance(records, { policy: englandDefaultPolicy, asOf: '2026-03-17' });
    expect(complianceAlerts(result, versions).map((a) => [a.kind, a.record, a.occurrence])).toEqual([
      [
        'school-move-without-review',
        { kind: 'transition', id: 'T', version: 2 },
        'review-after-school-move:2026-03-16',
      ],
    ]);
    // Scotland's default sets no deadline after a school move.
    const scottish = assessPepCompliance(
      { ...records, plans: [{ ...records.plans[0]!, type: 'childs-plan' }] },
      { policy: scotlandDefaultPolicy, asOf: '2026-03-17' },
    );
    expect(
      complianceAlerts(scottish, versions).filter((a) => a.kind === 'school-move-without-review'),
    ).toEqual([]);
  });
});
