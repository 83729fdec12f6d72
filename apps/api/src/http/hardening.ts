import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { AppConfig } from '../config.js';
import { ProblemError } from './problem.js';

/**
 * Security headers, CORS and per-client rate limits. Limits are counted in process by default;
 * with CELR_REDIS_URL they are counted in Redis, so several API processes enforce one limit.
 */
export async function registerHardening(app: FastifyInstance, config: AppConfig) {
  // helmet's middleware built once: @fastify/helmet built it again on every request (parsing the
  // policy's directives each time, about 4 % of a record read's CPU), through two hooks.
  const securityHeaders = helmet({
    // The docs site (VitePress) inlines small scripts and styles; everything else is same-origin.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)),
  );

  await app.register(cors, {
    // Browsers may call the API only from origins the operator lists; server-to-server callers are unaffected.
    origin: config.corsOrigins.length ? config.corsOrigins : false,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'if-match',
      'if-none-match',
      'idempotency-key',
      'celr-on-behalf-of',
      'x-request-id',
    ],
    exposedHeaders: ['etag', 'location', 'link', 'retry-after', 'x-request-id', 'idempotent-replayed'],
    maxAge: 600,
  });

  // Loaded only when configured: ioredis is about 20 MB of memory and 0.4 s of start-up that a single
  // process (npm start) never uses.
  const redis = config.redisUrl
    ? new (await import('ioredis')).Redis(config.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: 1 })
    : undefined;
  if (redis) {
    // Redis being away is logged, not fatal: limits then fall back to letting requests through.
    redis.on('error', (error) => app.log.warn({ err: error }, 'rate-limit store unavailable'));
    app.addHook('onClose', async () => void (await redis.quit()));
  }
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    // After authentication, so that limits are per API client rather than per address.
    hook: 'preHandler',
    keyGenerator: (request) => (request.caller ? `client:${request.caller.clientId}` : `ip:${request.ip}`),
    // The docs site's static files: one page view is dozens of requests, and they carry no data.
    allowList: (request) => request.url.startsWith('/docs/'),
    ...(redis ? { redis, nameSpace: 'celr-rate-limit:' } : {}),
    // If Redis is unreachable the API keeps serving rather than refusing everyone.
    skipOnError: true,
    addHeadersOnExceeding: {
      'x-ratelimit-limit': true,
      'x-ratelimit-remaining': true,
      'x-ratelimit-reset': true,
    },
    errorResponseBuilder: (_request, context) =>
      new ProblemError(
        'rate-limited',
        `Too many requests: at most ${context.max} per ${context.after === '1 minute' ? 'minute' : context.after}. Retry after the time in Retry-After.`,
        {
          headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
        },
      ),
  });
}
