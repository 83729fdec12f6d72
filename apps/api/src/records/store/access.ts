import { GRANTS, OPEN_GRANT } from '../../auth/access.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { logAccessChange } from './feed.js';
import { type Register, refKey } from './organisations.js';

type Tx = Pick<
  Prisma.TransactionClient,
  'learnerAccess' | 'organisation' | '$executeRawUnsafe' | '$queryRawUnsafe'
>;
type Data = Record<string, unknown>;

/**
 * Gives an organisation a grant for a learner, unless it holds one on that basis already; the feed
 * says the learner became visible to it when it held no open grant before. Returns whether a
 * grant was added.
 */
export async function grantAccess(
  tx: Tx,
  learnerId: string,
  organisationId: string,
  basis: string,
  grants: string[],
): Promise<boolean> {
  const open = await tx.learnerAccess.findMany({
    where: { learnerId, organisationId, ...OPEN_GRANT },
    select: { basis: true },
  });
  if (open.some((g) => g.basis === basis)) return false;
  if (!open.length) await logAccessChange(tx, learnerId, organisationId, 'visible');
  await tx.learnerAccess.create({ data: { learnerId, organisationId, basis, grants } });
  return true;
}

/** Ends an organisation's open grants of one basis; the feed says so when it can see the learner no more. */
export async function endAccess(
  tx: Tx,
  learnerId: string,
  organisationId: string,
  basis: string,
): Promise<boolean> {
  const ended = await tx.learnerAccess.updateMany({
    where: { learnerId, organisationId, basis, ...OPEN_GRANT },
    data: { endedAt: new Date() },
  });
  if (!ended.count) return false;
  const still = await tx.learnerAccess.count({ where: { learnerId, organisationId, ...OPEN_GRANT } });
  if (!still) await logAccessChange(tx, learnerId, organisationId, 'hidden');
  return true;
}

/** An open grant changes its basis and what it allows (a former responsible authority keeps reading). */
export async function changeAccess(
  tx: Tx,
  learnerId: string,
  organisationId: string,
  from: string,
  to: { basis: string; grants: string[] },
): Promise<void> {
  await tx.learnerAccess.updateMany({
    where: { learnerId, organisationId, basis: from, ...OPEN_GRANT },
    data: to,
  });
}

/** The school a learner's enrolment names, as `scheme|code`. */
export function schoolKey(data: Data): string | undefined {
  const school = (data.enrolment as { school?: { scheme?: string; code?: string } } | undefined)?.school;
  return school && (school.scheme === 'urn' || school.scheme === 'seed-code') ? refKey(school) : undefined;
}

/**
 * Keeps the school grant in step with the learner's enrolment: the school on roll gets access,
 * a school the learner has left loses it. Called by the store whenever the enrolled school changes.
 */
export async function syncSchoolAccess(tx: Tx, learnerId: string, data: Data, register: Register) {
  const key = schoolKey(data);
  const school = key ? register.get(key) : undefined;
  const schoolId = school?.kind === 'school' ? school.id : undefined;
  const open = await tx.learnerAccess.findMany({
    where: { learnerId, basis: 'school', ...OPEN_GRANT },
    select: { organisationId: true },
  });
  const ended = [...new Set(open.map((g) => g.organisationId).filter((id) => id !== schoolId))];
  for (const organisationId of ended) await endAccess(tx, learnerId, organisationId, 'school');
  const started = schoolId && !open.some((g) => g.organisationId === schoolId) ? [schoolId] : [];
  for (const organisationId of started)
    await grantAccess(tx, learnerId, organisationId, 'school', GRANTS.school);
  return { started, ended };
}
