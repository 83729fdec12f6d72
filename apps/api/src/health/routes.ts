import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { ProblemError } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';

export function registerHealthRoutes(app: FastifyInstance, db: Database | undefined) {
  // Load balancers poll these; they carry no data. Like everything else they are rate limited (by address).
  app.get(
    '/health/live',
    {
      schema: {
        operationId: 'live',
        summary: 'Liveness: the process is up',
        description:
          'Answers `{"status":"ok"}` while the process runs, without touching the database: for a load balancer or orchestrator deciding whether to restart it.',
        tags: ['Health'],
        // Said in full, so that generated clients type the answer (`{ [key: string]: unknown }` before).
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string', enum: ['ok'] } },
            required: ['status'],
            additionalProperties: false,
          },
          ...problemResponses(429),
        },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'ready',
        summary: 'Readiness: the database answers',
        description:
          'Answers `{"status":"ok"}` with the kind of database once the database answers a query, and 503 while it does not: for a load balancer deciding whether to send requests here.',
        tags: ['Health'],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['ok'] },
              database: {
                type: 'string',
                enum: ['postgresql', 'pglite'],
                description: 'The kind of database the API runs on.',
              },
            },
            required: ['status'],
            additionalProperties: false,
          },
          ...problemResponses(429, 503),
        },
      },
    },
    async () => {
      try {
        if (db) await db.prisma.$queryRaw`SELECT 1`;
      } catch {
        throw new ProblemError('unavailable', 'The database does not answer.');
      }
      return { status: 'ok', database: db?.kind };
    },
  );
}
