import { FEED_CHANGES, hasForbiddenCharacters, RECORD_KINDS } from '@celr/schema';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import type { Caller } from '../auth/caller.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { linkNext, nextLink } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { notFound, ProblemError, validationProblem } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';
import {
  MAX_SUBSCRIPTIONS,
  type NewSubscription,
  owned,
  type WebhookSubscriptions,
} from './subscriptions.js';
import { checkWebhookUrl, WEBHOOK_URL_PATTERN } from './targets.js';
import type { WebhookWorker } from './worker.js';

const Kinds = Type.Array(Type.Enum([...RECORD_KINDS], { type: 'string' }), {
  maxItems: RECORD_KINDS.length,
  uniqueItems: true,
  description: 'Only changes to these kinds of record; every kind when absent or empty.',
});
const Changes = Type.Array(Type.Enum([...FEED_CHANGES], { type: 'string' }), {
  maxItems: FEED_CHANGES.length,
  uniqueItems: true,
  description:
    'Only these changes; every change of a record or of visibility when absent or empty. Alerts (`alert`) are sent only when listed.',
});

const CreateBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2000,
      format: 'uri',
      pattern: WEBHOOK_URL_PATTERN,
      description:
        'Where deliveries are POSTed: https, to a public address (http, and loopback or private addresses, only where the operator allows them). Checked again at every delivery against the address the name resolves to then.',
    }),
    recordKinds: Type.Optional(Kinds),
    changes: Type.Optional(Changes),
    description: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'A note for yourself.' }),
    ),
  },
  { additionalProperties: false },
);

const Subscription = Type.Object(
  {
    id: Type.String({ format: 'uuid', maxLength: 36 }),
    url: Type.String({ maxLength: 2000 }),
    recordKinds: Kinds,
    changes: Changes,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    enabled: Type.Boolean(),
    organisationId: Type.String({
      format: 'uuid',
      maxLength: 36,
      description:
        'The organisation whose changes it receives: the one the client acted for when creating it.',
    }),
    createdAt: Type.String({ format: 'date-time', maxLength: 35 }),
    secret: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          'The signing secret (`whsec_` + base64 of 32 random bytes). Only in the answer to creating the subscription or rotating its secret: keep it.',
      }),
    ),
    previousSecretExpiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        maxLength: 35,
        description:
          'After a rotation: until then deliveries carry a second signature, by the previous secret.',
      }),
    ),
  },
  {
    $id: 'WebhookSubscription',
    title: 'WebhookSubscription',
    description:
      'Changes of the change feed, POSTed to your URL as they happen and signed as Standard Webhooks specifies (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Each body is `{ type: "celr.change", timestamp, data: { change, recordKind, recordId, learnerId, version } }`, and for an alert (`change: alert`, sent only when `changes` lists it) also `alert: { id, kind }`: ids only; fetch the record (or GET /v1/alerts/{id}) to see it.',
  },
);

const Delivery = Type.Object(
  {
    id: Type.String({ format: 'uuid', maxLength: 36 }),
    messageId: Type.String({
      maxLength: 100,
      description: 'The `webhook-id` header: the same on every attempt.',
    }),
    status: Type.Enum(['pending', 'delivered', 'failed'], {
      type: 'string',
      description:
        '`pending` (waiting for its first attempt or a retry), `delivered` (2xx), or `failed` (every attempt failed).',
    }),
    attempts: Type.Integer({ minimum: 0, maximum: 1000 }),
    lastStatusCode: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    lastError: Type.Optional(
      Type.String({
        maxLength: 500,
        description:
          'Why the last attempt failed: `The receiver answered <status>.`, or `connection-failed: …` for any failure to get an HTTP answer (no address, connection refused or timed out, TLS, no answer in time, an address that is not allowed), deliberately without telling these apart.',
      }),
    ),
    createdAt: Type.String({ format: 'date-time', maxLength: 35 }),
    lastAttemptAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 35 })),
    nextAttemptAt: Type.Optional(
      Type.String({
        format: 'date-time',
        maxLength: 35,
        description: 'When a pending delivery is tried next.',
      }),
    ),
    deliveredAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 35 })),
  },
  { $id: 'WebhookDelivery', title: 'WebhookDelivery', description: 'One change sent to a subscription.' },
);

const DeliveryParams = Type.Object(
  {
    id: Type.String({ format: 'uuid', maxLength: 36, description: 'The subscription id.' }),
    deliveryId: Type.String({ format: 'uuid', maxLength: 36, description: 'The delivery id.' }),
  },
  { additionalProperties: false },
);

type SubscriptionRow = {
  id: string;
  url: string;
  recordKinds: string[];
  changes: string[];
  description: string | null;
  enabled: boolean;
  organisationId: string;
  createdAt: Date;
  previousSecretUntil: Date | null;
};
const presentSubscription = (s: SubscriptionRow, secret?: string) => ({
  id: s.id,
  url: s.url,
  recordKinds: s.recordKinds,
  changes: s.changes,
  ...(s.description ? { description: s.description } : {}),
  enabled: s.enabled,
  organisationId: s.organisationId,
  createdAt: s.createdAt.toISOString(),
  ...(secret ? { secret } : {}),
  ...(s.previousSecretUntil && s.previousSecretUntil > new Date()
    ? { previousSecretExpiresAt: s.previousSecretUntil.toISOString() }
    : {}),
});

type DeliveryRow = {
  id: string;
  messageId: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
};
const presentDelivery = (d: DeliveryRow) => ({
  id: d.id,
  messageId: d.messageId,
  status: d.status,
  attempts: d.attempts,
  ...(d.lastStatusCode !== null ? { lastStatusCode: d.lastStatusCode } : {}),
  ...(d.lastError !== null ? { lastError: d.lastError } : {}),
  createdAt: d.createdAt.toISOString(),
  ...(d.lastAttemptAt ? { lastAttemptAt: d.lastAttemptAt.toISOString() } : {}),
  ...(d.status === 'pending' ? { nextAttemptAt: d.nextAttemptAt.toISOString() } : {}),
  ...(d.deliveredAt ? { deliveredAt: d.deliveredAt.toISOString() } : {}),
});
const deliverySelect = {
  id: true,
  messageId: true,
  status: true,
  attempts: true,
  lastStatusCode: true,
  lastError: true,
  createdAt: true,
  lastAttemptAt: true,
  nextAttemptAt: true,
  deliveredAt: true,
} as const;

const tags = ['Webhooks'];

export function registerWebhookRoutes(
  app: FastifyInstance,
  prisma: PrismaClient,
  subscriptions: WebhookSubscriptions,
  worker: WebhookWorker | undefined,
) {
  app.addSchema(Subscription);
  app.addSchema(Delivery);
  const subscription = { $ref: 'WebhookSubscription#' };
  const delivery = { $ref: 'WebhookDelivery#' };

  async function ownSubscription(caller: Caller, id: string) {
    const found = await prisma.webhookSubscription.findFirst({ where: owned(caller, id) });
    if (!found) throw notFound('The webhook subscription');
    return found;
  }

  app.post(
    '/v1/webhook-subscriptions',
    {
      schema: {
        operationId: 'createWebhookSubscription',
        summary: 'Subscribe to changes by webhook',
        description:
          'Changes your organisation may see (the same entries as GET /v1/changes, from now on: no backlog) are POSTed to `url`, signed with the returned `secret` as Standard Webhooks specifies. Only ids are sent. A receiver answers 2xx within 5 seconds; anything else is retried with exponential backoff (5 s, 30 s, 2 min, 10 min, 1 h, 4 h, 8 h), then the delivery is marked failed. The secret is shown only here (and when it is rotated). The URL must use https and must not point at a private, loopback, link-local or otherwise internal address (422, rule `public-address-required`), unless the operator allows that range; a name is checked at every delivery against the address it resolves to then.',
        tags,
        body: CreateBody,
        response: { 201: subscription, ...problemResponses(400, 401, 403, 409, 415, 422, 429) },
      },
      // Before the schema (whose format and pattern say the same, less precisely): the rule the
      // URL breaks, as the service words it. Text that cannot be stored is left to the schema's
      // `text-characters`, as in every other field.
      preValidation: async (request) => {
        const url = (request.body as { url?: unknown } | null)?.url;
        const issue =
          typeof url === 'string' && !hasForbiddenCharacters(url)
            ? checkWebhookUrl(url, subscriptions.settings.targets)
            : undefined;
        if (issue) throw validationProblem([issue]);
      },
    },
    async (request, reply) => {
      const { subscription, secret } = await subscriptions.create(
        callerOf(request),
        request.body as NewSubscription,
      );
      reply
        .code(201)
        .header('location', `/v1/webhook-subscriptions/${subscription.id}`)
        .header('cache-control', 'no-store');
      return presentSubscription(subscription, secret);
    },
  );

  app.post(
    '/v1/webhook-subscriptions/:id/rotate-secret',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        summary: "Replace a subscription's signing secret",
        description: `Gives the subscription a new secret, returned here and only here. For an overlap (24 hours unless the operator sets CELR_WEBHOOK_SECRET_OVERLAP_HOURS; \`previousSecretExpiresAt\` says until when) each delivery carries two signatures in \`webhook-signature\`, by the new secret and by the previous one, so your receiver accepts deliveries whichever it holds: switch it to the new secret within the overlap. After it, only the new secret signs. Rotating again during an overlap drops the oldest secret at once. Anyone but the owner gets 404.`,
        tags,
        params: IdParams,
        response: { 200: subscription, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { subscription, secret } = await subscriptions.rotateSecret(callerOf(request), id);
      reply.header('cache-control', 'no-store');
      return presentSubscription(subscription, secret);
    },
  );

  app.get(
    '/v1/webhook-subscriptions',
    {
      schema: {
        operationId: 'listWebhookSubscriptions',
        summary: 'Your webhook subscriptions',
        description:
          'The subscriptions this client holds for the organisation it acts for, oldest first. Secrets are not shown.',
        tags,
        response: {
          200: Type.Object({ items: Type.Array(subscription as never, { maxItems: MAX_SUBSCRIPTIONS }) }),
          ...problemResponses(401, 403, 429),
        },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const rows = await prisma.webhookSubscription.findMany({
        where: { clientId: caller.clientId, organisationId: caller.actingForId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: MAX_SUBSCRIPTIONS,
      });
      return { items: rows.map((s) => presentSubscription(s)) };
    },
  );

  app.get(
    '/v1/webhook-subscriptions/:id',
    {
      schema: {
        operationId: 'getWebhookSubscription',
        summary: 'One webhook subscription',
        description: "A subscription of this client's. Anyone else gets 404.",
        tags,
        params: IdParams,
        response: { 200: subscription, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return presentSubscription(await ownSubscription(callerOf(request), id));
    },
  );

  app.delete(
    '/v1/webhook-subscriptions/:id',
    {
      schema: {
        operationId: 'deleteWebhookSubscription',
        summary: 'Stop a webhook subscription',
        description:
          'Deletes the subscription and its delivery log; nothing more is sent. Anyone else gets 404.',
        tags,
        params: IdParams,
        response: {
          204: Type.Null({ description: 'Deleted.' }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const caller = callerOf(request);
      const { count } = await prisma.webhookSubscription.deleteMany({ where: owned(caller, id) });
      if (count === 0) throw notFound('The webhook subscription');
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/webhook-subscriptions/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: 'The delivery log of a subscription',
        description:
          'What was sent, newest first: status, attempts, and the last status code or error. Anyone but the owner gets 404.',
        tags,
        params: IdParams,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum(['pending', 'delivered', 'failed'], { type: 'string' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            cursor: Type.Optional(
              Type.String({ maxLength: 200, description: 'Opaque position from a `next` link.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(delivery as never, { maxItems: 200 }),
            next: Type.Optional(Type.String({ maxLength: 2000, description: 'Link to the next page.' })),
          }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const q = request.query as { status?: string; limit?: number; cursor?: string };
      await ownSubscription(callerOf(request), id);
      const limit = q.limit ?? 50;
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const rows = await prisma.webhookDelivery.findMany({
        where: {
          subscriptionId: id,
          ...(q.status ? { status: q.status } : {}),
          ...(after
            ? {
                OR: [
                  { createdAt: { lt: after.updatedAt } },
                  { createdAt: after.updatedAt, id: { lt: after.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
        select: deliverySelect,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const next = linkNext(
        reply,
        rows.length > limit && last
          ? nextLink(request, encodeCursor({ updatedAt: last.createdAt, id: last.id }))
          : undefined,
      );
      return { items: page.map(presentDelivery), ...(next ? { next } : {}) };
    },
  );

  app.post(
    '/v1/webhook-subscriptions/:id/deliveries/:deliveryId/replay',
    {
      schema: {
        operationId: 'replayWebhookDelivery',
        summary: 'Send a delivery again',
        description:
          'Queues the delivery for another attempt now, with the same `webhook-id` (receivers drop duplicates by it) and a new timestamp and signature. For a delivery that failed, or one your receiver lost. 409 while an attempt is in flight.',
        tags,
        params: DeliveryParams,
        response: { 202: delivery, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { id, deliveryId } = request.params as { id: string; deliveryId: string };
      await ownSubscription(callerOf(request), id);
      const { count } = await prisma.webhookDelivery.updateMany({
        where: {
          id: deliveryId,
          subscriptionId: id,
          OR: [{ lockedUntil: null }, { lockedUntil: { lte: new Date() } }],
        },
        data: { status: 'pending', nextAttemptAt: new Date(), lockedUntil: null, lease: null },
      });
      const found = await prisma.webhookDelivery.findFirst({
        where: { id: deliveryId, subscriptionId: id },
        select: deliverySelect,
      });
      if (!found) throw notFound('The delivery');
      if (count === 0)
        throw new ProblemError('conflict', 'An attempt is in flight; try again when it has finished.');
      worker?.wake();
      return reply.code(202).send(presentDelivery(found));
    },
  );
}
