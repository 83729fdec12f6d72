import { ALERT_KINDS, Alert } from '@celr/schema';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import { linkNext, nextLink } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { problemResponses } from '../http/problem-responses.js';
import type { Alerts } from './alerts.js';

const tags = ['Changes'];

export function registerAlertRoutes(root: FastifyInstance, alerts: Alerts) {
  root.addSchema({ $id: 'Alert', ...Alert });
  const alert = Type.Unsafe<object>({ $ref: 'Alert#' });
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/alerts',
    {
      schema: {
        operationId: 'listAlerts',
        summary: 'Alerts about the children you can see',
        description:
          'Conditions that need someone today, each raised once and named by the record that raised it: `pep-overdue` (a PEP deadline of the policy passed with nothing meeting it), `exclusion-recorded` (a suspension or exclusion on the learner record), `attendance-below-threshold` (an attendance period below the threshold, 90 % unless the operator sets another), `school-move-without-review` (no PEP review within the allowance after a school move). Only alerts about learners your organisation can see now; oldest first. The change feed (`GET /v1/changes?alerts=true`) and webhooks (`changes: ["alert"]`) announce each as it is raised. Each read names the children it showed in the audit trail.',
        tags,
        querystring: Type.Object(
          {
            kind: Type.Optional(
              Type.Enum([...ALERT_KINDS], { type: 'string', description: 'Only this kind.' }),
            ),
            learner: Type.Optional(
              Type.String({ format: 'uuid', maxLength: 36, description: 'Only alerts about this learner.' }),
            ),
            since: Type.Optional(
              Type.String({
                format: 'date-time',
                maxLength: 35,
                description: 'Only alerts raised at or after this time.',
              }),
            ),
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Alerts per page.' }),
            ),
            cursor: Type.Optional(
              Type.String({ maxLength: 200, description: 'From the `next` link of the previous page.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(alert, { maxItems: 1000 }),
            next: Type.Optional(
              Type.String({ maxLength: 2000, description: 'The next page, when there may be one.' }),
            ),
          }),
          ...problemResponses(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const { items, cursor } = await alerts.list(callerOf(request), { ...query, limit: query.limit ?? 100 });
      const next = linkNext(reply, nextLink(request, cursor));
      return { items, ...(next ? { next } : {}) };
    },
  );

  app.get(
    '/v1/alerts/:id',
    {
      schema: {
        operationId: 'getAlert',
        summary: 'One alert',
        description:
          'An alert about a learner your organisation can see now, with the deadline, attendance figures or exclusion that decided it. Anyone else gets 404.',
        tags,
        params: IdParams,
        response: { 200: alert, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => alerts.get(callerOf(request), request.params.id),
  );
}
