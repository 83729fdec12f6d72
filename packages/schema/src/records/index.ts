import type { Static } from 'typebox';
import { defineRecord } from './define.js';
import { learnerFields } from './learner.js';
import { meetingFields } from './meeting.js';
import { planFields } from './plan.js';
import { transitionFields } from './transition.js';

export { FEED_CHANGES, type FeedChange, VERSION_CHANGES, type VersionChange } from './changes.js';
export { RECORD_KINDS, type RecordKind } from './define.js';
export { MEETING_STATUSES } from './meeting.js';
export { PLAN_STATUSES } from './plan.js';
export { TRANSITION_STATUSES } from './transition.js';

export const learner = defineRecord(
  'learner',
  'A care-experienced learner: who they are, their care status, where they go to school, and how they are doing.',
  { england: learnerFields('england'), scotland: learnerFields('scotland') },
);
export const plan = defineRecord(
  'plan',
  "A plan for the learner's education: PEP, child's plan, coordinated support plan, EHC plan or pathway plan.",
  { england: planFields('england'), scotland: planFields('scotland') },
);
export const meeting = defineRecord(
  'meeting',
  "A meeting about the learner: PEP meeting, looked-after review, child's plan meeting, transition planning.",
  { england: meetingFields('england'), scotland: meetingFields('scotland') },
);
export const transition = defineRecord(
  'transition',
  "A move in the learner's life that affects their education: a new school, a phase transfer, a placement move, a move between authorities, leaving care.",
  { england: transitionFields('england'), scotland: transitionFields('scotland') },
);

export const records = { learner, plan, meeting, transition } as const;

export type LearnerInput = Static<typeof learner.Input>;
export type Learner = Static<typeof learner.Record>;
export type PlanInput = Static<typeof plan.Input>;
export type Plan = Static<typeof plan.Record>;
export type MeetingInput = Static<typeof meeting.Input>;
export type Meeting = Static<typeof meeting.Record>;
export type TransitionInput = Static<typeof transition.Input>;
export type Transition = Static<typeof transition.Record>;

/** The input shape of each kind, for code that handles every kind alike. */
export interface RecordInputs {
  learner: LearnerInput;
  plan: PlanInput;
  meeting: MeetingInput;
  transition: TransitionInput;
}
export interface Records {
  learner: Learner;
  plan: Plan;
  meeting: Meeting;
  transition: Transition;
}
