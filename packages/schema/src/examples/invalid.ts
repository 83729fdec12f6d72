/**
 * Records that must be rejected, each with the issues it must produce. They document the rules
 * by example, and the tests hold the validator to them.
 */

import type { Example } from './valid.js';
import { englandLearner, englandMeeting, englandPlan, englandTransition, scotlandLearner } from './valid.js';

export interface InvalidExample {
  kind: Example['kind'];
  name: string;
  summary: string;
  value: unknown;
  /** Issues the validator must report (it may report more). */
  expected: { pointer: string; rule: string }[];
}

const withIdentifier = (system: string, value: string) => ({
  ...englandLearner,
  identifiers: [{ system, value }],
});

export const invalidExamples: InvalidExample[] = [
  {
    kind: 'learner',
    name: 'upn-wrong-check-letter',
    summary: 'A UPN whose first letter is not its check letter',
    value: withIdentifier('upn', 'A990123424001'),
    expected: [{ pointer: '/identifiers/0/value', rule: 'upn-check-letter' }],
  },
  {
    kind: 'learner',
    name: 'upn-bad-format',
    summary: 'A UPN with the letter O, which UPNs never use',
    value: withIdentifier('upn', 'O99012342400'),
    expected: [{ pointer: '/identifiers/0/value', rule: 'pattern' }],
  },
  {
    kind: 'learner',
    name: 'uln-wrong-check-digit',
    summary: 'A ULN whose last digit is not its check digit',
    value: withIdentifier('uln', '1234567890'),
    expected: [{ pointer: '/identifiers/0/value', rule: 'uln-check-digit' }],
  },
  {
    kind: 'learner',
    name: 'nhs-number-wrong-check-digit',
    summary: 'An NHS number whose last digit is not its modulus 11 check digit',
    value: withIdentifier('nhs-number', '9990000019'),
    expected: [{ pointer: '/identifiers/0/value', rule: 'nhs-number-check-digit' }],
  },
  {
    kind: 'learner',
    name: 'scottish-legal-reason-in-england',
    summary: 'An English learner with a Scottish legal reason',
    value: {
      ...englandLearner,
      careStatus: { ...englandLearner.careStatus, legalStatus: 'permanence-order' },
    },
    expected: [{ pointer: '/careStatus/legalStatus', rule: 'code-list' }],
  },
  {
    kind: 'learner',
    name: 'english-placement-in-scotland',
    summary: 'A Scottish learner with an SSDA903 placement code',
    value: { ...scotlandLearner, careStatus: { ...scotlandLearner.careStatus, placementType: 'U4' } },
    expected: [{ pointer: '/careStatus/placementType', rule: 'code-list' }],
  },
  {
    kind: 'learner',
    name: 'born-in-the-future',
    summary: 'A date of birth in the future',
    value: { ...englandLearner, dateOfBirth: '2999-01-01' },
    expected: [{ pointer: '/dateOfBirth', rule: 'date-not-in-future' }],
  },
  {
    kind: 'learner',
    name: 'impossible-date',
    summary: 'A date that is not in the calendar',
    value: { ...englandLearner, dateOfBirth: '2013-02-30' },
    expected: [{ pointer: '/dateOfBirth', rule: 'format' }],
  },
  {
    kind: 'learner',
    name: 'unknown-property',
    summary: 'A property the schema does not define is an error, not silently dropped',
    value: { ...englandLearner, nickname: 'Mara' },
    expected: [{ pointer: '/nickname', rule: 'unknown-property' }],
  },
  {
    kind: 'learner',
    name: 'missing-name',
    summary: 'A learner without a name',
    value: { ...englandLearner, name: { given: 'Amara' } },
    expected: [{ pointer: '/name/family', rule: 'required' }],
  },
  {
    kind: 'learner',
    name: 'attendance-over-possible',
    summary: 'More sessions attended and missed than were possible',
    value: {
      ...englandLearner,
      attendance: [
        {
          period: { start: '2025-09-03', end: '2025-12-19' },
          possibleSessions: 100,
          attendedSessions: 95,
          authorisedAbsenceSessions: 5,
          unauthorisedAbsenceSessions: 3,
        },
      ],
    },
    expected: [{ pointer: '/attendance/0/possibleSessions', rule: 'attendance-sessions' }],
  },
  {
    kind: 'learner',
    name: 'responsible-authority-from-other-nation',
    summary: 'A Scottish learner whose responsible authority is named by an English LA code',
    value: { ...scotlandLearner, responsibleAuthority: { scheme: 'la-code', code: '990' } },
    expected: [{ pointer: '/responsibleAuthority/scheme', rule: 'jurisdiction-mismatch' }],
  },
  {
    kind: 'learner',
    name: 'school-urn-format',
    summary: 'A school URN with five digits',
    value: {
      ...englandLearner,
      enrolment: { ...englandLearner.enrolment, school: { scheme: 'urn', code: '12345' } },
    },
    expected: [{ pointer: '/enrolment/school/code', rule: 'pattern' }],
  },
  {
    kind: 'learner',
    name: 'no-jurisdiction',
    summary: 'A record that does not say which nation it belongs to',
    value: { ...englandLearner, jurisdiction: undefined },
    expected: [{ pointer: '/jurisdiction', rule: 'required' }],
  },
  {
    kind: 'plan',
    name: 'period-ends-before-start',
    summary: 'A plan period that ends before it starts',
    value: { ...englandPlan, period: { start: '2025-09-03', end: '2025-08-01' } },
    expected: [{ pointer: '/period/end', rule: 'period-order' }],
  },
  {
    kind: 'plan',
    name: 'scottish-fund-in-england',
    summary: "Scotland's fund paying for provision in an English PEP",
    value: {
      ...englandPlan,
      provision: [
        { ...englandPlan.provision[0], fundingSource: 'care-experienced-children-and-young-people-fund' },
      ],
    },
    expected: [{ pointer: '/provision/0/fundingSource', rule: 'code-list' }],
  },
  {
    kind: 'plan',
    name: 'csp-in-england',
    summary: 'A coordinated support plan (Scottish) for an English learner',
    value: { ...englandPlan, type: 'csp' },
    expected: [{ pointer: '/type', rule: 'code-list' }],
  },
  {
    kind: 'plan',
    name: 'negative-amount',
    summary: 'Provision costing a negative amount',
    value: { ...englandPlan, provision: [{ ...englandPlan.provision[0], amountPence: -100 }] },
    expected: [{ pointer: '/provision/0/amountPence', rule: 'minimum' }],
  },
  {
    kind: 'meeting',
    name: 'bad-timestamp',
    summary: 'A meeting time that is not an RFC 3339 date-time',
    value: { ...englandMeeting, scheduledFor: '03/12/2025 15:30' },
    expected: [{ pointer: '/scheduledFor', rule: 'format' }],
  },
  {
    kind: 'meeting',
    name: 'held-in-the-future',
    summary: 'A meeting recorded as held that is scheduled in the future',
    value: { ...englandMeeting, scheduledFor: '2999-01-01T10:00:00Z', nextMeetingDue: '2999-03-01' },
    expected: [{ pointer: '/status', rule: 'date-not-in-future' }],
  },
  {
    kind: 'transition',
    name: 'completed-without-date',
    summary: 'A completed transition without the date it happened',
    value: { ...englandTransition, actualDate: undefined },
    expected: [{ pointer: '/actualDate', rule: 'required-when-completed' }],
  },
];
