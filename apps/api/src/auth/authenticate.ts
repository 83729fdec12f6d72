import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import type { Caller, Scope } from './caller.js';
import type { CallerCache } from './caller-cache.js';
import { accessOf, securityOf } from './policy.js';
import type { TokenIssuer } from './tokens.js';

/** How a route is protected. Every route must say, or the app refuses to start. */
export type RouteAccess = { scope: Scope } | { public: true } | { anyClient: true };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    caller?: Caller;
  }
}

export const ON_BEHALF_OF = 'celr-on-behalf-of';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The organisation a vendor acts for, from `celr-on-behalf-of`: one UUID. Anything else (empty,
 * not a UUID, or the header sent twice, which arrives as a comma-joined list) is a malformed
 * header, answered 400 before it reaches the database.
 */
function onBehalfOfHeader(request: FastifyRequest): string | undefined {
  const value = request.headers[ON_BEHALF_OF];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && UUID.test(value.trim())) return value.trim().toLowerCase();
  const twice = Array.isArray(value) || value.includes(',');
  const issue = twice
    ? { rule: 'header-repeated', message: `Send ${ON_BEHALF_OF} once, with one organisation id.` }
    : {
        rule: 'format',
        message: `${ON_BEHALF_OF} is the id (a UUID) of the organisation the vendor acts for.`,
      };
  throw new ProblemError('invalid-query', `The ${ON_BEHALF_OF} header is not valid.`, {
    errors: [{ pointer: `/${ON_BEHALF_OF}`, ...issue, in: 'header' }],
  });
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new ProblemError('unauthorised', 'Authentication is required.');
  return request.caller;
}

/**
 * Bearer-token authentication and scope checks, on every route that declares a scope. The client
 * is checked on each request (through the caller cache, which the database empties on every change
 * to clients, organisations and delegations) so that revoking it takes effect at once, on every process.
 */
export function registerAuthentication(
  app: FastifyInstance,
  _prisma: PrismaClient,
  callers: CallerCache,
  tokens: TokenIssuer,
) {
  // Every documented operation takes its access rule from the policy table by operationId; an
  // operation missing from the table stops the app at start-up, so no route is ever unprotected
  // by oversight. Hidden routes (the docs site and the OpenAPI document) must declare themselves public.
  // The OpenAPI `security` of the operation is written here from the same rule, so the scope a
  // route checks and the scope its document states cannot differ; a route that states its own is
  // refused, so the scope is written once, in the policy table.
  // (A GET's HEAD route shares the GET's schema, so a schema this hook already wrote is passed.)
  const written = new WeakSet<object>();
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { operationId?: string; security?: unknown } | undefined;
    const operationId = schema?.operationId;
    const rule = accessOf(operationId);
    if (rule && schema) {
      if (schema.security !== undefined && !written.has(schema))
        throw new Error(
          `${route.method} ${route.url} states its own security; remove it: the scope of ${operationId} comes from OPERATIONS in src/auth/policy.ts.`,
        );
      schema.security = securityOf(rule);
      written.add(schema);
      const access: RouteAccess = rule.public
        ? { public: true }
        : rule.anyClient
          ? { anyClient: true }
          : { scope: rule.scope! };
      route.config = { ...route.config, access };
      return;
    }
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide ?? route.url.startsWith('/docs/');
    if (hidden && (route.config?.access || route.url.startsWith('/docs/'))) {
      route.config = { ...route.config, access: { public: true } };
      return;
    }
    throw new Error(
      `${route.method} ${route.url} has no access rule: add its operationId (${operationId ?? 'none'}) to OPERATIONS in src/auth/policy.ts.`,
    );
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (!access || 'public' in access) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) {
      throw new ProblemError(
        'unauthorised',
        'Send an access token: Authorization: Bearer <token> (from POST /oauth/token).',
        {
          headers: { 'www-authenticate': 'Bearer realm="celr"' },
        },
      );
    }
    const claims = await tokens.verify(token);
    const onBehalfOf = onBehalfOfHeader(request);
    // The same resolution as a bulk import job's (auth/resolve-caller.ts), cached while the database
    // announces every change that could alter it (auth/caller-cache.ts).
    const { caller } = await callers.resolve({
      clientId: claims.clientId,
      organisationId: claims.organisationId,
      scopes: claims.scopes,
      onBehalfOf,
      requestId: request.id,
    });
    if ('scope' in access && !caller.scopes.has(access.scope)) {
      throw new ProblemError(
        'forbidden',
        `This operation needs the '${access.scope}' scope; the token has: ${claims.scopes.join(' ') || 'none'}.`,
        {
          headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${access.scope}"` },
        },
      );
    }
    request.caller = caller;
  });
}
