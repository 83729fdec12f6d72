import { englandLearner, englandMeeting, englandPlan, upnCheckLetter } from '@celr/schema';
import type { LearnerInput, MeetingInput, PlanInput } from '@celr/sdk';

// The records are typed as the SDK types them (from the OpenAPI document): unions discriminated by
// `jurisdiction`. @celr/schema's static types merge the two nations into one object type.

/** A valid UPN (DfE check letter) in LA 990's range, different for each n. */
export function upn(n: number): string {
  const body = `990${String(n).padStart(9, '0')}`;
  return `${upnCheckLetter(`X${body}`)}${body}`;
}

/** A learner Northbridge (LA 990) is responsible for, known by UPN only. */
export function learner(n: number, overrides: Partial<LearnerInput> = {}): LearnerInput {
  const { enrolment: _school, ...rest } = englandLearner;
  return {
    ...rest,
    name: { given: `Test${n}`, family: 'Learner' },
    identifiers: [{ system: 'upn', value: upn(n) }],
    ...overrides,
  } as LearnerInput;
}

export function plan(learnerId: string, overrides: Partial<PlanInput> = {}): PlanInput {
  return { ...englandPlan, learnerId, ...overrides } as PlanInput;
}

export function meeting(learnerId: string, overrides: Partial<MeetingInput> = {}): MeetingInput {
  return { ...englandMeeting, learnerId, ...overrides } as MeetingInput;
}
