import { JURISDICTIONS, ORGANISATION_KINDS } from '@celr/schema';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import { PLATFORM_ORGANISATION_KINDS, SCOPES, type Scope } from '../auth/caller.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { notFound, ProblemError, validationProblem } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';
import {
  createClient,
  createOrganisation,
  grantDelegation,
  revokeClient,
  revokeDelegation,
  rotateSecret,
} from './organisations.js';

const Organisation = Type.Object({
  id: Type.String({ format: 'uuid', maxLength: 36 }),
  kind: Type.Enum(PLATFORM_ORGANISATION_KINDS, { type: 'string' }),
  name: Type.String({ maxLength: 2000 }),
  jurisdiction: Type.Union([Type.Enum(JURISDICTIONS, { type: 'string' }), Type.Null()]),
  laCode: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], {
    description: 'DfE LA code (England) or GSS council code (Scotland).',
  }),
  urn: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
  seedCode: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
  authorityId: Type.Union([Type.String({ format: 'uuid', maxLength: 36 }), Type.Null()], {
    description: 'For a school, the authority it sits in.',
  }),
});

const NewOrganisation = Type.Object(
  {
    kind: Type.Enum(ORGANISATION_KINDS, { type: 'string' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    jurisdiction: Type.Optional(Type.Enum(JURISDICTIONS, { type: 'string' })),
    laCode: Type.Optional(Type.String({ maxLength: 100, pattern: '^([0-9]{3}|S12[0-9]{6})$' })),
    urn: Type.Optional(Type.String({ maxLength: 100, pattern: '^[1-9][0-9]{5}$' })),
    seedCode: Type.Optional(Type.String({ maxLength: 100, pattern: '^[0-9]{7}$' })),
    authorityId: Type.Optional(Type.String({ format: 'uuid', maxLength: 36 })),
  },
  { additionalProperties: false },
);

const NewClient = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'What the client is, e.g. "Northbridge ePEP sync".',
    }),
    scopes: Type.Optional(
      Type.Array(Type.Enum(Object.keys(SCOPES), { type: 'string' }), {
        uniqueItems: true,
        maxItems: 20,
        description: 'Defaults to what the organisation kind needs.',
      }),
    ),
  },
  { additionalProperties: false },
);

const ClientSecret = Type.Object({
  clientId: Type.String({ maxLength: 2000 }),
  clientSecret: Type.String({ maxLength: 2000, description: 'Shown once; CELR stores only a hash of it.' }),
  scopes: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })),
});

const tags = ['Administration'];
const ClientParams = Type.Object(
  { clientId: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

/** Organisations, clients, secrets and delegations, for the platform operator. */
export function registerAdminRoutes(app: FastifyInstance, prisma: PrismaClient) {
  app.get(
    '/v1/admin/organisations',
    {
      schema: {
        operationId: 'listOrganisations',
        summary: 'List organisations',
        description:
          'Every registered organisation (local authorities, schools and vendors), oldest first, up to 1,000.',
        tags,
        response: {
          200: Type.Object({ items: Type.Array(Organisation, { maxItems: 1000 }) }),
          ...problemResponses(401, 403, 429),
        },
      },
    },
    async () => ({
      items: await prisma.organisation.findMany({
        orderBy: { createdAt: 'asc' },
        omit: { createdAt: true },
        take: 1000,
      }),
    }),
  );

  app.post(
    '/v1/admin/organisations',
    {
      schema: {
        operationId: 'createOrganisation',
        summary: 'Register an organisation',
        description:
          'Adds a local authority, school or vendor, with the code that identifies it under its scheme; a school may name the authority it belongs to (`authorityId`). 409 when an organisation with that code is already registered.',
        tags,
        body: NewOrganisation,
        response: { 201: Organisation, ...problemResponses(400, 401, 403, 409, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const { authorityId } = request.body as { authorityId?: string };
      // Checked here so the answer points at the field; a delete racing it still fails as a 422 (errors.ts).
      if (authorityId && !(await prisma.organisation.findUnique({ where: { id: authorityId } })))
        throw validationProblem([
          { pointer: '/authorityId', rule: 'authority-exists', message: 'No organisation has this id.' },
        ]);
      try {
        const org = await createOrganisation(prisma, request.body as never);
        const { createdAt: _, ...rest } = org;
        return reply.code(201).send(rest);
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new ProblemError('conflict', 'An organisation with this code is already registered.');
        }
        throw error;
      }
    },
  );

  app.post(
    '/v1/admin/organisations/:id/clients',
    {
      schema: {
        operationId: 'createApiClient',
        summary: 'Create an API client for an organisation',
        description: 'Returns the client secret once. Store it in a secrets manager.',
        tags,
        params: Type.Object(
          { id: Type.String({ format: 'uuid', maxLength: 36 }) },
          { additionalProperties: false },
        ),
        body: NewClient,
        response: { 201: ClientSecret, ...problemResponses(400, 401, 403, 404, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { name: string; scopes?: Scope[] };
      if (!(await prisma.organisation.findUnique({ where: { id }, select: { id: true } })))
        throw notFound('The organisation');
      const client = await createClient(prisma, { organisationId: id, name: body.name, scopes: body.scopes });
      reply.header('cache-control', 'no-store');
      return reply
        .code(201)
        .send({ clientId: client.clientId, clientSecret: client.secret, scopes: client.scopes });
    },
  );

  app.post(
    '/v1/admin/clients/:clientId/rotate-secret',
    {
      schema: {
        operationId: 'rotateClientSecret',
        summary: "Replace a client's secret",
        description: 'The old secret stops working at once; tokens already issued run to their expiry.',
        tags,
        params: ClientParams,
        response: { 200: ClientSecret, ...problemResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { clientId } = request.params as { clientId: string };
      if (!(await prisma.apiClient.findUnique({ where: { clientId }, select: { id: true } })))
        throw notFound('The client');
      const rotated = await rotateSecret(prisma, clientId);
      reply.header('cache-control', 'no-store');
      return { clientId, clientSecret: rotated.secret };
    },
  );

  app.post(
    '/v1/admin/clients/:clientId/revoke',
    {
      schema: {
        operationId: 'revokeApiClient',
        summary: 'Revoke a client',
        description: 'Its tokens stop working at once, on every API process.',
        tags,
        params: ClientParams,
        response: { 204: { type: 'null', description: 'Revoked' }, ...problemResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { clientId } = request.params as { clientId: string };
      if (!(await prisma.apiClient.findUnique({ where: { clientId }, select: { id: true } })))
        throw notFound('The client');
      await revokeClient(prisma, clientId);
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/admin/delegations',
    {
      schema: {
        operationId: 'createDelegation',
        summary: 'Let a vendor act for an organisation',
        description:
          "Records that the organisation delegates to the vendor: the vendor's clients may then act for it, with the `celr-on-behalf-of` header, within their own scopes.",
        tags,
        body: Type.Object(
          {
            vendorId: Type.String({ format: 'uuid', maxLength: 36 }),
            organisationId: Type.String({ format: 'uuid', maxLength: 36 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            vendorId: Type.String({ maxLength: 2000 }),
            organisationId: Type.String({ maxLength: 2000 }),
          }),
          ...problemResponses(400, 401, 403, 404, 409, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { vendorId, organisationId } = request.body as { vendorId: string; organisationId: string };
      const [vendor, org] = await Promise.all([
        prisma.organisation.findUnique({ where: { id: vendorId }, select: { kind: true } }),
        prisma.organisation.findUnique({ where: { id: organisationId }, select: { kind: true } }),
      ]);
      if (vendor?.kind !== 'vendor') throw notFound('The vendor');
      if (!org) throw notFound('The organisation');
      const { clientId, requestId } = callerOf(request);
      await grantDelegation(prisma, { vendorId, organisationId }, { clientId, requestId });
      return reply.code(201).send({ vendorId, organisationId });
    },
  );

  app.delete(
    '/v1/admin/delegations/:vendorId/:organisationId',
    {
      schema: {
        operationId: 'revokeDelegation',
        summary: 'Stop a vendor acting for an organisation',
        description:
          "The vendor's requests for the organisation are refused from now on, on every API process, and its bulk imports for the organisation stop before their next block. The delegation is kept, marked revoked, for the audit trail; `createDelegation` restores it.",
        tags,
        params: Type.Object(
          {
            vendorId: Type.String({ format: 'uuid', maxLength: 36 }),
            organisationId: Type.String({ format: 'uuid', maxLength: 36 }),
          },
          { additionalProperties: false },
        ),
        response: {
          204: { type: 'null', description: 'Revoked' },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const key = request.params as { vendorId: string; organisationId: string };
      const { clientId, requestId } = callerOf(request);
      if (!(await revokeDelegation(prisma, key, { clientId, requestId })))
        throw notFound('A delegation in force from this organisation to this vendor');
      return reply.code(204).send();
    },
  );
}
