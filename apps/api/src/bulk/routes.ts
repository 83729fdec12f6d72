import type { Readable } from 'node:stream';
import { RECORD_KINDS } from '@celr/schema';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { AuditTrail } from '../audit/audit-trail.js';
import { callerOf } from '../auth/authenticate.js';
import type { ChangeFeed } from '../changes/feed.js';
import type { Database } from '../db/database.js';
import { linkNext } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { ProblemError } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';
import { COLLECTION } from '../records/representation.js';
import { type ExportSlots, exportRecords } from './export.js';
import { type BulkImports, type BulkLimits, presentImport } from './import-jobs.js';
import type { BulkImportWorker } from './import-worker.js';
import { DEFAULT_MAX_LINE_BYTES } from './line-screen.js';

export const NDJSON = 'application/x-ndjson';

const count = (description: string) => Type.Integer({ minimum: 0, maximum: 2147483647, description });
const KindEnum = (description: string) => Type.Enum([...RECORD_KINDS], { type: 'string', description });

const ImportJob = Type.Object(
  {
    id: Type.String({ format: 'uuid', maxLength: 36 }),
    status: Type.Enum(['queued', 'running', 'succeeded', 'partially-succeeded', 'failed'], {
      type: 'string',
      description:
        '`queued`, then `running`; then `succeeded` (every line written or already as sent), `partially-succeeded` (per-record: some lines failed or the job stopped part way, and the rest are written) or `failed` (nothing written: every line failed, an all-or-nothing import had a bad line, or the job stopped before writing anything). When the job stopped, `problem` says why.',
    }),
    mode: Type.Enum(['all-or-nothing', 'per-record'], { type: 'string' }),
    kind: Type.Optional(KindEnum('The kind of lines that do not say.')),
    lines: count('Records received (non-blank lines).'),
    bytes: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    progress: Type.Object({
      linesDone: count('Lines checked and, unless the import fails, written.'),
      percent: Type.Integer({ minimum: 0, maximum: 100 }),
    }),
    counts: Type.Object({
      created: count('Records created.'),
      updated: count('Records replaced with a new version.'),
      unchanged: count('Lines identical to the stored record: nothing to write.'),
      failed: count('Lines not written; `errors` says why.'),
    }),
    problem: Type.Optional(
      Type.Unsafe<object>({ $ref: 'Problem#', description: 'Why the import stopped, when it did.' }),
    ),
    createdAt: Type.String({ format: 'date-time', maxLength: 35 }),
    startedAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 35 })),
    finishedAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 35 })),
    links: Type.Object({
      self: Type.String({ maxLength: 100 }),
      errors: Type.String({ maxLength: 100, description: 'The issues of the lines that failed.' }),
    }),
    retryAfterSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 60, description: 'While the import runs: when to look again.' }),
    ),
  },
  {
    $id: 'BulkImport',
    title: 'BulkImport',
    description: 'A bulk import job: where it is, what it wrote and how many lines failed.',
  },
);

const LineIssue = Type.Object({
  line: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'Line of the file, from 1.' }),
  kind: Type.Optional(KindEnum('The kind of record the line was.')),
  pointer: Type.String({
    maxLength: 1000,
    description: "JSON Pointer into the line's record; empty for the whole line.",
  }),
  rule: Type.String({
    maxLength: 100,
    description:
      'The rule broken, as in single writes (e.g. `required`, `upn-check-letter`, `scope`), or one of the import itself: `line-too-long`, `json-depth`, `text-characters`, `database-refused` (the database refused the line), `line-unprocessable`, `line-crashed-worker` (the process running the import ended while it had the line in hand; the line was skipped).',
  }),
  message: Type.String({ maxLength: 2000 }),
});

/**
 * One line of an export, as `GET /v1/bulk/export` writes it and `POST /v1/bulk/import` reads it: a
 * record of one kind, tagged by that kind, as `GET` returns it. A component of its own, so that
 * generated clients have a type for a line; the export names it as the schema of each line.
 */
const ExportLine = {
  $id: 'ExportLine',
  title: 'ExportLine',
  description: 'One line of an NDJSON export: a record and its kind.',
  oneOf: RECORD_KINDS.map((kind) => {
    const name = `${kind[0]!.toUpperCase()}${kind.slice(1)}`;
    return {
      type: 'object',
      title: `ExportLine${name}`,
      properties: { kind: { const: kind, type: 'string' }, record: { $ref: `${name}#` } },
      required: ['kind', 'record'],
      additionalProperties: false,
    };
  }),
};

export interface BulkServices {
  db: Database;
  audit: AuditTrail;
  imports: BulkImports;
  worker: BulkImportWorker | undefined;
  feed: ChangeFeed;
  limits: BulkLimits;
  /** How many exports may run at once (export.ts, MAX_CONCURRENT_EXPORTS). */
  exports: ExportSlots;
}

export function registerBulkRoutes(root: FastifyInstance, services: BulkServices) {
  root.addSchema(ImportJob);
  root.addSchema(ExportLine);
  root.register(async (app) => bulkRoutes(app, services));
}

function bulkRoutes(fastify: FastifyInstance, services: BulkServices) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { imports, limits } = services;
  // Here only, the body is handed over as a stream: the import reads it as it arrives, never whole.
  app.addContentTypeParser(NDJSON, (_request, payload, done) => done(null, payload));

  app.post(
    '/v1/bulk/import',
    {
      bodyLimit: limits.maxBytes,
      schema: {
        operationId: 'createBulkImport',
        summary: 'Import records from an NDJSON file',
        description: `Starts a job that writes every line of an NDJSON file: one record per line, as \`GET /v1/bulk/export\` and \`celr export\` write them (\`{"kind":"learner","record":{...}}\`), or records with a \`kind\` member, or bare records of the \`kind\` named in the query. Up to ${limits.maxLines.toLocaleString('en-GB')} records and ${Math.round(limits.maxBytes / 1024 / 1024)} MiB per file. A line may be at most ${Math.round((limits.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) / 1024)} KiB and nest 64 deep; a longer or deeper one fails (\`line-too-long\`, \`json-depth\`) and the rest of the file is imported.\n\nEach line follows the rules of a single write: the write scope of its kind, the access rules of your organisation, and validation by @celr/schema. A line whose \`id\` is a record you can see (or one an earlier import made from a record with that id) replaces it; a learner with an identifier of a learner you can see replaces that learner; anything else is created. A line identical to the stored record writes nothing. \`learnerId\` and \`planId\` may name the id a record had in the file it came from.\n\n\`mode=all-or-nothing\` writes every line or none; \`mode=per-record\` writes the good lines and reports the bad ones. Answers 202 at once with the job (\`Location\`); follow it at \`GET /v1/bulk/import/{id}\` and read the failed lines (line, pointer, rule) at its \`errors\` link. Send \`Idempotency-Key\` so that a retried upload never runs twice.`,
        tags: ['Bulk'],
        consumes: [NDJSON],
        querystring: Type.Object(
          {
            mode: Type.Enum(['all-or-nothing', 'per-record'], {
              type: 'string',
              description:
                'What a bad line does: stop everything (`all-or-nothing`) or only itself (`per-record`).',
            }),
            kind: Type.Optional(KindEnum('The kind of lines that do not say which kind they are.')),
          },
          { additionalProperties: false },
        ),
        headers: Type.Object({
          'idempotency-key': Type.Optional(
            Type.String({
              maxLength: 255,
              description: 'A unique key; a retry with the same key and file returns the first job.',
            }),
          ),
        }),
        // A file, not a JSON string: `format: binary` makes generated clients send the bytes as
        // they are (a Blob or File) instead of JSON-encoding them into one line.
        body: Type.String({
          format: 'binary',
          contentMediaType: NDJSON,
          maxLength: limits.maxBytes,
          description:
            'One JSON record per line (UTF-8). Blank lines are skipped and still counted in line numbers.',
        }),
        response: {
          202: { description: 'The import is queued.', $ref: 'BulkImport#' },
          ...problemResponses(400, 401, 403, 413, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      if (!String(request.headers['content-type']).toLowerCase().startsWith(NDJSON)) {
        throw new ProblemError(
          'unsupported-media-type',
          `Send the file as ${NDJSON}: one JSON record per line.`,
        );
      }
      const { query } = request;
      const result = await imports.receive(
        caller,
        { mode: query.mode, kind: query.kind, idempotencyKey: request.headers['idempotency-key'] },
        // The body is documented as the NDJSON text it is, but the parser above hands it over as the stream.
        request.body as unknown as Readable,
      );
      services.worker?.wake();
      for (const [name, value] of Object.entries(result.headers)) reply.header(name, value);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.statusCode as 202).send(result.body);
    },
  );

  app.get(
    '/v1/bulk/import/:id',
    {
      schema: {
        operationId: 'getBulkImport',
        summary: 'Follow an import',
        description:
          'Where the import is: status, lines done, records created, updated and unchanged, lines failed. Poll until `status` is `succeeded`, `partially-succeeded` or `failed`; while it runs, `retryAfterSeconds` says when to look again. Only the client that submitted it sees it.',
        tags: ['Bulk'],
        params: IdParams,
        response: { 200: { $ref: 'BulkImport#' }, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const job = await imports.get(callerOf(request), request.params.id);
      const view = presentImport(job);
      if (view.retryAfterSeconds) reply.header('retry-after', String(view.retryAfterSeconds));
      return view;
    },
  );

  app.get(
    '/v1/bulk/import/:id/errors',
    {
      schema: {
        operationId: 'listBulkImportErrors',
        summary: "The issues of an import's failed lines",
        description:
          "Each issue of each line that failed, in line order: the line, the JSON Pointer into the line's record and the rule broken, as a single write would report them. The first 10,000 issues are kept; `counts.failed` on the import stays exact.",
        tags: ['Bulk'],
        params: IdParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'Issues per page.' }),
            ),
            after: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: Number.MAX_SAFE_INTEGER,
                description: 'Position from a `next` link.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(LineIssue, { maxItems: 1000 }),
            next: Type.Optional(
              Type.String({
                maxLength: 2000,
                description: 'Link to the next page; absent on the last page.',
              }),
            ),
          }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { query } = request;
      const limit = query.limit ?? 200;
      const page = await imports.errors(callerOf(request), id, query.after, limit);
      const next = linkNext(
        reply,
        page.after !== undefined
          ? `/v1/bulk/import/${id}/errors?after=${page.after}&limit=${limit}`
          : undefined,
      );
      return { items: page.items, ...(next ? { next } : {}) };
    },
  );

  app.get(
    '/v1/bulk/export',
    {
      schema: {
        operationId: 'exportRecords',
        summary: 'Export everything you may see as NDJSON',
        description:
          'Streams every record your organisation may see, or the kinds, learner or recent changes asked for, as NDJSON: one `{"kind":"learner","record":{...}}` per line, each record as `GET` returns it. Learners come before their plans, meetings and transitions, so `POST /v1/bulk/import` (or `celr import`) loads the file as it is. The response is sent as it is read, in constant memory, however large the cohort; a response cut short ends without its final chunk, so a client can tell. The `CELR-Changes-Cursor` header is the change feed position the export began at: follow `GET /v1/changes?after=` from it to catch anything written during or after the export.',
        tags: ['Bulk'],
        querystring: Type.Object(
          {
            kind: Type.Optional(
              Type.Array(KindEnum('A kind of record.'), {
                maxItems: 4,
                description:
                  'Only these kinds (repeat the parameter). Default: every kind your token may read.',
              }),
            ),
            learner: Type.Optional(
              Type.String({
                format: 'uuid',
                maxLength: 36,
                description: 'Only this learner and their records.',
              }),
            ),
            updatedSince: Type.Optional(
              Type.String({
                format: 'date-time',
                maxLength: 35,
                description: 'Only records changed at or after this time.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'The records, one per line.',
            headers: {
              'celr-changes-cursor': {
                type: 'string',
                maxLength: 100,
                description:
                  'The change feed position this export began at; pass it as `after` to GET /v1/changes.',
              },
            },
            content: {
              [NDJSON]: {
                // The bytes, as the import body is: generated clients hand over a Blob or a stream
                // (hey-api reads an application/* answer as a Blob, orval returns the Response), not
                // a JSON value, since the body is many JSON texts, not one.
                schema: {
                  type: 'string',
                  format: 'binary',
                  contentMediaType: NDJSON,
                  maxLength: Number.MAX_SAFE_INTEGER,
                  description:
                    'NDJSON: one `ExportLine` per line, each ending with a newline, as long as what you may see.',
                },
                // What each line is. OpenAPI 3.2 says it with `itemSchema`; this document is 3.1, where
                // the OpenAPI Initiative's registered extension x-oai-itemSchema says the same.
                'x-oai-itemSchema': { $ref: '#/components/schemas/ExportLine' },
              },
            },
          },
          ...problemResponses(400, 401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { query } = request;
      const readable = RECORD_KINDS.filter((k) => caller.scopes.has(`${COLLECTION[k]}:read`));
      const kinds = query.kind?.length ? [...new Set(query.kind)] : readable;
      const missing = kinds.filter((k) => !readable.includes(k));
      if (missing.length) {
        const scope = `${COLLECTION[missing[0]!]}:read`;
        throw new ProblemError(
          'forbidden',
          `Exporting ${missing.join(', ')} records needs the '${scope}' scope.`,
          {
            headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
          },
        );
      }
      const cursor = await services.feed.head();
      // Held until the response stream closes: ended, failed, or its client gone.
      const release = services.exports.take();
      const stream = exportRecords(services.db, services.audit, caller, {
        kinds,
        learnerId: query.learner,
        updatedSince: query.updatedSince ? new Date(query.updatedSince) : undefined,
      });
      stream.once('close', release);
      reply.header('content-type', `${NDJSON}; charset=utf-8`);
      reply.header('celr-changes-cursor', cursor);
      // The 200 is documented as the NDJSON text it is; it is sent as the stream that makes it.
      return reply.send(stream as unknown as string);
    },
  );
}
