import { type AdministrativeEvent, writeAdministrativeEvent } from '../audit/audit-trail.js';
import type { OrganisationKind, Scope } from '../auth/caller.js';
import { SCOPES } from '../auth/caller.js';
import { hashSecret, newClientId, newSecret } from '../auth/secrets.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export interface NewOrganisation {
  kind: OrganisationKind;
  name: string;
  jurisdiction?: 'england' | 'scotland';
  laCode?: string;
  urn?: string;
  seedCode?: string;
  authorityId?: string;
}

export function createOrganisation(prisma: PrismaClient, org: NewOrganisation) {
  return prisma.organisation.create({ data: org });
}

/** The records an MIS reads and writes for a school: its learners' school fields, plans and meetings. */
const SCHOOL_RECORD_SCOPES: Scope[] = [
  'learners:read',
  'learners:write',
  'plans:read',
  'plans:write',
  'meetings:read',
  'meetings:write',
  'transitions:read',
];

/** Scopes a new client of each kind of organisation gets unless told otherwise. */
export const DEFAULT_SCOPES: Record<OrganisationKind, Scope[]> = {
  'local-authority': (Object.keys(SCOPES) as Scope[]).filter((s) => s !== 'admin'),
  school: [...SCHOOL_RECORD_SCOPES, 'webhooks:manage'],
  // The operator loads an authority's compliance policy and term dates when it asks.
  operator: ['admin', 'compliance:manage'],
  // A vendor acts for schools and authorities alike; what it may do is bounded by the delegating
  // organisation's grants, so its client may also hold transitions:write.
  vendor: [...SCHOOL_RECORD_SCOPES, 'transitions:write', 'webhooks:manage'],
};

/** Creates an API client and returns its secret: the only time the secret is ever seen. */
export async function createClient(
  prisma: PrismaClient,
  // Each optional member may be given as undefined: callers pass a flag or a body member straight on.
  input: {
    organisationId: string;
    name: string;
    scopes?: Scope[] | undefined;
    clientId?: string | undefined;
    secret?: string | undefined;
  },
) {
  const org = await prisma.organisation.findUniqueOrThrow({ where: { id: input.organisationId } });
  const secret = input.secret ?? newSecret();
  const client = await prisma.apiClient.create({
    data: {
      clientId: input.clientId ?? newClientId(org.kind === 'local-authority' ? 'la' : org.kind),
      organisationId: org.id,
      name: input.name,
      secretHash: await hashSecret(secret),
      scopes: input.scopes ?? DEFAULT_SCOPES[org.kind as OrganisationKind],
    },
  });
  return { clientId: client.clientId, secret, scopes: client.scopes };
}

export async function rotateSecret(prisma: PrismaClient, clientId: string) {
  const secret = newSecret();
  await prisma.apiClient.update({
    where: { clientId },
    data: { secretHash: await hashSecret(secret), secretRotatedAt: new Date() },
  });
  return { clientId, secret };
}

/**
 * Revokes a client. Revoking it again keeps the first time, which is when it stopped being trusted
 * (what an investigation asks). Undefined when there is no such client.
 */
export async function revokeClient(prisma: PrismaClient, clientId: string) {
  await prisma.apiClient.updateMany({
    where: { clientId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return (
    (await prisma.apiClient.findUnique({ where: { clientId }, select: { revokedAt: true } })) ?? undefined
  );
}

/**
 * Who changes a delegation, for its audit event: an operator's client over the API, or celr-admin
 * working on the database (no client, a request id of its own).
 */
export interface DelegationActor {
  requestId: string;
  clientId: string | null;
}

export interface DelegationKey {
  vendorId: string;
  organisationId: string;
}

/**
 * The audit event of a change to a delegation. It is filed under the organisation that delegated,
 * since it is that organisation's records the vendor gains or loses; the record is the vendor. The
 * event carries ids only, like every audit event.
 */
function delegationEvent(
  actor: DelegationActor,
  key: DelegationKey,
  action: 'delegate' | 'revoke',
): AdministrativeEvent {
  return {
    requestId: actor.requestId,
    clientId: actor.clientId,
    organisationId: key.organisationId,
    action: `delegation-${action}`,
    recordKind: 'delegation',
    recordId: key.vendorId,
  };
}

/** Lets a vendor act for an organisation, or restores a delegation that was revoked. */
export function grantDelegation(prisma: PrismaClient, key: DelegationKey, actor: DelegationActor) {
  return prisma.$transaction(async (tx) => {
    await tx.delegation.upsert({
      where: { vendorId_organisationId: key },
      create: key,
      update: { revokedAt: null },
    });
    await writeAdministrativeEvent(tx, delegationEvent(actor, key, 'delegate'));
  });
}

/**
 * Withdraws a delegation. The row stays, with the time it was revoked, so the audit trail can still
 * say who could act for whom and when. Access stops at once: every request and every bulk import
 * block resolves its caller against the delegations in force (auth/resolve-caller.ts).
 * Returns false when there was no delegation in force to revoke.
 */
export function revokeDelegation(
  prisma: PrismaClient,
  key: DelegationKey,
  actor: DelegationActor,
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.delegation.updateMany({
      where: { ...key, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) return false;
    await writeAdministrativeEvent(tx, delegationEvent(actor, key, 'revoke'));
    return true;
  });
}
