import { isDeepStrictEqual } from 'node:util';
import { pointerOf, type RecordKind, type ValidationIssue } from '@celr/schema';
import type { Prisma } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import type { Caller } from './caller.js';

/**
 * The one place that decides which learners an organisation may see and what it may write.
 *
 * An organisation sees a learner while it holds an open access grant for them:
 * - `responsible`: the local authority that is the corporate parent; reads and writes everything
 *   and alone may delete;
 * - `host`: an authority the learner's records were shared with (a transfer for an out-of-authority
 *   placement); reads everything, writes the kinds the share grants;
 * - `school`: the school the learner is on roll at (from the learner's enrolment); reads everything,
 *   writes plans and meetings and the learner fields a school owns; the grant ends when the
 *   enrolment names another school.
 * Plans, meetings and transitions follow their learner. A vendor acts with the grants of the
 * organisation it acts for (CELR-On-Behalf-Of), never beyond them.
 */
export type Grant = RecordKind | 'learner:school-fields' | 'delete';

export const GRANTS: Record<'responsible' | 'school', Grant[]> = {
  responsible: ['learner', 'plan', 'meeting', 'transition', 'delete'],
  school: ['learner:school-fields', 'plan', 'meeting'],
};

/** Learner fields the school records in its MIS and may write. */
export const SCHOOL_OWNED_FIELDS = ['attendance', 'attainment', 'exclusions', 'additionalNeeds'] as const;

/**
 * "A learner visible to this organisation", written once: an open grant (no end) of the organisation
 * for the learner. OPEN_GRANT and visibleTo() are the Prisma form, visibleSql() the SQL form.
 */
export const OPEN_GRANT = { endedAt: null } as const;

export function visibleTo(caller: Caller): Prisma.RecordWhereInput {
  return { learner: { access: { some: { organisationId: caller.actingForId, ...OPEN_GRANT } } } };
}

/** The SQL form of visibleTo(): `learner` is the column holding the learner's id, `organisation` the parameter of the organisation's. */
export const visibleSql = (learner: string, organisation: string) =>
  `EXISTS (SELECT 1 FROM learner_access a WHERE a.learner_id = ${learner} AND a.organisation_id = ${organisation} AND a.ended_at IS NULL)`;

export interface AccessGrant {
  basis: string;
  grants: string[];
}

type Tx = Pick<Prisma.TransactionClient, 'learnerAccess'>;

/** The caller's open grants for a learner, merged, or undefined when the learner is not theirs to see. */
export async function grantFor(db: Tx, caller: Caller, learnerId: string): Promise<AccessGrant | undefined> {
  const rows = await db.learnerAccess.findMany({
    where: { learnerId, organisationId: caller.actingForId, ...OPEN_GRANT },
    select: { basis: true, grants: true },
  });
  if (rows.length === 0) return undefined;
  return { basis: rows.map((r) => r.basis).join('+'), grants: [...new Set(rows.flatMap((r) => r.grants))] };
}

export function assertMayWrite(
  grant: AccessGrant,
  kind: RecordKind,
  action: 'write' | 'delete' = 'write',
): void {
  const allowed =
    action === 'delete'
      ? grant.grants.includes('delete')
      : grant.grants.includes(kind) || (kind === 'learner' && grant.grants.includes('learner:school-fields'));
  if (!allowed) {
    throw new ProblemError(
      'forbidden',
      action === 'delete'
        ? `Only the learner's responsible authority deletes ${kind} records.`
        : `Your organisation's access to this learner (${grant.basis}) does not include writing ${kind} records.`,
    );
  }
}

/** A school may change only the fields it owns; anything else in its write is refused, by pointer. */
export function assertSchoolFieldsOnly(
  grant: AccessGrant,
  current: Record<string, unknown>,
  next: Record<string, unknown>,
) {
  if (grant.grants.includes('learner')) return;
  const owned = new Set<string>(SCHOOL_OWNED_FIELDS);
  const keys = new Set([...Object.keys(current), ...Object.keys(next)]);
  const issues: ValidationIssue[] = [...keys]
    .filter((k) => !owned.has(k) && !isDeepStrictEqual(current[k], next[k]))
    .map((k) => ({
      pointer: pointerOf(k),
      rule: 'not-school-owned',
      message: `A school may change ${SCHOOL_OWNED_FIELDS.join(', ')}; '${k}' belongs to the responsible authority.`,
    }));
  if (issues.length)
    throw new ProblemError('forbidden', 'The write changes fields a school does not own.', {
      errors: issues,
    });
}

/** The caller's own organisation must be the learner's responsible authority to create them. */
export async function assertIsResponsibleAuthority(
  db: Pick<Prisma.TransactionClient, 'organisation'>,
  caller: Caller,
  input: Record<string, unknown>,
): Promise<void> {
  const org =
    caller.actingFor ??
    (await db.organisation.findUnique({
      where: { id: caller.actingForId },
      select: { kind: true, laCode: true, name: true },
    }));
  assertCreatesOwnLearner(org, input);
}

/** The rule of assertIsResponsibleAuthority, for a caller whose organisation is already at hand (a bulk import's). */
export function assertCreatesOwnLearner(
  org: { kind: string; laCode: string | null; name: string } | null,
  input: Record<string, unknown>,
): void {
  const named = input.responsibleAuthority as { scheme?: string; code?: string } | undefined;
  if (org?.kind !== 'local-authority') {
    throw new ProblemError(
      'forbidden',
      'Only a local authority creates learners: the responsible authority is the corporate parent.',
    );
  }
  if (named?.code !== org.laCode) {
    throw new ProblemError(
      'forbidden',
      `${org.name} may create learners it is responsible for; this one names ${named?.code ?? 'no authority'}. Records move between authorities by transfer.`,
      {
        errors: [
          {
            pointer: '/responsibleAuthority/code',
            rule: 'responsible-authority-is-caller',
            message: `Must be ${org.laCode}.`,
          },
        ],
      },
    );
  }
}
