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

/** Scopes a new client of each kind of organisation gets unless told otherwise. */
export const DEFAULT_SCOPES: Record<OrganisationKind, Scope[]> = {
  'local-authority': (Object.keys(SCOPES) as Scope[]).filter((s) => s !== 'admin'),
  school: [
    'learners:read',
    'learners:write',
    'plans:read',
    'plans:write',
    'meetings:read',
    'meetings:write',
    'transitions:read',
    'webhooks:manage',
  ],
  operator: ['admin'],
  vendor: [
    'learners:read',
    'learners:write',
    'plans:read',
    'plans:write',
    'meetings:read',
    'meetings:write',
    'transitions:read',
    'transitions:write',
    'webhooks:manage',
  ],
};

/** Creates an API client and returns its secret: the only time the secret is ever seen. */
export async function createClient(
  prisma: PrismaClient,
  input: { organisationId: string; name: string; scopes?: Scope[]; clientId?: string; secret?: string },
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

export function revokeClient(prisma: PrismaClient, clientId: string) {
  return prisma.apiClient.update({ where: { clientId }, data: { revokedAt: new Date() } });
}
