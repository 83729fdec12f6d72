import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { PrismaClient } from '../generated/prisma/client.js';
import { PROBLEM_TYPES, ProblemError, problemTypeUri } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';
import { basicCredentials } from './basic-credentials.js';
import { SCOPES } from './caller.js';
import { dummySecretHash, verifySecret } from './secrets.js';
import type { TokenIssuer } from './tokens.js';

const TokenRequest = Type.Object(
  {
    // Any grant type is read, so that another one gets RFC 6749's unsupported_grant_type (400)
    // rather than a schema failure; only client_credentials is granted.
    grant_type: Type.String({
      maxLength: 100,
      description:
        'Always `client_credentials` (RFC 6749 section 4.4); another gets `unsupported_grant_type`.',
      examples: ['client_credentials'],
    }),
    client_id: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'The client id, unless sent with HTTP Basic authentication.',
      }),
    ),
    client_secret: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'The client secret, unless sent with HTTP Basic authentication.',
      }),
    ),
    scope: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'Space-separated scopes to ask for; defaults to all the client has.',
      }),
    ),
  },
  // RFC 6749 section 3.2: the server MUST ignore parameters it does not recognise.
  { additionalProperties: true },
);

const TokenResponse = Type.Object({
  access_token: Type.String({
    maxLength: 2000,
    description: 'A signed JWT to send as `Authorization: Bearer <token>`.',
  }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ minimum: 1, maximum: 86400, description: 'Seconds until the token expires.' }),
  scope: Type.String({ maxLength: 2000, description: 'The scopes granted, space-separated.' }),
});

const OAUTH_ERRORS = {
  400: ['invalid_request', 'invalid_scope', 'unsupported_grant_type'],
  401: ['invalid_client'],
} as const;
type OAuthErrorCode = (typeof OAUTH_ERRORS)[keyof typeof OAUTH_ERRORS][number];

/**
 * The token endpoint's errors as OAuth libraries read them (RFC 6749 section 5.2): the status, and
 * `error` with its code, inside the problem document that the rest of the API sends.
 */
const oauthErrorResponse = (status: keyof typeof OAUTH_ERRORS, description: string, detail: string) => ({
  description,
  content: {
    'application/problem+json': {
      schema: {
        allOf: [
          { $ref: 'Problem#' },
          {
            type: 'object',
            properties: {
              error: {
                type: 'string',
                enum: [...OAUTH_ERRORS[status]],
                description: 'The RFC 6749 error code.',
              },
              error_description: { type: 'string', maxLength: 1000, description: 'The same as `detail`.' },
            },
            required: ['error'],
          },
        ],
      },
      example: {
        type: problemTypeUri(status === 401 ? 'unauthorised' : 'bad-request'),
        title: PROBLEM_TYPES[status === 401 ? 'unauthorised' : 'bad-request'].title,
        status,
        detail,
        instance: '/oauth/token',
        error: OAUTH_ERRORS[status][status === 401 ? 0 : 2],
        error_description: detail,
      },
    },
  },
});

/** OAuth errors keep RFC 6749's `error` member inside the problem document, so both kinds of client understand them. */
const oauthError = (status: OAuthErrorCode, detail: string) =>
  new ProblemError(status === 'invalid_client' ? 'unauthorised' : 'bad-request', detail, {
    error: status,
    error_description: detail,
    ...(status === 'invalid_client' ? { headers: { 'www-authenticate': 'Basic realm="celr"' } } : {}),
  });

export function registerTokenRoute(app: FastifyInstance, prisma: PrismaClient, tokens: TokenIssuer) {
  // Hashed once, ahead of the first request, so the first unknown id is not slower than later ones.
  if (prisma) void dummySecretHash();
  app.post(
    '/oauth/token',
    {
      // A body the schema refuses is an OAuth error (400 invalid_request, RFC 6749 section 5.2), not
      // the API's 422: OAuth libraries read `error`, and the status they expect.
      attachValidation: true,
      schema: {
        operationId: 'requestToken',
        summary: 'Get an access token (OAuth 2.0 client credentials)',
        description: `Exchange a client id and secret for a short-lived access token (RFC 6749 section 4.4). Send them in the body or with HTTP Basic authentication. Scopes: ${Object.keys(
          SCOPES,
        )
          .map((s) => `\`${s}\``)
          .join(', ')}.`,
        tags: ['Authentication'],
        // The client authenticates with its id and secret (body or HTTP Basic), not with a token.
        // RFC 6749 asks for a form; JSON is accepted too.
        body: {
          content: {
            'application/x-www-form-urlencoded': { schema: TokenRequest },
            'application/json': { schema: TokenRequest },
          },
        },
        response: {
          200: TokenResponse,
          400: oauthErrorResponse(
            400,
            'An OAuth error (RFC 6749 section 5.2): a missing or malformed parameter (`invalid_request`), a scope the client may not have (`invalid_scope`), or a grant type other than client_credentials (`unsupported_grant_type`). The body is never answered with 422.',
            "This server grants client_credentials only, not 'password'.",
          ),
          401: oauthErrorResponse(
            401,
            'The client id or secret is wrong, or the client is revoked (`invalid_client`).',
            'Unknown client, wrong secret, or revoked client.',
          ),
          ...problemResponses(429),
        },
      },
    },
    async (request, reply) => {
      // Bodies of other media types are not validated by the route's schema: accept only an object.
      const raw = request.body;
      if (request.validationError) {
        // The body validator's issues (a pointer and a message each), or Ajv's.
        const error = request.validationError as Error & {
          extra?: { errors?: { pointer: string; message: string }[] };
          validation?: { instancePath?: string; message?: string }[];
        };
        const issue = error.extra?.errors?.[0];
        const ajv = error.validation?.[0];
        const where = (issue?.pointer ?? ajv?.instancePath ?? '').replace(/^\//, '');
        throw oauthError(
          'invalid_request',
          `${where ? `${where}: ` : ''}${issue?.message ?? ajv?.message ?? error.message}`,
        );
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw oauthError(
          'invalid_request',
          'Send a form (application/x-www-form-urlencoded) or a JSON object with grant_type=client_credentials.',
        );
      }
      const body = raw as { client_id?: string; client_secret?: string; scope?: string; grant_type?: string };
      if (!body.grant_type)
        throw oauthError('invalid_request', 'grant_type is missing: send client_credentials.');
      if (body.grant_type !== 'client_credentials')
        throw oauthError(
          'unsupported_grant_type',
          `This server grants client_credentials only, not '${body.grant_type}'.`,
        );
      let clientId = body.client_id;
      let secret = body.client_secret;
      const basic = request.headers.authorization;
      if (basic?.startsWith('Basic ')) {
        ({ clientId, secret } = basicCredentials(basic));
      }
      if (!clientId || !secret)
        throw oauthError(
          'invalid_request',
          'Send client_id and client_secret, in the body or with HTTP Basic.',
        );
      const client = await prisma.apiClient.findUnique({ where: { clientId } });
      // The same answer, after the same scrypt work, for an unknown client, a revoked one and a wrong
      // secret, so client ids can be found neither by the answer nor by its timing.
      const matches = await verifySecret(secret, client?.secretHash ?? (await dummySecretHash()));
      if (!client || client.revokedAt || !matches) {
        throw oauthError('invalid_client', 'Unknown client, wrong secret, or revoked client.');
      }
      const asked = body.scope?.split(' ').filter(Boolean) ?? client.scopes;
      const refused = asked.filter((s) => !client.scopes.includes(s));
      if (refused.length)
        throw oauthError('invalid_scope', `This client may not have: ${refused.join(' ')}.`);
      const { token, expiresIn } = await tokens.issue({
        clientId,
        organisationId: client.organisationId,
        scopes: asked,
      });
      reply.header('cache-control', 'no-store');
      return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: asked.join(' ') };
    },
  );
}
