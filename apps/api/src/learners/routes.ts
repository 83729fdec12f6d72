import { IDENTIFIER_SYSTEM_PATTERN, type RecordKind } from '@celr/schema';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import { requiredIfMatch } from '../http/etag.js';
import { nextLink, pageOf } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { problemResponses } from '../http/problem-responses.js';
import { bodyRef } from '../http/schema-ref.js';
import { sendWrite } from '../http/send-write.js';
import { filtersFrom, listQuery } from '../records/list-query.js';
import type { RecordService } from '../records/record-service.js';
import { COLLECTION, pageText } from '../records/representation.js';

const IdentifierParams = Type.Object(
  {
    system: Type.String({
      maxLength: 100,
      pattern: IDENTIFIER_SYSTEM_PATTERN,
      description: 'Identifier system, e.g. `upn` or `mis:example-mis`.',
    }),
    value: Type.String({ minLength: 1, maxLength: 64, description: 'The identifier.' }),
  },
  { additionalProperties: false },
);

/** What only learners have: sync by identifier, and the lists of a learner's own records. */
export function registerLearnerRoutes(fastify: FastifyInstance, service: RecordService) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.put(
    '/v1/learners-by-identifier/:system/:value',
    {
      schema: {
        operationId: 'upsertLearnerByIdentifier',
        summary: 'Create or replace a learner by identifier',
        description:
          'For MIS and ePEP sync: finds the learner your organisation holds with this identifier and replaces it (200), or creates it (201) when there is none. The body must carry the same identifier. `If-Match` is optional here; send it to refuse a stale overwrite, or `If-None-Match: *` to only create.',
        tags: ['Learners'],
        params: IdentifierParams,
        headers: Type.Object({
          'if-match': Type.Optional(Type.String({ maxLength: 2000, description: 'The ETag you read.' })),
          'if-none-match': Type.Optional(Type.Literal('*', { description: '`*` to create only.' })),
        }),
        body: bodyRef('LearnerInput'),
        response: {
          200: { $ref: 'Learner#' },
          201: { $ref: 'Learner#' },
          ...problemResponses(400, 401, 403, 409, 412, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { system, value } = request.params;
      const ifMatch = requiredIfMatch(request.headers['if-match'], false);
      const createOnly = request.headers['if-none-match'] === '*';
      const result = await service.upsertLearner(
        callerOf(request),
        system,
        value,
        request.body,
        ifMatch,
        createOnly,
      );
      return sendWrite(reply, result);
    },
  );

  for (const kind of ['plan', 'meeting', 'transition'] as const satisfies RecordKind[]) {
    const plural = COLLECTION[kind];
    const Name = kind.charAt(0).toUpperCase() + kind.slice(1);
    app.get(
      `/v1/learners/:id/${plural}`,
      {
        schema: {
          operationId: `listLearner${Name}s`,
          summary: `List a learner's ${plural}`,
          description: `The same as \`GET /v1/${plural}?learner={id}\`, with 404 when the learner is not one you may see.`,
          tags: ['Learners'],
          params: IdParams,
          querystring: listQuery(kind, false),
          response: { 200: pageOf(Name), ...problemResponses(400, 401, 403, 404, 410, 429) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const { id } = request.params;
        await service.read('learner', caller, id);
        const page = await service.list(kind, caller, filtersFrom(request.query, id));
        const next = nextLink(request, page.nextCursor);
        if (next) reply.header('link', `<${next}>; rel="next"`);
        // The records' text comes from the database (presentedSql), the page's around it: JSON text,
        // which the route's typed reply does not know (the schema still documents it).
        return reply.type('application/json; charset=utf-8').send(pageText(page.items, next) as never);
      },
    );
  }
}
