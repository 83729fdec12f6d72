import { RECORD_KINDS } from '@celr/schema';
import type { components, operations } from './generated/api.js';

type Schemas = components['schemas'];

/** The four kinds of record, with the shapes a client meets for each (from the OpenAPI document). */
export interface RecordTypes {
  learner: {
    record: Schemas['Learner'];
    input: Schemas['LearnerInput'];
    patch: Schemas['LearnerPatch'];
    query: NonNullable<operations['listLearners']['parameters']['query']>;
  };
  plan: {
    record: Schemas['Plan'];
    input: Schemas['PlanInput'];
    patch: Schemas['PlanPatch'];
    query: NonNullable<operations['listPlans']['parameters']['query']>;
  };
  meeting: {
    record: Schemas['Meeting'];
    input: Schemas['MeetingInput'];
    patch: Schemas['MeetingPatch'];
    query: NonNullable<operations['listMeetings']['parameters']['query']>;
  };
  transition: {
    record: Schemas['Transition'];
    input: Schemas['TransitionInput'];
    patch: Schemas['TransitionPatch'];
    query: NonNullable<operations['listTransitions']['parameters']['query']>;
  };
}

export type RecordKind = keyof RecordTypes;
/** A record as the API returns it, with its `id` and `meta`. */
export type RecordOf<K extends RecordKind> = RecordTypes[K]['record'];
/** What a client sends to create or replace a record. */
export type InputOf<K extends RecordKind> = RecordTypes[K]['input'];
/** A JSON merge patch (RFC 7396) of a record. */
export type PatchOf<K extends RecordKind> = RecordTypes[K]['patch'];
/** The filters of a record kind's list operation (`limit`, `updatedSince`, `status`...). */
export type ListQueryOf<K extends RecordKind> = RecordTypes[K]['query'];

export type Learner = RecordOf<'learner'>;
export type LearnerInput = InputOf<'learner'>;
export type Plan = RecordOf<'plan'>;
export type PlanInput = InputOf<'plan'>;
export type Meeting = RecordOf<'meeting'>;
export type MeetingInput = InputOf<'meeting'>;
export type Transition = RecordOf<'transition'>;
export type TransitionInput = InputOf<'transition'>;

export { RECORD_KINDS };

/** The collection path of each kind. */
export const COLLECTIONS = {
  learner: '/v1/learners',
  plan: '/v1/plans',
  meeting: '/v1/meetings',
  transition: '/v1/transitions',
} as const satisfies Record<RecordKind, string>;

export const isRecordKind = (value: unknown): value is RecordKind =>
  typeof value === 'string' && (RECORD_KINDS as readonly string[]).includes(value);

/** The kind whose body a write to `schemaPath` carries, for validation before sending. */
export function kindOfWrite(method: string, schemaPath: string): RecordKind | undefined {
  const m = method.toUpperCase();
  if (m === 'PUT' && schemaPath === '/v1/learners-by-identifier/{system}/{value}') return 'learner';
  for (const kind of RECORD_KINDS) {
    const base = COLLECTIONS[kind];
    if ((m === 'POST' && schemaPath === base) || (m === 'PUT' && schemaPath === `${base}/{id}`)) return kind;
  }
  return undefined;
}

/**
 * The input part of a record: what remains without the server's `id` and `meta`, so a record read
 * from the API can be changed and sent back.
 */
export function toInput<K extends RecordKind>(record: RecordOf<K> | InputOf<K>): InputOf<K> {
  const { id: _id, meta: _meta, ...input } = record as Record<string, unknown>;
  return input as InputOf<K>;
}
