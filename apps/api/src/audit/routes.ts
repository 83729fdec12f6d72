import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { fitsBigint } from '../http/cursor.js';
import { nextLink } from '../http/pagination.js';
import { notFound, ProblemError } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';
import type { AuditTrail } from './audit-trail.js';

const AuditQuery = Type.Object(
  {
    learner: Type.String({
      format: 'uuid',
      maxLength: 36,
      description: 'The learner whose audit trail to read.',
    }),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 500,
        default: 100,
        description: 'Events per page (1-500, default 100).',
      }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 2000, description: 'Opaque position from a `next` link.' }),
    ),
    since: Type.Optional(
      Type.String({ format: 'date-time', maxLength: 35, description: 'Only events at or after this time.' }),
    ),
  },
  { additionalProperties: false },
);

const AuditEvent = Type.Object({
  id: Type.String({ maxLength: 2000, description: 'Position of the event in the trail.' }),
  at: Type.String({ format: 'date-time', maxLength: 35 }),
  requestId: Type.String({ maxLength: 2000, description: 'The request that caused it (X-Request-Id).' }),
  clientId: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], { description: 'The API client.' }),
  organisationId: Type.Union([Type.String({ format: 'uuid', maxLength: 36 }), Type.Null()], {
    description: 'The organisation the client acted for.',
  }),
  action: Type.String({
    maxLength: 2000,
    description: 'create, read, list, history, read-version, replace, patch, delete, ...',
  }),
  recordKind: Type.String({ maxLength: 2000 }),
  recordId: Type.Union([Type.String({ format: 'uuid', maxLength: 36 }), Type.Null()]),
  recordVersion: Type.Union([Type.Integer({ minimum: 0, maximum: 2147483647 }), Type.Null()]),
  learnerId: Type.Union([Type.String({ format: 'uuid', maxLength: 36 }), Type.Null()]),
  outcome: Type.String({
    maxLength: 2000,
    description: '`success`, or `denied` when the caller could not see the record.',
  }),
});

const cursorOf = (id: bigint) => Buffer.from(`a${id}`).toString('base64url');
function afterId(cursor: string | undefined): bigint | undefined {
  if (!cursor) return undefined;
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^a\d{1,19}$/.test(raw) || !fitsBigint(raw.slice(1))) {
    throw new ProblemError('invalid-query', 'The cursor is not one this API handed out.', {
      errors: [
        { pointer: '/cursor', rule: 'cursor', message: 'Not a cursor from a `next` link.', in: 'query' },
      ],
    });
  }
  return BigInt(raw.slice(1));
}

export function registerAuditRoutes(fastify: FastifyInstance, prisma: PrismaClient, audit: AuditTrail) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/audit-events',
    {
      schema: {
        operationId: 'listAuditEvents',
        summary: "Read a learner's audit trail",
        description:
          "Every read and write of the learner's records, oldest first: who (client and organisation), what (action, record kind, id and version), when, the outcome and the request id. Events hold ids only, no personal data. Only the learner's responsible authority may read it.",
        tags: ['Audit'],
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            items: Type.Array(AuditEvent, { maxItems: 500 }),
            next: Type.Optional(Type.String({ maxLength: 2000 })),
          }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { query } = request;
      // Parameters are checked before the database is asked anything.
      const after = afterId(query.cursor);
      const responsible = await prisma.learnerAccess.findFirst({
        where: {
          learnerId: query.learner,
          organisationId: caller.actingForId,
          basis: 'responsible',
          endedAt: null,
        },
        select: { id: true },
      });
      if (!responsible) throw notFound('The learner');
      const limit = query.limit ?? 100;
      const rows = await prisma.auditEvent.findMany({
        where: {
          learnerId: query.learner,
          ...(after !== undefined ? { id: { gt: after } } : {}),
          ...(query.since ? { at: { gte: new Date(query.since) } } : {}),
        },
        orderBy: { id: 'asc' },
        take: limit + 1,
      });
      const page = rows.slice(0, limit);
      await audit.read(caller, {
        action: 'audit-read',
        recordKind: 'learner',
        recordId: query.learner,
        learnerId: query.learner,
      });
      const next = rows.length > limit ? nextLink(request, cursorOf(page.at(-1)!.id)) : undefined;
      if (next) reply.header('link', `<${next}>; rel="next"`);
      return {
        items: page.map((e) => ({ ...e, id: e.id.toString(), at: e.at.toISOString() })),
        ...(next ? { next } : {}),
      };
    },
  );
}
