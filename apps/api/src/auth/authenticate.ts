import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import type { Caller, OrganisationKind, Scope } from './caller.js';
import { accessOf } from './policy.js';
import type { TokenIssuer } from './tokens.js';

/** How a route is protected. Every route must say, or the app refuses to start. */
export type RouteAccess = { scope: Scope } | { public: true };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    caller?: Caller;
  }
}

export const ON_BEHALF_OF = 'celr-on-behalf-of';

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new ProblemError('unauthorised', 'Authentication is required.');
  return request.caller;
}

/**
 * Bearer-token authentication and scope checks, on every route that declares a scope. The
 * client is looked up on each request so that revoking it takes effect at once, on every process.
 */
export function registerAuthentication(
  app: FastifyInstance,
  prisma: PrismaClient,
  sql: Database['sql'],
  tokens: TokenIssuer,
) {
  // Every documented operation takes its access rule from the policy table by operationId; an
  // operation missing from the table stops the app at start-up, so no route is ever unprotected
  // by oversight. Hidden routes (the docs site and the OpenAPI document) must declare themselves public.
  app.addHook('onRoute', (route) => {
    const operationId = (route.schema as { operationId?: string } | undefined)?.operationId;
    const rule = accessOf(operationId);
    if (rule) {
      route.config = { ...route.config, access: rule.public ? { public: true } : { scope: rule.scope! } };
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
    // One statement on every request, so that revoking a client takes effect at once everywhere.
    const [client] = await sql<{ revokedAt: Date | null; organisationId: string; kind: string }>(
      `SELECT c.revoked_at AS "revokedAt", o.id::text AS "organisationId", o.kind
       FROM api_client c JOIN organisation o ON o.id = c.organisation_id
       WHERE c.client_id = $1`,
      [claims.clientId],
    );
    if (!client || client.revokedAt || client.organisationId !== claims.organisationId) {
      throw new ProblemError('unauthorised', 'The client behind this token has been revoked.', {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
    const scopes = new Set(claims.scopes);
    if (!scopes.has(access.scope)) {
      throw new ProblemError(
        'forbidden',
        `This operation needs the '${access.scope}' scope; the token has: ${claims.scopes.join(' ') || 'none'}.`,
        {
          headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${access.scope}"` },
        },
      );
    }
    const kind = client.kind as OrganisationKind;
    let actingForId = client.organisationId;
    let actingForKind = kind;
    const onBehalfOf = request.headers[ON_BEHALF_OF];
    if (typeof onBehalfOf === 'string') {
      if (kind !== 'vendor')
        throw new ProblemError(
          'forbidden',
          `Only vendor clients act on behalf of another organisation (${ON_BEHALF_OF}).`,
        );
      const delegation = await prisma.delegation.findFirst({
        where: { vendorId: client.organisationId, organisationId: onBehalfOf, revokedAt: null },
        select: { organisation: { select: { id: true, kind: true } } },
      });
      if (!delegation)
        throw new ProblemError(
          'forbidden',
          `The organisation ${onBehalfOf} has not delegated to this vendor.`,
        );
      actingForId = delegation.organisation.id;
      actingForKind = delegation.organisation.kind as OrganisationKind;
    }
    request.caller = {
      clientId: claims.clientId,
      organisationId: client.organisationId,
      organisationKind: kind,
      actingForId,
      actingForKind,
      scopes,
      requestId: request.id,
    };
  });
}
