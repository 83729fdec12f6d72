import type { RecordKind } from '@celr/schema';
import { VERSION_CHANGES } from '@celr/schema';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import { etagOf, matchesIfNoneMatch, requiredIfMatch } from '../http/etag.js';
import { idempotencyRequest } from '../http/idempotency.js';
import { nextLink, pageOf } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { ProblemError } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';
import { bodyRef, ref } from '../http/schema-ref.js';
import { sendWrite } from '../http/send-write.js';
import { MAX_VERSIONS } from './limits.js';
import { filtersFrom, listQuery } from './list-query.js';
import type { RecordService } from './record-service.js';
import { COLLECTION, pageText, present } from './representation.js';

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const VersionParams = Type.Object(
  {
    id: Type.String({ format: 'uuid', maxLength: 36 }),
    version: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'Version number.' }),
  },
  { additionalProperties: false },
);

const VersionList = Type.Object({
  items: Type.Array(
    Type.Object({
      version: Type.Integer({ minimum: 0, maximum: 2147483647 }),
      change: Type.Enum(VERSION_CHANGES, {
        type: 'string',
        description: 'What the change was.',
      }),
      changedAt: Type.String({ format: 'date-time', maxLength: 35 }),
      recordedBy: Type.Object({ organisationId: Type.String({ format: 'uuid', maxLength: 36 }) }),
    }),
    { maxItems: MAX_VERSIONS, description: `Versions, oldest first (at most ${MAX_VERSIONS}).` },
  ),
});

const headerDoc = {
  ifMatch: Type.String({
    maxLength: 200,
    description: 'The ETag you read. Required: the change is refused (412) if the record changed since.',
  }),
  idempotencyKey: Type.String({
    maxLength: 255,
    description:
      'A unique key (e.g. a UUID). A retry with the same key and body returns the first response instead of creating twice.',
  }),
};

/** The create, read, replace, patch, delete, list and history operations of one record kind. */
export function registerRecordRoutes(fastify: FastifyInstance, kind: RecordKind, service: RecordService) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const Name = cap(kind);
  const plural = COLLECTION[kind];
  const base = `/v1/${plural}`;
  const tags = [`${cap(plural)}`];
  const body = bodyRef(`${Name}Input`);

  app.post(
    base,
    {
      schema: {
        operationId: `create${Name}`,
        summary: `Create a ${kind}`,
        description: `Validates the ${kind} against @celr/schema and stores version 1. Send \`Idempotency-Key\` so that a retry never creates it twice.`,
        tags,
        headers: Type.Object({ 'idempotency-key': Type.Optional(headerDoc.idempotencyKey) }),
        body,
        response: {
          201: {
            ...ref(Name),
            description: `The ${kind} as stored, with \`Location\` and \`ETag\` headers.`,
          },
          ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const idem = idempotencyRequest(request.headers['idempotency-key'], caller, 'POST', base, request.body);
      return sendWrite(reply, await service.create(kind, caller, request.body, idem));
    },
  );

  app.get(
    base,
    {
      schema: {
        operationId: `list${cap(plural)}`,
        summary: `List ${plural}`,
        description: `The ${plural} your organisation may see, oldest change first, so that \`updatedSince\` and the \`next\` link never skip a change. Deleted records are left out.`,
        tags,
        querystring: listQuery(kind, kind !== 'learner'),
        response: { 200: pageOf(Name), ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const page = await service.list(kind, caller, filtersFrom(request.query));
      const next = nextLink(request, page.nextCursor);
      if (next) reply.header('link', `<${next}>; rel="next"`);
      // The records' text comes from the database (presentedSql), the page's around it: JSON text,
      // which the route's typed reply does not know (the schema still documents it).
      return reply.type('application/json; charset=utf-8').send(pageText(page.items, next) as never);
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        operationId: `get${Name}`,
        summary: `Read a ${kind}`,
        description:
          'Returns the current version with its `ETag`. With `If-None-Match` set to that ETag, 304 when unchanged.',
        tags,
        params: IdParams,
        headers: Type.Object({
          'if-none-match': Type.Optional(Type.String({ maxLength: 2000, description: 'An ETag you hold.' })),
        }),
        response: {
          200: ref(Name),
          304: Type.Unsafe<undefined>({ type: 'null', description: 'Not modified' }),
          ...problemResponses(401, 403, 404, 410, 429),
        },
      },
    },
    async (request, reply) => {
      const row = await service.read(kind, callerOf(request), request.params.id);
      reply.header('etag', etagOf(row.version));
      if (matchesIfNoneMatch(request.headers['if-none-match'], row.version)) return reply.code(304).send();
      return present(row);
    },
  );

  app.put(
    `${base}/:id`,
    {
      schema: {
        operationId: `replace${Name}`,
        summary: `Replace a ${kind}`,
        description:
          'Replaces the whole record. `If-Match` is required (428 without it, 412 when the record has changed).',
        tags,
        params: IdParams,
        headers: Type.Object({ 'if-match': Type.Optional(headerDoc.ifMatch) }),
        body,
        response: { 200: ref(Name), ...problemResponses(400, 401, 403, 404, 410, 412, 415, 422, 428, 429) },
      },
    },
    async (request, reply) => {
      const ifMatch = requiredIfMatch(request.headers['if-match']);
      const id = request.params.id;
      return sendWrite(reply, await service.replace(kind, callerOf(request), id, request.body, ifMatch));
    },
  );

  app.patch(
    `${base}/:id`,
    {
      preValidation: requireMergePatchType,
      schema: {
        operationId: `patch${Name}`,
        summary: `Change part of a ${kind} (JSON merge patch)`,
        description:
          'An RFC 7396 merge patch (`Content-Type: application/merge-patch+json`): members replace, `null` removes. The result must be a valid record. `If-Match` is required.',
        tags,
        params: IdParams,
        headers: Type.Object({ 'if-match': Type.Optional(headerDoc.ifMatch) }),
        body: bodyRef(`${Name}Patch`, 'application/merge-patch+json'),
        response: { 200: ref(Name), ...problemResponses(400, 401, 403, 404, 410, 412, 415, 422, 428, 429) },
      },
    },
    async (request, reply) => {
      const ifMatch = requiredIfMatch(request.headers['if-match']);
      const id = request.params.id;
      return sendWrite(reply, await service.patch(kind, callerOf(request), id, request.body, ifMatch));
    },
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        operationId: `delete${Name}`,
        summary: `Delete a ${kind}`,
        description:
          'Leaves a tombstone: later reads give 410 and the history stays readable. `If-Match` is honoured when sent.',
        tags,
        params: IdParams,
        headers: Type.Object({ 'if-match': Type.Optional(headerDoc.ifMatch) }),
        response: {
          204: Type.Unsafe<undefined>({ type: 'null', description: 'Deleted' }),
          ...problemResponses(401, 403, 404, 409, 410, 412, 429),
        },
      },
    },
    async (request, reply) => {
      const ifMatch = requiredIfMatch(request.headers['if-match'], false);
      await service.remove(kind, callerOf(request), request.params.id, ifMatch);
      return reply.code(204).send();
    },
  );

  app.get(
    `${base}/:id/versions`,
    {
      schema: {
        operationId: `list${Name}Versions`,
        summary: `History of a ${kind}`,
        description: 'Every version, oldest first, including the deletion if there was one.',
        tags,
        params: IdParams,
        response: { 200: VersionList, ...problemResponses(401, 403, 404, 429) },
      },
    },
    async (request) => ({
      items: await service.versions(kind, callerOf(request), request.params.id),
    }),
  );

  app.get(
    `${base}/:id/versions/:version`,
    {
      schema: {
        operationId: `get${Name}Version`,
        summary: `Read one version of a ${kind}`,
        description: `The ${kind} as it was at that version (the version numbers are in its history, \`GET ${base}/{id}/versions\`), with the version as its ETag.`,
        tags,
        params: VersionParams,
        response: { 200: ref(Name), ...problemResponses(401, 403, 404, 410, 429) },
      },
    },
    async (request, reply) => {
      const { id, version } = request.params;
      const record = await service.version(kind, callerOf(request), id, version);
      reply.header('etag', etagOf(version));
      return record;
    },
  );
}

/** RFC 7396 names its media type; a plain JSON body may be meant as a whole record, so it is refused. */
async function requireMergePatchType(request: FastifyRequest) {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/merge-patch+json') {
    throw new ProblemError(
      'unsupported-media-type',
      'PATCH takes a JSON merge patch: send Content-Type: application/merge-patch+json.',
    );
  }
}
