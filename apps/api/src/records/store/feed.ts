import type { FeedChange } from '@celr/schema';
import type { Prisma } from '../../generated/prisma/client.js';

type Tx = Pick<Prisma.TransactionClient, '$executeRawUnsafe'>;

export type RecordChange = Extract<FeedChange, 'created' | 'updated' | 'deleted'>;
export type AccessChange = Extract<FeedChange, 'visible' | 'hidden'>;

/**
 * Entries of the change feed are written with SQL in the transaction of the change, so the
 * database assigns the writing transaction's id (see the `change` table): the feed's order.
 * Only the record store writes them (test/one-write-path.test.ts).
 */
export async function logRecordChange(
  tx: Tx,
  entry: { change: RecordChange; recordKind: string; recordId: string; learnerId: string; version: number },
): Promise<void> {
  await tx.$executeRawUnsafe(
    'INSERT INTO change (change, record_kind, record_id, learner_id, version) VALUES ($1, $2, $3::uuid, $4::uuid, $5)',
    entry.change,
    entry.recordKind,
    entry.recordId,
    entry.learnerId,
    entry.version,
  );
}

/** A learner becomes visible to an organisation, or stops being: the feed decides visibility from these. */
export async function logAccessChange(
  tx: Tx,
  learnerId: string,
  organisationId: string,
  change: AccessChange,
): Promise<void> {
  await tx.$executeRawUnsafe(
    "INSERT INTO change (change, record_kind, record_id, learner_id, organisation_id) VALUES ($1, 'learner', $2::uuid, $2::uuid, $3::uuid)",
    change,
    learnerId,
    organisationId,
  );
}
