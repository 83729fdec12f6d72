/**
 * PEP compliance against deadlines worked out by hand. Each case in the table below gives the
 * records of one child, the policy, `asOf` and what is expected, with the reasoning in a comment.
 * More than 200 children are then made from the table by variations whose expectations are derived
 * from the table's own (never from the function under test): the same child with records shuffled,
 * new ids, irrelevant records added and meeting times written with other UTC offsets; and the same
 * child on earlier `asOf` dates, where a deadline met after that date becomes `due`.
 */
import { describe, expect, it } from 'vitest';
import {
  assessPepCompliance,
  type ComplianceInput,
  type ComplianceMeeting,
  type CompliancePlan,
  type CompliancePolicy,
  type ComplianceTransition,
  checkSchema,
  DEADLINE_STATUSES,
  type DeadlineAssessment,
  englandDefaultPolicy,
  PepComplianceResult,
  scotlandDefaultPolicy,
  validateCompliancePolicy,
} from '../src/index.js';
import { anyshireTerms } from './support/terms.js';

/** An English authority that restarts the PEP on a school move and counts in school days, with a four-tier rubric. */
const restartPolicy: CompliancePolicy = {
  id: 'anyshire-pep-2026',
  version: 3,
  jurisdiction: 'england',
  name: 'Anyshire virtual school PEP standard',
  source: {
    title: 'Anyshire virtual school PEP quality and timeliness standard (fictional)',
    publisher: 'Anyshire County Council',
    url: 'https://example.org/anyshire/pep-standard',
    edition: '2026',
  },
  planTypes: ['pep'],
  reviewMeetingTypes: ['pep-meeting'],
  schoolMoveTypes: ['in-year-school-move'],
  deadlines: [
    {
      id: 'plan-in-place',
      description: 'A PEP within 20 school days of entering care, and a new one after every school move.',
      clock: 'entering-care',
      allowance: 20,
      unit: 'school-days',
      metBy: 'plan',
      restartedBy: ['school-move'],
    },
    {
      id: 'termly-review',
      description: 'Reviewed every term.',
      clock: 'previous-review',
      after: 'plan-in-place',
      allowance: 1,
      unit: 'terms',
      metBy: 'review',
      recurring: true,
    },
  ],
  rubric: {
    ratings: [
      { code: 'gold', label: 'Outstanding' },
      { code: 'green', label: 'Good' },
      { code: 'amber', label: 'Requires improvement' },
      { code: 'red', label: 'Inadequate' },
    ],
    adequate: ['gold', 'green'],
  },
};

/** A Scottish council that wants the child's plan within 10 working days and a new one after a school move. */
const scotlandWorkingDaysPolicy: CompliancePolicy = {
  id: 'anyburgh-childs-plan',
  version: 1,
  jurisdiction: 'scotland',
  name: "Anyburgh child's plan standard",
  source: {
    title: "Anyburgh Council: the education part of the child's plan (fictional)",
    publisher: 'Anyburgh Council',
    url: 'https://example.org/anyburgh/childs-plan',
    edition: '2025',
  },
  planTypes: ['childs-plan'],
  reviewMeetingTypes: ['looked-after-review-scotland'],
  schoolMoveTypes: ['in-year-school-move'],
  deadlines: [
    {
      id: 'plan-in-place',
      description: "A child's plan within 10 working days, and again after a school move.",
      clock: 'entering-care',
      allowance: 10,
      unit: 'working-days',
      metBy: 'plan',
      restartedBy: ['school-move'],
    },
    {
      id: 'first-review',
      description: 'First review within 6 weeks.',
      clock: 'entering-care',
      allowance: 42,
      unit: 'calendar-days',
      metBy: 'review',
    },
  ],
  rubric: scotlandDefaultPolicy.rubric,
};

const policies = {
  E: englandDefaultPolicy,
  R: restartPolicy,
  S: scotlandDefaultPolicy,
  SW: scotlandWorkingDaysPolicy,
};

interface Expected {
  deadline: DeadlineAssessment['deadline'];
  n: number;
  clock: string;
  due: string;
  status: DeadlineAssessment['status'];
  met?: string;
  late?: number;
}
interface Case {
  name: string;
  policy: keyof typeof policies;
  terms?: boolean;
  status?: string;
  since?: string;
  plans?: { start: string; end?: string; status?: string; rating?: [string, string]; type?: string }[];
  reviews?: string[];
  moves?: string[];
  asOf: string;
  outcome: 'assessed' | 'no-plan' | 'not-looked-after' | 'no-clock-start';
  deadlines: Expected[];
  notAssessed?: [string, 'no-term-dates' | 'outside-calendar'][];
  rating?: string;
  adequate?: boolean | null;
  lastReview?: string;
}

const d = (
  deadline: Expected['deadline'],
  n: number,
  clock: string,
  due: string,
  status: Expected['status'],
  met?: string,
  late?: number,
): Expected => ({ deadline, n, clock, due, status, ...(met ? { met } : {}), ...(late ? { late } : {}) });

const PIP = 'plan-in-place';
const READY = 'plan-ready-for-first-review';
const TERMLY = 'termly-review';
const MOVE = 'review-after-school-move';

const cases: Case[] = [
  // Entered care Mon 7 Sep 2026. 10 working days: 8-11, 14-18, 21 Sep -> 21 Sep; 20: 22-25, 28-30 Sep,
  // 1-2, 5 Oct -> 5 Oct. PEP from 15 Sep meets both. Termly: the PEP is in the autumn term, so a review
  // is due by the end of spring (25 Mar 2027); the 2 Dec review meets it, and the next is due by the end
  // of spring too; the 3 Feb review (spring) makes the next due by the end of summer (21 Jul 2027).
  {
    name: 'E1 on time throughout, green',
    policy: 'E',
    terms: true,
    since: '2026-09-07',
    plans: [{ start: '2026-09-15', rating: ['green', '2026-09-30'] }],
    reviews: ['2026-12-02', '2027-02-03'],
    asOf: '2027-03-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-09-21', 'met', '2026-09-15'),
      d(READY, 1, '2026-09-07', '2026-10-05', 'met', '2026-09-15'),
      d(TERMLY, 1, '2026-09-15', '2027-03-25', 'met', '2026-12-02'),
      d(TERMLY, 2, '2026-12-02', '2027-03-25', 'met', '2027-02-03'),
      d(TERMLY, 3, '2027-02-03', '2027-07-21', 'due'),
    ],
    rating: 'green',
    adequate: true,
    lastReview: '2027-02-03',
  },
  // Entered care Thu 17 Dec 2026; 10 working days skip 25, 28 Dec and 1 Jan -> Tue 5 Jan 2027. 20: 6-8,
  // 11-15, 18-19 Jan -> 19 Jan. The PEP on Wed 6 Jan is one working day late; spring term, so the
  // first review is due by the end of summer.
  {
    name: 'E2 Christmas 2026, PEP one day late, amber',
    policy: 'E',
    terms: true,
    since: '2026-12-17',
    plans: [{ start: '2027-01-06', rating: ['amber', '2027-01-20'] }],
    asOf: '2027-02-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-12-17', '2027-01-05', 'late', '2027-01-06', 1),
      d(READY, 1, '2026-12-17', '2027-01-19', 'met', '2027-01-06'),
      d(TERMLY, 1, '2027-01-06', '2027-07-21', 'due'),
    ],
    rating: 'amber',
    adequate: true,
  },
  // The same child with no PEP on Tue 12 Jan: overdue by 6, 7, 8, 11, 12 Jan = 5 working days.
  {
    name: 'E3 Christmas 2026, no PEP: overdue',
    policy: 'E',
    terms: true,
    since: '2026-12-17',
    asOf: '2027-01-12',
    outcome: 'no-plan',
    deadlines: [
      d(PIP, 1, '2026-12-17', '2027-01-05', 'overdue', undefined, 5),
      d(READY, 1, '2026-12-17', '2027-01-19', 'due'),
    ],
  },
  // Entered care Wed 17 Mar 2027. 10: 18-19, 22-25, (Good Friday 26, Easter Monday 29), 30-31 Mar,
  // 1-2 Apr -> 2 Apr; 20: 5-9, 12-16 Apr -> 16 Apr. PEP Tue 6 Apr: late by Mon 5, Tue 6 = 2. It starts
  // in the Easter holiday, which counts with spring, so the review is due by the end of summer.
  {
    name: 'E4 Easter 2027, two days late',
    policy: 'E',
    terms: true,
    since: '2027-03-17',
    plans: [{ start: '2027-04-06' }],
    asOf: '2027-04-20',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2027-03-17', '2027-04-02', 'late', '2027-04-06', 2),
      d(READY, 1, '2027-03-17', '2027-04-16', 'met', '2027-04-06'),
      d(TERMLY, 1, '2027-04-06', '2027-07-21', 'due'),
    ],
    adequate: null,
  },
  // Entered care Fri 15 May 2026. 10: 18-22, (25 May off), 26-29 May, 1 Jun -> 1 Jun; 20: 2-5, 8-12,
  // 15 Jun -> 15 Jun (Scotland's World Cup day is a working day in England). On 15 Jun the PEP is
  // 10 working days overdue (2-5, 8-12, 15 Jun) and the first-review deadline falls due that day.
  {
    name: 'E5 late May 2026, no PEP, asOf on the 20-day deadline',
    policy: 'E',
    terms: true,
    since: '2026-05-15',
    asOf: '2026-06-15',
    outcome: 'no-plan',
    deadlines: [
      d(PIP, 1, '2026-05-15', '2026-06-01', 'overdue', undefined, 10),
      d(READY, 1, '2026-05-15', '2026-06-15', 'due'),
    ],
  },
  // Entered care Mon 7 Sep 2026 (deadlines as E1), PEP 10 Sep rated red. School move Thu 12 Nov: a
  // review is due in 10 working days, 13, 16-20, 23-26 Nov -> Thu 26 Nov; the PEP meeting on Mon 30
  // Nov is late by Fri 27 and Mon 30 = 2. The same meeting is the first termly review.
  {
    name: 'E6 school move, review two days late, red PEP',
    policy: 'E',
    terms: true,
    since: '2026-09-07',
    plans: [{ start: '2026-09-10', rating: ['red', '2026-09-20'] }],
    reviews: ['2026-11-30'],
    moves: ['2026-11-12'],
    asOf: '2026-12-10',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-09-21', 'met', '2026-09-10'),
      d(READY, 1, '2026-09-07', '2026-10-05', 'met', '2026-09-10'),
      d(TERMLY, 1, '2026-09-10', '2027-03-25', 'met', '2026-11-30'),
      d(TERMLY, 2, '2026-11-30', '2027-03-25', 'due'),
      d(MOVE, 1, '2026-11-12', '2026-11-26', 'late', '2026-11-30', 2),
    ],
    rating: 'red',
    adequate: false,
    lastReview: '2026-11-30',
  },
  // The same records under the restart policy (20 school days). Entry: 8-11, 14-18, 21-25, 28-30 Sep,
  // 1-2, 5 Oct -> 5 Oct, met 10 Sep. The move on 12 Nov restarts it: 13, 16-20, 23-27, 30 Nov, 1-4,
  // 7-10 Dec -> 10 Dec; no new PEP, so on Tue 15 Dec it is 3 school days overdue (11, 14, 15 Dec).
  // Red is a rating of the four-tier rubric, not adequate.
  {
    name: 'R1 school move restarts the PEP: overdue',
    policy: 'R',
    terms: true,
    since: '2026-09-07',
    plans: [{ start: '2026-09-10', rating: ['red', '2026-09-20'] }],
    reviews: ['2026-11-30'],
    moves: ['2026-11-12'],
    asOf: '2026-12-15',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-10-05', 'met', '2026-09-10'),
      d(PIP, 2, '2026-11-12', '2026-12-10', 'overdue', undefined, 3),
      d(TERMLY, 1, '2026-09-10', '2027-03-25', 'met', '2026-11-30'),
      d(TERMLY, 2, '2026-11-30', '2027-03-25', 'due'),
    ],
    rating: 'red',
    adequate: false,
    lastReview: '2026-11-30',
  },
  // A new PEP on 20 Nov after the 12 Nov move meets the restart (due 10 Dec). Rated gold: adequate.
  {
    name: 'R2 school move, new PEP in time, gold',
    policy: 'R',
    terms: true,
    since: '2026-09-07',
    plans: [
      { start: '2026-09-10', end: '2026-11-19', status: 'superseded' },
      { start: '2026-11-20', rating: ['gold', '2026-11-25'] },
    ],
    moves: ['2026-11-12'],
    asOf: '2026-12-15',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-10-05', 'met', '2026-09-10'),
      d(PIP, 2, '2026-11-12', '2026-12-10', 'met', '2026-11-20'),
      d(TERMLY, 1, '2026-09-10', '2027-03-25', 'due'),
    ],
    rating: 'gold',
    adequate: true,
  },
  // R2's records under England's default: the move does not restart the PEP but needs a review by
  // 26 Nov; a new PEP is not a review, so on 15 Dec it is overdue by 27, 30 Nov, 1-4, 7-11, 14-15 Dec
  // = 13 working days. 'gold' is not a rating of the RAG rubric: adequacy unknown.
  {
    name: 'E7 the same move under the default policy: review overdue',
    policy: 'E',
    terms: true,
    since: '2026-09-07',
    plans: [
      { start: '2026-09-10', end: '2026-11-19', status: 'superseded' },
      { start: '2026-11-20', rating: ['gold', '2026-11-25'] },
    ],
    moves: ['2026-11-12'],
    asOf: '2026-12-15',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-09-21', 'met', '2026-09-10'),
      d(READY, 1, '2026-09-07', '2026-10-05', 'met', '2026-09-10'),
      d(TERMLY, 1, '2026-09-10', '2027-03-25', 'due'),
      d(MOVE, 1, '2026-11-12', '2026-11-26', 'overdue', undefined, 13),
    ],
    rating: 'gold',
    adequate: null,
  },
  // Entered care Mon 7 Dec 2026 under the restart policy. 20 school days: 8-11, 14-18 Dec, (Christmas
  // holiday; Mon 4 Jan is not in term), 5-8, 11-15, 18-19 Jan -> 19 Jan. PEP 20 Jan: 1 school day late.
  // Amber is not adequate under the four-tier rubric.
  {
    name: 'R3 school days across Christmas, one day late, amber inadequate',
    policy: 'R',
    terms: true,
    since: '2026-12-07',
    plans: [{ start: '2027-01-20', rating: ['amber', '2027-01-25'] }],
    asOf: '2027-02-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-12-07', '2027-01-19', 'late', '2027-01-20', 1),
      d(TERMLY, 1, '2027-01-20', '2027-07-21', 'due'),
    ],
    rating: 'amber',
    adequate: false,
  },
  // R3 under England's default. 10 working days: 8-11, 14-18, 21 Dec -> 21 Dec; 20: 22-24, 29-31 Dec,
  // 4-7 Jan -> 7 Jan. PEP 20 Jan: late by 22-24, 29-31 Dec, 4-8, 11-15, 18-20 Jan = 19; and by 8,
  // 11-15, 18-20 Jan = 9. Amber is adequate under RAG.
  {
    name: 'E8 the same child under the default: very late, amber adequate',
    policy: 'E',
    terms: true,
    since: '2026-12-07',
    plans: [{ start: '2027-01-20', rating: ['amber', '2027-01-25'] }],
    asOf: '2027-02-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-12-07', '2026-12-21', 'late', '2027-01-20', 19),
      d(READY, 1, '2026-12-07', '2027-01-07', 'late', '2027-01-20', 9),
      d(TERMLY, 1, '2027-01-20', '2027-07-21', 'due'),
    ],
    rating: 'amber',
    adequate: true,
  },
  // Entered care Mon 12 Oct 2026 under the restart policy: 13-16, 19-23 Oct, (half term 26-30 Oct),
  // 2-6, 9-13, 16 Nov -> 16 Nov; the PEP that day is on time. Not yet rated.
  {
    name: 'R4 school days across half term, on the day',
    policy: 'R',
    terms: true,
    since: '2026-10-12',
    plans: [{ start: '2026-11-16' }],
    asOf: '2026-11-20',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-10-12', '2026-11-16', 'met', '2026-11-16'),
      d(TERMLY, 1, '2026-11-16', '2027-03-25', 'due'),
    ],
    adequate: null,
  },
  // R4 under England's default: half term is working days. 10: 13-16, 19-23, 26 Oct -> 26 Oct; 20:
  // 27-30 Oct, 2-6, 9 Nov -> 9 Nov. PEP 16 Nov: late by 27-30 Oct, 2-6, 9-13, 16 Nov = 15; by 10-13,
  // 16 Nov = 5.
  {
    name: 'E9 the same child under the default: late',
    policy: 'E',
    terms: true,
    since: '2026-10-12',
    plans: [{ start: '2026-11-16' }],
    asOf: '2026-11-20',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-10-12', '2026-10-26', 'late', '2026-11-16', 15),
      d(READY, 1, '2026-10-12', '2026-11-09', 'late', '2026-11-16', 5),
      d(TERMLY, 1, '2026-11-16', '2027-03-25', 'due'),
    ],
    adequate: null,
  },
  // Entered care Mon 22 Dec 2025. England: 23-24, 29-31 Dec, 2, 5-8 Jan -> Thu 8 Jan 2026; 20: 9,
  // 12-16, 19-22 Jan -> 22 Jan. The PEP on Fri 9 Jan is 1 day late. Spring 2026: review by the end of summer.
  {
    name: 'E10 New Year 2026 in England: one day late',
    policy: 'E',
    terms: true,
    since: '2025-12-22',
    plans: [{ start: '2026-01-09' }],
    asOf: '2026-01-15',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2025-12-22', '2026-01-08', 'late', '2026-01-09', 1),
      d(READY, 1, '2025-12-22', '2026-01-22', 'met', '2026-01-09'),
      d(TERMLY, 1, '2026-01-09', '2026-07-22', 'due'),
    ],
    adequate: null,
  },
  // The same child in Scotland (10 working days): 23-24, 29-31 Dec, (1 and 2 Jan off), 5-9 Jan ->
  // Fri 9 Jan 2026: the plan that day is on time. First review: 22 Dec + 42 days = 2 Feb 2026.
  {
    name: 'SW1 New Year 2026 in Scotland: on time',
    policy: 'SW',
    since: '2025-12-22',
    plans: [{ start: '2026-01-09', type: 'childs-plan' }],
    asOf: '2026-01-15',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2025-12-22', '2026-01-09', 'met', '2026-01-09'),
      d('first-review', 1, '2025-12-22', '2026-02-02', 'due'),
    ],
    adequate: null,
  },
  // Scotland, entered care Thu 17 Dec 2026: 18, 21-24, 29-31 Dec, (1 and 4 Jan off), 5-6 Jan -> 6 Jan
  // 2027; the plan on 6 Jan is on time (in England it would be a day late). First review by 17 Dec +
  // 42 = 28 Jan; held 20 Jan.
  {
    name: 'SW2 Christmas 2026 in Scotland: the 2 January substitute',
    policy: 'SW',
    since: '2026-12-17',
    plans: [{ start: '2027-01-06', type: 'childs-plan', rating: ['green', '2027-01-10'] }],
    reviews: ['2027-01-20'],
    asOf: '2027-02-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-12-17', '2027-01-06', 'met', '2027-01-06'),
      d('first-review', 1, '2026-12-17', '2027-01-28', 'met', '2027-01-20'),
    ],
    rating: 'green',
    adequate: true,
    lastReview: '2027-01-20',
  },
  // Scotland, entered care Mon 1 Jun 2026: 2-5, 8-12, (15 Jun World Cup holiday), 16 Jun -> 16 Jun, met
  // that day. First review by 1 Jun + 42 = 13 Jul; held 14 Jul, 1 day late. School move Mon 14 Sep
  // restarts the plan: 15-18, 21-25, 28 Sep -> 28 Sep; none by Thu 1 Oct: overdue by 29, 30 Sep, 1 Oct = 3.
  {
    name: 'SW3 World Cup day, late review, restart overdue',
    policy: 'SW',
    since: '2026-06-01',
    plans: [{ start: '2026-06-16', type: 'childs-plan' }],
    reviews: ['2026-07-14'],
    moves: ['2026-09-14'],
    asOf: '2026-10-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-06-01', '2026-06-16', 'met', '2026-06-16'),
      d(PIP, 2, '2026-09-14', '2026-09-28', 'overdue', undefined, 3),
      d('first-review', 1, '2026-06-01', '2026-07-13', 'late', '2026-07-14', 1),
    ],
    adequate: null,
    lastReview: '2026-07-14',
  },
  // Scotland, entered care Mon 17 Nov 2025: 18-21, 24-28 Nov, (Mon 1 Dec St Andrew's substitute), Tue 2
  // Dec -> 2 Dec, met that day. First review by 17 Nov + 42 = 29 Dec, due on 29 Dec itself.
  {
    name: "SW4 St Andrew's Day 2025 substitute",
    policy: 'SW',
    since: '2025-11-17',
    plans: [{ start: '2025-12-02', type: 'childs-plan' }],
    asOf: '2025-12-29',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2025-11-17', '2025-12-02', 'met', '2025-12-02'),
      d('first-review', 1, '2025-11-17', '2025-12-29', 'due'),
    ],
    adequate: null,
  },
  // Scotland, entered care Mon 18 Nov 2024: 19-22, 25-29 Nov, (Mon 2 Dec St Andrew's substitute), Tue 3
  // Dec. A plan on Mon 2 Dec is on time. First review by 18 Nov + 42 = 30 Dec.
  {
    name: "SW5 St Andrew's Day 2024 substitute",
    policy: 'SW',
    since: '2024-11-18',
    plans: [{ start: '2024-12-02', type: 'childs-plan' }],
    asOf: '2024-12-10',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2024-11-18', '2024-12-03', 'met', '2024-12-02'),
      d('first-review', 1, '2024-11-18', '2024-12-30', 'due'),
    ],
    adequate: null,
  },
  // Scotland's default, entered care Thu 1 Oct 2026: plan and first review by 1 Oct + 42 = 12 Nov
  // (30 days to 31 Oct, 12 more). Review 10 Nov; the second is due 3 months later, 10 Feb 2027, and
  // held 15 Feb: 5 days late (lateness against months is counted in calendar days). The next is due 6 months after that, 15 Aug 2027.
  {
    name: 'S1 Scotland default: reviews, second one late',
    policy: 'S',
    since: '2026-10-01',
    plans: [{ start: '2026-10-20', type: 'childs-plan', rating: ['green', '2026-11-01'] }],
    reviews: ['2026-11-10', '2027-02-15'],
    asOf: '2027-03-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-10-01', '2026-11-12', 'met', '2026-10-20'),
      d('first-review', 1, '2026-10-01', '2026-11-12', 'met', '2026-11-10'),
      d('second-review', 1, '2026-11-10', '2027-02-10', 'late', '2027-02-15', 5),
      d('periodic-review', 1, '2027-02-15', '2027-08-15', 'due'),
    ],
    rating: 'green',
    adequate: true,
    lastReview: '2027-02-15',
  },
  // Scotland's default, entered care Thu 31 Dec 2026: 42 days -> 11 Feb 2027. Review Sun 31 Jan; the
  // second is due 3 months later, 30 Apr (April has no 31st); on 3 May it is 3 days overdue. No plan:
  // 11 Feb to 3 May = 17 + 31 + 30 + 3 = 81 days overdue.
  {
    name: 'S2 Scotland default: month end, no plan',
    policy: 'S',
    since: '2026-12-31',
    reviews: ['2027-01-31'],
    asOf: '2027-05-03',
    outcome: 'no-plan',
    deadlines: [
      d(PIP, 1, '2026-12-31', '2027-02-11', 'overdue', undefined, 81),
      d('first-review', 1, '2026-12-31', '2027-02-11', 'met', '2027-01-31'),
      d('second-review', 1, '2027-01-31', '2027-04-30', 'overdue', undefined, 3),
    ],
    lastReview: '2027-01-31',
  },
  // Scotland's default: a school move (2 Nov) restarts nothing and sets no deadline. 1 Sep + 42 = 13 Oct;
  // review 5 Oct; second review due 5 Jan 2027.
  {
    name: 'S3 Scotland default: a school move changes nothing',
    policy: 'S',
    since: '2026-09-01',
    plans: [{ start: '2026-09-10', type: 'childs-plan' }],
    reviews: ['2026-10-05'],
    moves: ['2026-11-02'],
    asOf: '2026-12-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-01', '2026-10-13', 'met', '2026-09-10'),
      d('first-review', 1, '2026-09-01', '2026-10-13', 'met', '2026-10-05'),
      d('second-review', 1, '2026-10-05', '2027-01-05', 'due'),
    ],
    adequate: null,
    lastReview: '2026-10-05',
  },
  // Entered care Mon 13 Dec 2027: 14-17, 20-24, (27, 28 Dec off), 29 Dec -> 29 Dec, met by the PEP of
  // 20 Dec. The 20-day deadline runs into 2028, which the bank holidays do not cover, and the term
  // dates end on 17 Dec 2027: both are reported as not assessed, not guessed.
  {
    name: 'E11 end of 2027: beyond the calendars',
    policy: 'E',
    terms: true,
    since: '2027-12-13',
    plans: [{ start: '2027-12-20' }],
    asOf: '2027-12-30',
    outcome: 'assessed',
    deadlines: [d(PIP, 1, '2027-12-13', '2027-12-29', 'met', '2027-12-20')],
    notAssessed: [
      [READY, 'outside-calendar'],
      [TERMLY, 'outside-calendar'],
    ],
    adequate: null,
  },
  // England's default without term dates: the termly review cannot be computed (deadlines as E1).
  {
    name: 'E12 no term dates',
    policy: 'E',
    since: '2026-09-07',
    plans: [{ start: '2026-09-15' }],
    asOf: '2026-10-01',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-09-21', 'met', '2026-09-15'),
      d(READY, 1, '2026-09-07', '2026-10-05', 'met', '2026-09-15'),
    ],
    notAssessed: [[TERMLY, 'no-term-dates']],
    adequate: null,
  },
  // Planned care: the PEP began Tue 1 Sep, before the child entered care on 7 Sep, and counts. 1 Sep
  // is in the summer holiday, which counts with the summer term, so a review was due by the end of
  // autumn (Fri 18 Dec); on Mon 21 Dec none has been held. Lateness against a term is counted in school
  // days: the deadline would have had to be the next school day, Tue 5 Jan, to be met: 1.
  {
    name: 'E13 PEP before care; termly review overdue',
    policy: 'E',
    terms: true,
    since: '2026-09-07',
    plans: [{ start: '2026-09-01' }],
    asOf: '2026-12-21',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-09-21', 'met', '2026-09-01'),
      d(READY, 1, '2026-09-07', '2026-10-05', 'met', '2026-09-01'),
      d(TERMLY, 1, '2026-09-01', '2026-12-18', 'overdue', undefined, 1),
    ],
    adequate: null,
  },
  // A PEP of an earlier period of care (ended 1 Mar 2026) does not count for the period from 7 Sep,
  // nor does a review in it. On Wed 30 Sep: overdue by 22-25, 28-30 Sep = 7.
  {
    name: 'E14 earlier period of care does not count',
    policy: 'E',
    terms: true,
    since: '2026-09-07',
    plans: [{ start: '2025-01-10', end: '2026-03-01', status: 'completed' }],
    reviews: ['2025-06-10'],
    asOf: '2026-09-30',
    outcome: 'no-plan',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-09-21', 'overdue', undefined, 7),
      d(READY, 1, '2026-09-07', '2026-10-05', 'due'),
    ],
  },
  // A PEP finished (on a Saturday, 19 Sep) after a Friday deadline of 18 Sep is late by 1: the deadline
  // would have had to be Mon 21 Sep. Entered care Fri 4 Sep 2026: 7-11, 14-18 Sep -> 18 Sep; 20: 21-25,
  // 28-30 Sep, 1-2 Oct -> 2 Oct.
  {
    name: 'E15 met on a Saturday after a Friday deadline',
    policy: 'E',
    terms: true,
    since: '2026-09-04',
    plans: [{ start: '2026-09-19' }],
    asOf: '2026-09-25',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-04', '2026-09-18', 'late', '2026-09-19', 1),
      d(READY, 1, '2026-09-04', '2026-10-02', 'met', '2026-09-19'),
      d(TERMLY, 1, '2026-09-19', '2027-03-25', 'due'),
    ],
    adequate: null,
  },
  // Two school moves under the restart policy, both followed by a new PEP in time. Entered Mon 7 Sep
  // (due 5 Oct, met 8 Sep). Move Mon 1 Feb 2027: 2-5, 8-12 (9), (half term 15-19 Feb), 22-26 Feb (14),
  // 1-5 Mar (19), 8 Mar (20) -> 8 Mar; PEP 10 Feb. Move Mon 19 Apr 2027: 20-23, 26-30 Apr (9), (3 May
  // off), 4-7 (13), 10-14 (18), 17-18 May (20) -> 18 May; PEP 14 May. Reviews 20 Nov (autumn) and 10 Mar (spring) keep the termly review met.
  {
    name: 'R5 two moves, two new PEPs, reviews every term',
    policy: 'R',
    terms: true,
    since: '2026-09-07',
    plans: [
      { start: '2026-09-08', end: '2027-02-09', status: 'superseded' },
      { start: '2027-02-10', end: '2027-05-13', status: 'superseded' },
      { start: '2027-05-14', rating: ['green', '2027-05-20'] },
    ],
    reviews: ['2026-11-20', '2027-03-10'],
    moves: ['2027-02-01', '2027-04-19'],
    asOf: '2027-05-21',
    outcome: 'assessed',
    deadlines: [
      d(PIP, 1, '2026-09-07', '2026-10-05', 'met', '2026-09-08'),
      d(PIP, 2, '2027-02-01', '2027-03-08', 'met', '2027-02-10'),
      d(PIP, 3, '2027-04-19', '2027-05-18', 'met', '2027-05-14'),
      d(TERMLY, 1, '2026-09-08', '2027-03-25', 'met', '2026-11-20'),
      d(TERMLY, 2, '2026-11-20', '2027-03-25', 'met', '2027-03-10'),
      d(TERMLY, 3, '2027-03-10', '2027-07-21', 'due'),
    ],
    rating: 'green',
    adequate: true,
    lastReview: '2027-03-10',
  },
  // Not looked after, no start, and a start after asOf: an outcome, no deadlines, no exception.
  {
    name: 'N1 previously looked after',
    policy: 'E',
    status: 'previously-looked-after',
    since: '2026-01-05',
    asOf: '2026-06-01',
    outcome: 'not-looked-after',
    deadlines: [],
  },
  {
    name: 'N2 care leaver',
    policy: 'S',
    status: 'care-leaver',
    since: '2025-01-05',
    asOf: '2026-06-01',
    outcome: 'not-looked-after',
    deadlines: [],
  },
  {
    name: 'N3 no care start recorded',
    policy: 'E',
    asOf: '2026-06-01',
    outcome: 'no-clock-start',
    deadlines: [],
  },
  {
    name: 'N4 enters care after asOf',
    policy: 'E',
    since: '2026-06-02',
    asOf: '2026-06-01',
    outcome: 'not-looked-after',
    deadlines: [],
  },
];

// --- Building records from a case -------------------------------------------------------------

let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${(++seq).toString(16).padStart(12, '0')}`;

interface Child {
  name: string;
  input: ComplianceInput;
  options: { policy: CompliancePolicy; asOf: string; termDates?: typeof anyshireTerms };
  expected: Expected[];
  // Copied straight from the case, where each may be absent.
  expectOutcome?: Case['outcome'] | undefined;
  notAssessed?: Case['notAssessed'] | undefined;
  rating?: string | undefined;
  adequate?: boolean | null | undefined;
  lastReview?: string | null;
}

interface Build {
  /** A UTC offset for meeting times, e.g. '+01:00'; the date written stays the date counted. */
  offset?: string;
  shuffle?: boolean;
  noise?: boolean;
}

function build(c: Case, how: Build = {}): ComplianceInput {
  const policy = policies[c.policy];
  const planType = policy.planTypes[0] as string;
  const meetingType = policy.reviewMeetingTypes[0] as string;
  const plans: CompliancePlan[] = (c.plans ?? []).map((p) => ({
    id: uuid(),
    type: p.type ?? planType,
    status: p.status ?? 'active',
    period: { start: p.start, ...(p.end ? { end: p.end } : {}) },
    ...(p.rating ? { qualityAssurance: { rating: p.rating[0], reviewedOn: p.rating[1] } } : {}),
  }));
  const time =
    how.offset === '-05:00' ? 'T23:30:00-05:00' : how.offset === '+01:00' ? 'T00:15:00+01:00' : 'T10:00:00Z';
  const meetings: ComplianceMeeting[] = (c.reviews ?? []).map((date) => ({
    id: uuid(),
    type: meetingType,
    status: 'held',
    scheduledFor: `${date}${time}`,
  }));
  const transitions: ComplianceTransition[] = (c.moves ?? []).map((date) => ({
    id: uuid(),
    type: policy.schoolMoveTypes[0] as string,
    status: 'completed',
    actualDate: date,
  }));
  if (how.noise) {
    // Records that must not count: a draft plan, a plan of another type, a cancelled and a scheduled
    // meeting, a meeting of another type, a planned and a cancelled move, a placement move.
    const early = c.since ?? '2026-01-01';
    plans.push({ id: uuid(), type: planType, status: 'draft', period: { start: early } });
    plans.push({ id: uuid(), type: 'pathway-plan', status: 'active', period: { start: early } });
    meetings.push({ id: uuid(), type: meetingType, status: 'cancelled', scheduledFor: `${early}T10:00:00Z` });
    meetings.push({ id: uuid(), type: meetingType, status: 'scheduled', scheduledFor: `${early}T10:00:00Z` });
    meetings.push({
      id: uuid(),
      type: 'transition-planning-meeting',
      status: 'held',
      scheduledFor: `${early}T10:00:00Z`,
    });
    const after = c.since ?? '2026-01-01';
    transitions.push({ id: uuid(), type: 'in-year-school-move', status: 'planned', actualDate: after });
    transitions.push({ id: uuid(), type: 'in-year-school-move', status: 'cancelled' });
    transitions.push({ id: uuid(), type: 'placement-move', status: 'completed', actualDate: after });
  }
  const order = <T>(xs: T[]) => (how.shuffle ? [...xs].reverse() : xs);
  return {
    learner: {
      id: uuid(),
      careStatus: { status: c.status ?? 'looked-after', ...(c.since ? { since: c.since } : {}) },
    },
    plans: order(plans),
    meetings: order(meetings),
    transitions: order(transitions),
  };
}

function child(c: Case, how: Build, label: string): Child {
  return {
    name: `${c.name} (${label})`,
    input: build(c, how),
    options: { policy: policies[c.policy], asOf: c.asOf, ...(c.terms ? { termDates: anyshireTerms } : {}) },
    expected: c.deadlines,
    expectOutcome: c.outcome,
    notAssessed: c.notAssessed,
    rating: c.rating,
    adequate: c.adequate,
    lastReview: c.lastReview ?? null,
  };
}

/**
 * The same child on an earlier day, with expectations derived from the table: a deadline whose clock
 * had not started by then is absent; one met by then is unchanged; any other is `due` if the day is
 * not past its due date. A day that would make one overdue is not used (its count is not in the table).
 */
function earlier(c: Case, asOf: string): Child | undefined {
  if (c.notAssessed?.length) return undefined;
  const expected: Expected[] = [];
  for (const e of c.deadlines) {
    if (e.clock > asOf) continue;
    if (e.met && e.met <= asOf) expected.push(e);
    else if (asOf <= e.due)
      expected.push({ deadline: e.deadline, n: e.n, clock: e.clock, due: e.due, status: 'due' });
    else return undefined;
  }
  return {
    name: `${c.name} (as of ${asOf})`,
    input: build(c),
    options: { policy: policies[c.policy], asOf, ...(c.terms ? { termDates: anyshireTerms } : {}) },
    expected,
  };
}

const dayBefore = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

const children: Child[] = [];
for (const c of cases) {
  children.push(child(c, {}, 'as written'));
  children.push(child(c, { shuffle: true }, 'records in another order'));
  children.push(child(c, { noise: true }, 'with records that must not count'));
  children.push(child(c, { offset: '+01:00', shuffle: true }, 'meetings just after midnight BST'));
  children.push(child(c, { offset: '-05:00', noise: true }, 'meetings late in the evening at UTC-5'));
  if (!c.since || c.since > c.asOf) continue;
  const days = new Set<string>();
  for (const e of c.deadlines) {
    for (const day of [e.clock, e.due, dayBefore(e.due), e.met, e.met && dayBefore(e.met)])
      if (day && day >= c.since && day < c.asOf) days.add(day);
  }
  for (const day of [...days].sort()) {
    const variant = earlier(c, day);
    if (variant) children.push(variant);
  }
}

const shape = (x: Expected) => ({
  deadline: x.deadline,
  n: x.n,
  clock: x.clock,
  due: x.due,
  status: x.status,
  ...(x.met ? { met: x.met } : {}),
  ...(x.late ? { late: x.late } : {}),
});
const key = (x: { deadline: string; n: number }) => `${x.deadline}#${String(x.n).padStart(3, '0')}`;
const sorted = <T extends { deadline: string; n: number }>(xs: T[]) =>
  [...xs].sort((a, b) => key(a).localeCompare(key(b)));
const actual = (xs: DeadlineAssessment[]): Expected[] =>
  xs.map((x) => ({
    deadline: x.deadline,
    n: x.occurrence,
    clock: x.clockStart.date,
    due: x.dueOn,
    status: x.status,
    ...(x.metOn ? { met: x.metOn } : {}),
    ...(x.daysLate ? { late: x.daysLate } : {}),
  }));

describe('the policies', () => {
  it.each(Object.entries(policies))('%s is a valid policy', (_, policy) => {
    expect(validateCompliancePolicy(policy)).toEqual([]);
  });

  it('refuses a policy with pointers and rules', () => {
    const bad = structuredClone(restartPolicy) as unknown as Record<string, unknown> & CompliancePolicy;
    bad.planTypes = ['childs-plan'];
    bad.deadlines.push({ ...bad.deadlines[1], after: 'first-review' } as never);
    const termly = bad.deadlines[1] as CompliancePolicy['deadlines'][number];
    termly.restartedBy = ['school-move'];
    delete termly.after;
    bad.rubric.adequate = ['platinum'];
    expect(validateCompliancePolicy(bad).map((i) => `${i.pointer} ${i.rule}`)).toEqual([
      '/planTypes/0 code-list',
      '/deadlines/1/after required',
      '/deadlines/1/restartedBy clock-restart',
      '/deadlines/2/id unique',
      '/deadlines/2/after deadline-order',
      '/rubric/adequate/0 rubric-adequate',
    ]);
    expect(
      validateCompliancePolicy({ ...restartPolicy, version: 0, extra: 1 }).map(
        (i) => `${i.pointer} ${i.rule}`,
      ),
    ).toEqual(expect.arrayContaining(['/version minimum', '/extra unknown-property']));
    expect(validateCompliancePolicy('x')[0]?.rule).toBe('type');
  });
});

describe('PEP compliance of a synthetic cohort, against dates worked out by hand', () => {
  it('has at least 200 children, in every status, under four policies', () => {
    expect(children.length).toBeGreaterThanOrEqual(200);
    const statuses = new Set(children.flatMap((c) => c.expected.map((e) => e.status)));
    expect([...statuses].sort()).toEqual([...DEADLINE_STATUSES].sort());
  });

  it.each(children.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const result = assessPepCompliance(c.input, c.options);
    expect(checkSchema(PepComplianceResult, JSON.parse(JSON.stringify(result)))).toEqual([]);
    expect(sorted(actual(result.deadlines))).toEqual(sorted(c.expected.map(shape)));
    if (c.expectOutcome) expect(result.outcome).toBe(c.expectOutcome);
    expect(result.notAssessed.map((n) => [n.deadline, n.reason])).toEqual(c.notAssessed ?? []);
    if (c.expectOutcome === undefined) return;
    expect(result.lastReview?.date ?? null).toBe(c.lastReview ?? null);
    if (c.expectOutcome === 'assessed') {
      expect(result.currentPlan?.rating).toBe(c.rating);
      expect(result.currentPlan?.adequate).toBe(c.adequate);
    } else {
      expect(result.currentPlan).toBeNull();
    }
  });
});

describe('why: the record that decided each date', () => {
  it('names the care start, the move, the plan and the meeting by kind, id and field', () => {
    const c = cases.find((x) => x.name.startsWith('E6')) as Case;
    const input = build(c);
    const result = assessPepCompliance(input, {
      policy: englandDefaultPolicy,
      asOf: c.asOf,
      termDates: anyshireTerms,
    });
    const learnerId = input.learner.id;
    const [plan] = input.plans ?? [];
    const [meeting] = input.meetings ?? [];
    const [move] = input.transitions ?? [];
    expect(result.clockStart).toEqual({
      event: 'entering-care',
      date: '2026-09-07',
      decidedBy: { kind: 'learner', id: learnerId, field: '/careStatus/since' },
    });
    const byName = Object.fromEntries(result.deadlines.map((x) => [`${x.deadline}#${x.occurrence}`, x]));
    expect(byName['plan-in-place#1']?.metBy).toEqual({ kind: 'plan', id: plan?.id, field: '/period/start' });
    expect(byName['review-after-school-move#1']?.clockStart).toEqual({
      event: 'school-move',
      date: '2026-11-12',
      decidedBy: { kind: 'transition', id: move?.id, field: '/actualDate' },
    });
    expect(byName['review-after-school-move#1']?.daysLateUnit).toBe('working-days');
    expect(byName['termly-review#2']?.daysLateUnit).toBe('school-days');
    expect(byName['review-after-school-move#1']?.metBy).toEqual({
      kind: 'meeting',
      id: meeting?.id,
      field: '/scheduledFor',
    });
    expect(byName['termly-review#2']?.clockStart.decidedBy).toEqual({
      kind: 'meeting',
      id: meeting?.id,
      field: '/scheduledFor',
    });
    expect(result.lastReview).toEqual({
      date: '2026-11-30',
      decidedBy: { kind: 'meeting', id: meeting?.id, field: '/scheduledFor' },
    });
    expect(result.currentPlan).toMatchObject({ id: plan?.id, rating: 'red', adequate: false });
  });

  it('does not count a rating given after asOf', () => {
    const c = cases.find((x) => x.name.startsWith('E1 ')) as Case;
    const result = assessPepCompliance(build(c), {
      policy: englandDefaultPolicy,
      asOf: '2026-09-29',
      termDates: anyshireTerms,
    });
    expect(result.currentPlan).toMatchObject({ adequate: null });
    expect(result.currentPlan?.rating).toBeUndefined();
  });
});
