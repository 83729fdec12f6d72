import {
  codeLists,
  MEETING_STATUSES,
  PLAN_STATUSES,
  type RecordKind,
  TRANSITION_STATUSES,
} from '@celr/schema';
import Type from 'typebox';
import { decodeCursor } from '../http/cursor.js';
import { definedMembers } from '../http/defined.js';

const typeFilter: Partial<Record<RecordKind, string>> = {
  plan: 'plan-type',
  meeting: 'meeting-type',
  transition: 'transition-type',
};
const statusFilter: Record<RecordKind, readonly string[]> = {
  learner: codeLists['care-status'].codes.map((c) => c.code),
  plan: PLAN_STATUSES,
  meeting: MEETING_STATUSES,
  transition: TRANSITION_STATUSES,
};

/** The query of a record list; which members a kind accepts is up to its schema (listQuery). */
export interface Query {
  limit?: number;
  cursor?: string;
  updatedSince?: string;
  status?: string;
  type?: string;
  learner?: string;
  identifier?: string;
}

/** The query of a list of one kind; typed as Query, the union of the members every kind may have. */
export function listQuery(kind: RecordKind, withLearner: boolean) {
  const listId = typeFilter[kind];
  return Type.Unsafe<Query>(
    Type.Object(
      {
        limit: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 200,
            default: 50,
            description: 'Items per page (1-200, default 50).',
          }),
        ),
        cursor: Type.Optional(
          Type.String({ maxLength: 2000, description: 'Opaque position from a `next` link.' }),
        ),
        updatedSince: Type.Optional(
          Type.String({
            format: 'date-time',
            maxLength: 35,
            description: 'Only records changed at or after this time.',
          }),
        ),
        status: Type.Optional(
          Type.Enum(statusFilter[kind], {
            type: 'string',
            description: kind === 'learner' ? 'Care status.' : 'Status.',
          }),
        ),
        ...(listId
          ? {
              type: Type.Optional(
                Type.Enum(
                  codeLists[listId as 'plan-type'].codes.map((c) => c.code),
                  { type: 'string', description: 'Type.' },
                ),
              ),
            }
          : {}),
        ...(withLearner
          ? {
              learner: Type.Optional(
                Type.String({
                  format: 'uuid',
                  maxLength: 36,
                  description: 'Only records about this learner.',
                }),
              ),
            }
          : {}),
        ...(kind === 'learner'
          ? {
              identifier: Type.Optional(
                Type.String({
                  maxLength: 100,
                  pattern: '^[^|]+\\|.+$',
                  description:
                    'Only learners with this identifier, as `system|value` (e.g. `upn|C990123424001`).',
                }),
              ),
            }
          : {}),
      },
      { additionalProperties: false },
    ),
  );
}

export function filtersFrom(query: Query, learnerId?: string) {
  const [system, ...rest] = query.identifier?.split('|') ?? [];
  // A filter not asked for is left out.
  return definedMembers({
    limit: query.limit ?? 50,
    after: query.cursor ? decodeCursor(query.cursor) : undefined,
    learnerId: learnerId ?? query.learner,
    type: query.type,
    status: query.status,
    updatedSince: query.updatedSince ? new Date(query.updatedSince) : undefined,
    identifier: system ? { system, value: rest.join('|') } : undefined,
  });
}
