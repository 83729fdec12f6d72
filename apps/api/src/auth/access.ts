import type { RecordKind } from '@celr/schema';
import type { Prisma } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import type { Caller } from './caller.js';

/**
 * The one place that decides which learners an organisation may see and which records it may
 * write. A learner is visible to an organisation while it holds an open access grant for them
 * (as responsible authority, host authority or school); plans, meetings and transitions follow
 * their learner. Everything that reads or writes records asks here.
 */
export function visibleTo(caller: Caller): Prisma.RecordWhereInput {
  return { learner: { access: { some: { organisationId: caller.actingForId, endedAt: null } } } };
}

export interface AccessGrant {
  basis: string;
  grants: string[];
}

type Tx = Pick<Prisma.TransactionClient, 'learnerAccess'>;

/** The caller's open grant for a learner, or undefined when the learner is not theirs to see. */
export async function grantFor(db: Tx, caller: Caller, learnerId: string): Promise<AccessGrant | undefined> {
  const row = await db.learnerAccess.findFirst({
    where: { learnerId, organisationId: caller.actingForId, endedAt: null },
    select: { basis: true, grants: true },
    orderBy: { startedAt: 'asc' },
  });
  return row ?? undefined;
}

export function assertMayWrite(grant: AccessGrant, kind: RecordKind): void {
  if (!grant.grants.includes(kind)) {
    throw new ProblemError(
      'forbidden',
      `Your organisation's access to this learner (${grant.basis}) does not include writing ${kind} records.`,
    );
  }
}

/** What the responsible authority may write: everything about the child. */
export const RESPONSIBLE_GRANTS: RecordKind[] = ['learner', 'plan', 'meeting', 'transition'];
