import { randomUUID } from 'node:crypto';
import {
  bundleDigest,
  SCHEMA_VERSION,
  type TransferBundle,
  type TransferReason,
  validateBundle,
} from '@celr/schema';
import type { Prisma } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import { present } from '../records/representation.js';
import { refOf } from './organisation-ref.js';

type Tx = Prisma.TransactionClient;
type Org = Parameters<typeof refOf>[0];

export interface Selection {
  plans?: string[];
  meetings?: string[];
  transitions?: string[];
}

/**
 * A snapshot of the learner and the chosen records, taken inside the sending transaction so that
 * what is sent is exactly what the sender held at that moment.
 */
export async function takeSnapshot(
  tx: Tx,
  args: {
    sender: Org;
    recipient: Org;
    learnerId: string;
    reason: TransferReason;
    // The request's own optional members, passed straight on.
    note?: string | undefined;
    include?: Selection | undefined;
  },
): Promise<TransferBundle> {
  const rows = await tx.record.findMany({
    where: { learnerId: args.learnerId, deletedAt: null },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const learner = rows.find((r) => r.kind === 'learner' && r.id === args.learnerId);
  if (!learner) throw new ProblemError('not-found', 'The learner was not found.');
  const pick = (kind: 'plan' | 'meeting' | 'transition', chosen: string[] | undefined) => {
    const all = rows.filter((r) => r.kind === kind);
    if (!chosen) return all;
    const missing = chosen.filter((id) => !all.some((r) => r.id === id));
    if (missing.length) {
      throw new ProblemError('validation', `Some chosen ${kind}s are not this learner's.`, {
        errors: missing.map((id) => ({
          pointer: `/include/${kind}s`,
          rule: 'learner-record',
          message: `${id} is not a ${kind} of this learner.`,
        })),
      });
    }
    return all.filter((r) => chosen.includes(r.id));
  };
  const content = {
    learner: present(learner),
    plans: pick('plan', args.include?.plans).map(present),
    meetings: pick('meeting', args.include?.meetings).map(present),
    transitions: pick('transition', args.include?.transitions).map(present),
  } as TransferBundle['content'];
  const bundle: TransferBundle = {
    manifest: {
      bundleId: randomUUID(),
      sender: refOf(args.sender),
      recipient: refOf(args.recipient),
      learnerId: args.learnerId,
      reason: args.reason,
      ...(args.note ? { note: args.note } : {}),
      createdAt: new Date().toISOString(),
      schemaVersion: SCHEMA_VERSION,
      contentDigest: await bundleDigest(content),
    },
    content,
  };
  // Stored records were validated when written; a bundle that fails here means the schema moved on.
  const issues = validateBundle(bundle);
  if (issues.length) {
    throw new ProblemError(
      'conflict',
      "Some of the learner's records no longer meet the schema; correct them before sending.",
      { errors: issues },
    );
  }
  return bundle;
}
