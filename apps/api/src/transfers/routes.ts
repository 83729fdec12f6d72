import {
  BUNDLE_SIGNATURE_STATES,
  OrganisationRef,
  TRANSFER_DIRECTIONS,
  TRANSFER_REASONS,
  TRANSFER_RECIPIENT_SCHEMES,
  TRANSFER_STATUSES,
  TransferReasonSchema,
  TransferResult,
} from '@celr/schema';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { idempotencyRequest } from '../http/idempotency.js';
import { nextLink } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { problemResponses } from '../http/problem-responses.js';
import { sendWrite } from '../http/send-write.js';
import type { SendRequest, TransferService } from './transfer-service.js';

const Ref = Type.Object(
  {
    scheme: Type.Enum(TRANSFER_RECIPIENT_SCHEMES, {
      type: 'string',
      description: 'How `code` names the organisation.',
    }),
    code: Type.String({ minLength: 1, maxLength: 20, description: 'Its code under that scheme.' }),
  },
  {
    additionalProperties: false,
    description: 'The recipient: an authority by LA or council code, a school by URN or SEED code.',
  },
);

const Ids = (what: string) =>
  Type.Optional(
    Type.Array(Type.String({ format: 'uuid', maxLength: 36 }), {
      maxItems: 5000,
      uniqueItems: true,
      description: `Which ${what} go; all of them when absent.`,
    }),
  );

const SendBody = Type.Object(
  {
    learnerId: Type.String({ format: 'uuid', maxLength: 36, description: 'The learner whose records go.' }),
    recipient: Ref,
    reason: TransferReasonSchema,
    note: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2000, description: 'A note for the recipient.' }),
    ),
    include: Type.Optional(
      Type.Object(
        { plans: Ids('plans'), meetings: Ids('meetings'), transitions: Ids('transitions') },
        { additionalProperties: false, description: 'Which records go with the learner.' },
      ),
    ),
  },
  { additionalProperties: false },
);

/** An organisation of this deployment, as a transfer names its parties. */
const Party = Type.Object(
  {
    organisationId: Type.String({ format: 'uuid', maxLength: 36 }),
    name: Type.Optional(Type.String({ maxLength: 200, description: 'Its name, for people.' })),
  },
  { additionalProperties: false },
);

const Transfer = Type.Object(
  {
    id: Type.String({ format: 'uuid', maxLength: 36 }),
    status: Type.Enum(TRANSFER_STATUSES, {
      type: 'string',
      description: 'Where the transfer is.',
    }),
    reason: Type.Enum(TRANSFER_REASONS, { type: 'string' }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    direction: Type.Enum(TRANSFER_DIRECTIONS, {
      type: 'string',
      description: 'Whether you receive or send it.',
    }),
    sender: Type.Union(
      [Party, Type.Object({ reference: OrganisationRef }, { additionalProperties: false })],
      {
        description:
          'The sending organisation: its id and name on this deployment, or, for a bundle imported from an organisation this deployment does not hold, the reference its manifest gives.',
      },
    ),
    recipient: { ...Party, description: 'The receiving organisation, on this deployment.' },
    learnerId: Type.Union([Type.String({ format: 'uuid', maxLength: 36 }), Type.Null()], {
      description: "The learner's id at the sender.",
    }),
    manifest: { $ref: 'BundleManifest#' },
    signature: Type.Object(
      {
        state: Type.Enum(BUNDLE_SIGNATURE_STATES, {
          type: 'string',
          description:
            "`signed`: sent from this deployment, signed with the sending organisation's bundle key. `verified`: imported, and its signature verified with a key of the organisation the manifest names as sender. `unsigned`: no signature; imported from a sender the operator allows to send unsigned bundles (CELR_ALLOW_UNSIGNED_BUNDLES_FROM), or sent before this deployment signed bundles. Treat an unsigned transfer's sender as unproven.",
        }),
        kid: Type.Optional(
          Type.String({ maxLength: 200, description: 'The key that signed the bundle (its JWK `kid`).' }),
        ),
      },
      { additionalProperties: false, description: 'Who stands behind the bundle: its signature.' },
    ),
    counts: Type.Object({
      plans: Type.Integer({ minimum: 0, maximum: 5000 }),
      meetings: Type.Integer({ minimum: 0, maximum: 5000 }),
      transitions: Type.Integer({ minimum: 0, maximum: 5000 }),
    }),
    createdAt: Type.String({ format: 'date-time', maxLength: 35 }),
    updatedAt: Type.String({ format: 'date-time', maxLength: 35 }),
    decidedAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 35 })),
    overdue: Type.Boolean({
      description: 'Pending for longer than the configured time (CELR_TRANSFER_OVERDUE_HOURS).',
    }),
    rejectionReason: Type.Optional(Type.String({ maxLength: 2000 })),
    result: Type.Optional(TransferResult),
  },
  {
    $id: 'Transfer',
    title: 'Transfer',
    description: "A learner's records on their way from one organisation to another.",
  },
);

const ListQuery = Type.Object(
  {
    box: Type.Optional(
      Type.Enum(TRANSFER_DIRECTIONS, {
        type: 'string',
        description: 'Only what you receive, or only what you send.',
      }),
    ),
    status: Type.Optional(Type.Enum(TRANSFER_STATUSES, { type: 'string' })),
    overdue: Type.Optional(Type.Boolean({ description: 'Only pending transfers past the overdue time.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'Opaque position from a `next` link.' }),
    ),
  },
  { additionalProperties: false },
);

const History = Type.Object({
  items: Type.Array(
    Type.Object({
      status: Type.String({ maxLength: 20 }),
      at: Type.String({ format: 'date-time', maxLength: 35 }),
      organisationId: Type.Union([Type.String({ format: 'uuid', maxLength: 36 }), Type.Null()]),
      note: Type.Optional(Type.String({ maxLength: 2000 })),
    }),
    { maxItems: 100 },
  ),
});

const tags = ['Transfers'];
const idem = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ maxLength: 255, description: 'Makes a retry safe.' })),
});

export function registerTransferRoutes(app: FastifyInstance, service: TransferService) {
  app.addSchema(Transfer);
  const transfer = { $ref: 'Transfer#' };

  app.post(
    '/v1/transfers',
    {
      schema: {
        operationId: 'createTransfer',
        summary: "Send a learner's records to another organisation",
        description:
          'Takes a snapshot of the learner and the chosen records (all by default) and offers it to the recipient, who accepts or rejects it. `responsibility-moves` and `host-authority` go from the responsible authority to another authority; `school-move` goes to the new school.',
        tags,
        headers: idem,
        body: SendBody,
        response: { 201: transfer, ...problemResponses(400, 401, 403, 409, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const key = idempotencyRequest(
        request.headers['idempotency-key'],
        caller,
        'POST',
        '/v1/transfers',
        request.body,
      );
      return sendWrite(reply, await service.send(caller, request.body as SendRequest, key));
    },
  );

  app.get(
    '/v1/transfers',
    {
      schema: {
        operationId: 'listTransfers',
        summary: 'Inbox and outbox',
        description:
          'Transfers you send or receive, oldest first. `overdue=true` lists pending transfers waiting too long: the drift the guidance warns against.',
        tags,
        querystring: ListQuery,
        response: {
          200: Type.Object({
            items: Type.Array(transfer as never, { maxItems: 200 }),
            next: Type.Optional(Type.String({ maxLength: 2000 })),
          }),
          ...problemResponses(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const q = request.query as {
        box?: 'inbox' | 'outbox';
        status?: string;
        overdue?: boolean;
        limit?: number;
        cursor?: string;
      };
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const page = await service.list(callerOf(request), {
        ...q,
        limit: q.limit ?? 50,
        ...(after ? { after: { createdAt: after.updatedAt, id: after.id } } : {}),
      });
      const next = page.last
        ? nextLink(request, encodeCursor({ updatedAt: page.last.createdAt, id: page.last.id }))
        : undefined;
      if (next) reply.header('link', `<${next}>; rel="next"`);
      return { items: page.items, ...(next ? { next } : {}) };
    },
  );

  app.get(
    '/v1/transfers/:id',
    {
      schema: {
        operationId: 'getTransfer',
        summary: 'Read a transfer',
        description:
          'Where the transfer is (`status`), who sent it to whom, for which learner and why, how many records go with it and who signed its bundle.',
        tags,
        params: IdParams,
        response: { 200: transfer, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => service.get(callerOf(request), (request.params as { id: string }).id),
  );

  app.get(
    '/v1/transfers/:id/history',
    {
      schema: {
        operationId: 'getTransferHistory',
        summary: "A transfer's status history",
        description:
          "Each status the transfer has had, oldest first: when, by which organisation, and its note (a rejection's reason).",
        tags,
        params: IdParams,
        response: { 200: History, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => ({
      items: await service.history(callerOf(request), (request.params as { id: string }).id),
    }),
  );

  app.get(
    '/v1/transfers/:id/bundle',
    {
      schema: {
        operationId: 'getTransferBundle',
        summary: 'Read the records a transfer carries',
        description:
          "The bundle as sent: the recipient can read it before deciding. Reading it is recorded in the learner's audit trail.",
        tags,
        params: IdParams,
        response: { 200: { $ref: 'TransferBundle#' }, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => service.bundle(callerOf(request), (request.params as { id: string }).id),
  );

  app.post(
    '/v1/transfers/:id/accept',
    {
      schema: {
        operationId: 'acceptTransfer',
        summary: 'Accept a transfer',
        description:
          'Imports everything in one transaction (or nothing, if anything fails). For `responsibility-moves` the records are copied into learners you own: the learner is matched to one you hold by UPN, SCN or ULN, records from an earlier transfer are updated rather than duplicated, codes of the other nation are mapped or kept for review, and a transition records the move. For `host-authority` and `school-move` you are given access to the live record. The result says what matched, what was created and what conflicted. Accepting twice gives 409; a retry with the same Idempotency-Key returns the first answer.',
        tags,
        params: IdParams,
        headers: idem,
        response: { 200: transfer, ...problemResponses(400, 401, 403, 404, 409, 410, 422, 429) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { id } = request.params as { id: string };
      const key = idempotencyRequest(
        request.headers['idempotency-key'],
        caller,
        'POST',
        `/v1/transfers/${id}/accept`,
        {},
      );
      return sendWrite(reply, await service.accept(caller, id, key));
    },
  );

  app.post(
    '/v1/transfers/:id/reject',
    {
      schema: {
        operationId: 'rejectTransfer',
        summary: 'Reject a transfer',
        description:
          'The recipient declines a pending transfer, saying why (the reason is in its history); 409 once it is no longer pending.',
        tags,
        params: IdParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why, for the sender.' }) },
          { additionalProperties: false },
        ),
        response: { 200: transfer, ...problemResponses(400, 401, 403, 404, 409, 415, 422, 429) },
      },
    },
    async (request) =>
      service.reject(
        callerOf(request),
        (request.params as { id: string }).id,
        (request.body as { reason: string }).reason,
      ),
  );

  app.post(
    '/v1/transfers/:id/cancel',
    {
      schema: {
        operationId: 'cancelTransfer',
        summary: 'Cancel a transfer you sent, before it is accepted',
        description:
          'The sender withdraws a pending transfer, which the recipient can then no longer accept; 409 once it is no longer pending.',
        tags,
        params: IdParams,
        response: { 200: transfer, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => service.cancel(callerOf(request), (request.params as { id: string }).id),
  );

  app.post(
    '/v1/bundles/import',
    {
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        operationId: 'importBundle',
        summary: 'Import a bundle that arrived another way',
        description:
          "The same validation and the same all-or-nothing import as accepting a transfer, for a bundle addressed to you that came by another route. The bundle must be signed (`signature`, a detached JWS naming its key) by the organisation its manifest names as sender, with a key this deployment trusts for it: one registered with `registerBundleSender`, or this deployment's own. Refused with 422 and the rule `bundle-unsigned`, `bundle-signature-invalid`, `bundle-key-unknown`, `bundle-signer-mismatch` or `digest-mismatch`. The operator may allow unsigned bundles from named senders (CELR_ALLOW_UNSIGNED_BUNDLES_FROM); such a transfer has `signature.state` `unsigned`. Importing the same bundle again changes nothing and returns the first result (200). A bundle that reached you as a transfer of this deployment that is still pending, rejected or cancelled is refused with 409 (`transferStatus` says which; nothing is imported): accept the pending transfer itself.",
        tags,
        body: { $ref: 'TransferBundle#' },
        response: {
          201: transfer,
          200: transfer,
          ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { statusCode, transfer: body } = await service.importBundle(callerOf(request), request.body);
      if (statusCode === 201) reply.header('location', `/v1/transfers/${body.id}`);
      return reply.code(statusCode as 200 | 201).send(body);
    },
  );
}
