/** Scotland's plans and meetings: the child's plan and its meeting, a CSP or pathway plan, reviews. */
import { type MeetingInput, type PlanInput, scotlandMeeting, scotlandPlan } from '@celr/schema';
import { addYears, at, dayBetween, maxDate } from '../dates.js';
import type { Prng } from '../random.js';
import { CHILD_VIEWS, compact, planMeeting, target, transitionMeeting } from './common.js';
import type { Child, DemoLearner } from './story.js';

export function plansAndMeetings(rng: Prng, child: Child): Pick<DemoLearner, 'plans' | 'meetings'> {
  const { need: asn, secondary, status, careStatus, dateOfBirth, ageAtEnd, enrolledAt, lead } = child;
  const { caseworker, socialWorker } = child;

  const plans: Omit<PlanInput, 'learnerId'>[] = [];
  const meetings: DemoLearner['meetings'] = [];
  const planStatus = rng.weighted([
    ['active', 5],
    ['under-review', 3],
    ['draft', 1],
  ] as const);
  const { learnerId: _l, ...planBase } = scotlandPlan;
  // The superseded plan records neither provision nor the child's views.
  const { provision: _p, views: _v, ...supersededBase } = planBase;
  // The child's plan runs from when the child came into care (or the start of last session), open-ended.
  const planStart = maxDate(String(careStatus.since), '2024-08-14');
  plans.push(
    compact({
      ...planBase,
      status: planStatus,
      period: { start: planStart },
      reviewDue: maxDate(planStart, dayBetween(rng, '2026-05-04', '2026-06-26', true)),
      targets: rng
        .shuffle(SCOTLAND_TARGETS)
        .slice(0, rng.int(1, 2))
        .map(([area, description, measure]) =>
          target(
            rng,
            area,
            description,
            measure,
            '2026-06-26',
            planStatus === 'draft' ? 'not-started' : rng.pick(['on-track', 'off-track', 'achieved'] as const),
          ),
        ),
      provision:
        planStatus === 'draft'
          ? undefined
          : [
              {
                description: rng.pick(SCOTLAND_PROVISION),
                fundingSource: 'care-experienced-children-and-young-people-fund',
                amountPence: rng.pick([25_000, 40_000, 60_000, 85_000]),
              },
            ],
      views: planStatus === 'draft' ? undefined : { child: rng.pick(CHILD_VIEWS) },
      contributors: [
        { role: 'designated-manager', name: lead, organisation: enrolledAt },
        ...(socialWorker ? [{ role: 'social-worker', name: socialWorker }] : []),
      ],
    }) as PlanInput,
  );
  if (asn === 'asn-with-csp' && secondary) {
    plans.push({
      jurisdiction: 'scotland',
      type: 'csp',
      status: 'under-review',
      period: { start: '2024-10-07' },
      reviewDue: '2026-06-05',
      targets: [
        target(
          rng,
          'Literacy',
          'Read and respond to a short text independently.',
          'Support for learning teacher assessment',
          '2026-06-05',
          'on-track',
        ),
      ],
    } as PlanInput);
  } else if (status === 'care-leaver' || (ageAtEnd >= 16 && rng.chance(0.5))) {
    plans.push(
      compact({
        jurisdiction: 'scotland',
        type: 'pathway-plan',
        status: rng.pick(['active', 'draft'] as const),
        period: { start: maxDate(addYears(dateOfBirth, 15), '2024-08-14') },
        targets: [
          target(
            rng,
            'Next steps',
            'Apply for a college course or a Modern Apprenticeship.',
            'Application submitted',
            '2026-03-27',
            rng.pick(['achieved', 'on-track'] as const),
          ),
        ],
        views: { child: 'I want to stay with my carers after I leave school.' },
      }) as PlanInput,
    );
  } else if (rng.chance(0.3)) {
    plans.push(
      compact({
        ...supersededBase,
        status: 'superseded',
        period: { start: '2024-08-14', end: '2025-06-27' },
        reviewDue: '2025-02-07',
        targets: [
          target(
            rng,
            'Wellbeing',
            'Name a trusted adult in school and check in daily.',
            'Check-in log',
            '2025-06-27',
            'achieved',
          ),
        ],
      }) as PlanInput,
    );
  }

  const meetingCount = rng.int(1, 3);
  const planMeetingDate = dayBetween(rng, '2026-02-02', '2026-06-19', true);
  const { learnerId: _m, ...meetingBase } = scotlandMeeting;
  meetings.push({
    planIndex: 0,
    meeting: planMeeting(rng, {
      base: meetingBase,
      status: rng.chance(0.8) ? 'held' : 'postponed',
      date: planMeetingDate,
      times: ['09:30', '10:00', '13:00', '15:00'],
      duration: 60,
      modes: ['in-person', 'video', 'hybrid'],
      attendees: (held) => [
        { role: 'designated-manager', name: lead, attendance: held ? 'attended' : 'invited' },
        ...(socialWorker
          ? [{ role: 'social-worker', name: socialWorker, attendance: held ? 'attended' : 'invited' }]
          : []),
        { role: 'carer', attendance: held ? rng.pick(['attended', 'apologies'] as const) : 'invited' },
        { role: 'named-person', attendance: held ? 'attended' : 'invited' },
      ],
      participation: ['attended', 'through-advocate', 'views-shared-in-advance'],
      summary: "Child's plan reviewed using the wellbeing indicators (SHANARRI).",
      actionOwner: 'designated-manager',
      actionDays: 28,
      nextMeetingDays: 21,
    }),
  });
  if (meetingCount >= 2) {
    if (status === 'looked-after') {
      const date = dayBetween(rng, '2025-10-06', '2026-05-29', true);
      meetings.push({
        meeting: {
          jurisdiction: 'scotland',
          type: 'looked-after-review-scotland',
          status: 'held',
          scheduledFor: at(date, '10:00'),
          durationMinutes: 90,
          mode: 'in-person',
          attendees: [
            ...(socialWorker
              ? [{ role: 'social-worker', name: socialWorker, attendance: 'attended' as const }]
              : []),
            { role: 'designated-manager', name: lead, attendance: 'attended' },
            { role: 'carer', attendance: 'attended' },
          ],
          childParticipation: { how: 'attended' },
          summary: "Looked after review: the placement meets the child's needs; education progress noted.",
        } as MeetingInput,
      });
    } else {
      meetings.push({ meeting: transitionMeeting(rng, 'scotland', lead, caseworker) });
    }
  }
  if (meetingCount >= 3 && plans[1]?.type === 'csp') {
    meetings.push({
      planIndex: 1,
      meeting: {
        jurisdiction: 'scotland',
        type: 'csp-review',
        status: 'held',
        scheduledFor: at('2026-06-04', '14:00'),
        mode: 'in-person',
        attendees: [
          { role: 'designated-manager', name: lead, attendance: 'attended' },
          { role: 'parent', attendance: 'did-not-attend' },
        ],
        decisions: ['The CSP continues for another year, with speech and language support added.'],
      } as MeetingInput,
    });
  }

  return { plans, meetings };
}

const SCOTLAND_TARGETS: [string, string, string][] = [
  ['Attendance', 'Attend every morning session on the agreed timetable.', 'Weekly attendance from SEEMiS'],
  ['Literacy', 'Read a chapter book with a reading buddy each week.', 'Class teacher judgement'],
  ['Health and wellbeing', 'Take part in a lunchtime club twice a week.', 'Club register and check-ins'],
  ['Numeracy', 'Use money and budgeting skills in a real task.', 'CfE benchmark evidence'],
];
const SCOTLAND_PROVISION = [
  'Outdoor learning sessions, one afternoon a week',
  'Mentoring with a care-experienced youth worker',
  'Laptop and home broadband for homework',
  'Music lessons (guitar), weekly',
];
