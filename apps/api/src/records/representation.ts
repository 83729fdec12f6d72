import type { RecordKind } from '@celr/schema';

/** Plural path segment of each kind: /v1/learners, /v1/plans... */
export const COLLECTION: Record<RecordKind, string> = {
  learner: 'learners',
  plan: 'plans',
  meeting: 'meetings',
  transition: 'transitions',
};

export const locationOf = (kind: RecordKind, id: string) => `/v1/${COLLECTION[kind]}/${id}`;

export interface StoredRecord {
  id: string;
  kind: string;
  learnerId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  writtenById: string;
  data: unknown;
}

/** A stored record as the API returns it: the client's fields plus the server's `id` and `meta`. */
export function present(
  row: Pick<StoredRecord, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'writtenById' | 'data'>,
) {
  return {
    id: row.id,
    meta: {
      version: row.version,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      recordedBy: { organisationId: row.writtenById },
    },
    ...(row.data as Record<string, unknown>),
  };
}

/** The columns that lists filter on, taken from the record's own fields. */
export function indexedColumns(kind: RecordKind, data: Record<string, unknown>) {
  const careStatus = data.careStatus as { status?: string } | undefined;
  return {
    jurisdiction: String(data.jurisdiction),
    type: kind === 'learner' ? null : ((data.type as string | undefined) ?? null),
    status: kind === 'learner' ? (careStatus?.status ?? null) : ((data.status as string | undefined) ?? null),
  };
}
