import Type from 'typebox';
import { CodeField } from '../common/code.js';
import { ActionItem } from '../common/parts.js';
import { IsoDate, type Jurisdiction, RecordId, Text, Timestamp } from '../common/primitives.js';

export const MEETING_STATUSES = ['scheduled', 'held', 'cancelled', 'postponed'] as const;
const MODES = ['in-person', 'video', 'phone', 'hybrid'] as const;
const ATTENDANCE = ['invited', 'attended', 'apologies', 'did-not-attend'] as const;
const PARTICIPATION = [
  'attended',
  'attended-part',
  'views-shared-in-advance',
  'through-advocate',
  'did-not-take-part',
] as const;

const Attendee = (j: Jurisdiction) =>
  Type.Object(
    {
      role: CodeField('contact-role', j, 'Their role.'),
      name: Type.Optional(Text('Their name.', 200)),
      attendance: Type.Enum(ATTENDANCE, {
        type: 'string',
        description: 'Invited, attended, sent apologies, or did not attend.',
      }),
    },
    { additionalProperties: false, description: 'An attendee by role.' },
  );

export const meetingFields = (j: Jurisdiction) => ({
  jurisdiction: Type.Literal(j, { description: 'The nation whose code lists apply.' }),
  learnerId: { ...RecordId, description: 'The learner the meeting is about.' },
  planId: Type.Optional({ ...RecordId, description: 'The plan the meeting reviews, if any.' }),
  type: CodeField(
    'meeting-type',
    j,
    "PEP meeting, looked-after review, child's plan meeting, transition planning, CSP or EHC review, pathway plan review, or other.",
  ),
  status: Type.Enum(MEETING_STATUSES, {
    type: 'string',
    description: 'Scheduled, held, cancelled or postponed.',
  }),
  scheduledFor: Timestamp('When the meeting starts.'),
  durationMinutes: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 600, description: 'Length in minutes.' }),
  ),
  mode: Type.Enum(MODES, { type: 'string', description: 'In person, video, phone or hybrid.' }),
  attendees: Type.Optional(
    Type.Array(Attendee(j), { maxItems: 50, description: 'Who was invited and who came.' }),
  ),
  childParticipation: Type.Optional(
    Type.Object(
      {
        how: Type.Enum(PARTICIPATION, { type: 'string', description: 'How the child took part.' }),
        notes: Type.Optional(Text('More about how the child took part.', 2000)),
      },
      { additionalProperties: false, description: 'How the child took part.' },
    ),
  ),
  summary: Type.Optional(Text('Summary of the discussion.', 8000)),
  decisions: Type.Optional(
    Type.Array(Text('A decision.', 2000), { maxItems: 100, description: 'Decisions made.' }),
  ),
  actions: Type.Optional(
    Type.Array(ActionItem(j), { maxItems: 200, description: 'Actions agreed, with owners and due dates.' }),
  ),
  nextMeetingDue: Type.Optional(IsoDate('When the next meeting is due.')),
});
