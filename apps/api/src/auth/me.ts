import { ORGANISATION_SCHEMES, type OrganisationScheme } from '@celr/schema';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { PrismaClient } from '../generated/prisma/client.js';
import { problemResponses } from '../http/problem-responses.js';
import { ref } from '../http/schema-ref.js';
import { refOf } from '../transfers/organisation-ref.js';
import { callerOf } from './authenticate.js';
import { type Caller, PLATFORM_ORGANISATION_KINDS } from './caller.js';

const Id = Type.String({ format: 'uuid', maxLength: 36 });
const Name = Type.String({ maxLength: 2000 });
const CodeScheme = Type.Union(
  [Type.Enum(Object.keys(ORGANISATION_SCHEMES), { type: 'string' }), Type.Null()],
  {
    description:
      'How `code` identifies the organisation, as organisation references in records do; null for the platform operator.',
  },
);
const Code = Type.Union([Type.String({ maxLength: 64 }), Type.Null()], {
  description:
    'Its public code under `scheme`: a DfE LA code or GSS council code, a school URN or SEED code, or the CELR name of a vendor.',
});

const Organisation = Type.Object({
  id: Id,
  name: Name,
  kind: Type.Enum(PLATFORM_ORGANISATION_KINDS, { type: 'string' }),
  scheme: CodeScheme,
  code: Code,
});

export const Me = Type.Object(
  {
    client: Type.Object({
      id: Type.String({ maxLength: 2000, description: 'The OAuth `client_id`.' }),
      name: Name,
    }),
    organisation: Organisation,
    scopes: Type.Array(Type.String({ maxLength: 50 }), {
      maxItems: 50,
      description: 'The scopes of this token.',
    }),
    actingFor: Type.Object(
      { id: Id, name: Name, kind: Type.Enum(PLATFORM_ORGANISATION_KINDS, { type: 'string' }) },
      {
        description:
          'The organisation this request acts for: the client’s own, or the one named in `CELR-On-Behalf-Of`.',
      },
    ),
    delegatedBy: Type.Array(Type.Object({ id: Id, name: Name, scheme: CodeScheme, code: Code }), {
      maxItems: 10000,
      description:
        'For a vendor, the organisations that have delegated to it (and not revoked it): send one of these ids as `CELR-On-Behalf-Of` to act for it. Empty for any other client.',
    }),
  },
  {
    $id: 'Me',
    title: 'Me',
    description: 'Who a token is for: the answer of `GET /v1/me`.',
    additionalProperties: false,
  },
);
export type Me = Static<typeof Me>;

type OrganisationRow = Parameters<typeof refOf>[0];

/**
 * An organisation's public code, as bundles and organisation references name it (transfers use the
 * same function); the platform operator is never named in records, so it has none.
 */
function codeOf(org: OrganisationRow): { scheme: OrganisationScheme | null; code: string | null } {
  if (org.kind === 'operator') return { scheme: null, code: null };
  const { scheme, code } = refOf(org);
  return { scheme, code };
}

const ORGANISATION = {
  id: true,
  name: true,
  kind: true,
  laCode: true,
  urn: true,
  seedCode: true,
  jurisdiction: true,
} as const;

/** Who the caller is, as the database has it now (the caller was resolved against it for this request). */
export async function describeCaller(prisma: PrismaClient, caller: Caller): Promise<Me> {
  const [client, actingFor, delegations] = await Promise.all([
    prisma.apiClient.findUniqueOrThrow({
      where: { clientId: caller.clientId },
      select: { name: true, organisation: { select: ORGANISATION } },
    }),
    prisma.organisation.findUniqueOrThrow({
      where: { id: caller.actingForId },
      select: { id: true, name: true, kind: true },
    }),
    caller.organisationKind === 'vendor'
      ? prisma.delegation.findMany({
          where: { vendorId: caller.organisationId, revokedAt: null },
          select: { organisation: { select: ORGANISATION } },
          orderBy: { createdAt: 'asc' },
          take: 10000,
        })
      : [],
  ]);
  const org = client.organisation;
  return {
    client: { id: caller.clientId, name: client.name },
    organisation: { id: org.id, name: org.name, kind: org.kind as never, ...codeOf(org) },
    scopes: [...caller.scopes].sort(),
    actingFor: { id: actingFor.id, name: actingFor.name, kind: actingFor.kind as never },
    delegatedBy: delegations.map(({ organisation: o }) => ({ id: o.id, name: o.name, ...codeOf(o) })),
  };
}

export function registerMeRoute(app: FastifyInstance, prisma: PrismaClient) {
  app.addSchema(Me);
  app.get(
    '/v1/me',
    {
      schema: {
        operationId: 'getMe',
        summary: 'Who am I',
        description:
          'The client behind the token, its organisation and scopes, and, for a vendor, the organisations it may act for: the ids to send as `CELR-On-Behalf-Of`. Needs no scope.',
        tags: ['Authentication'],
        response: { 200: ref('Me'), ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return describeCaller(prisma, callerOf(request));
    },
  );
}
