import { randomUUID } from 'node:crypto';
import { JWK_SENDER_MEMBER, JWK_USE_MEMBER, senderKey } from '@celr/schema';
import type { FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import Type from 'typebox';
import type { PrismaClient } from '../generated/prisma/client.js';
import { notFound, ProblemError } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';
import { refOf } from '../transfers/organisation-ref.js';
import { jwksEntry, KEY_ALG, type KeyStore, type PublishedKey, publicOnly } from './keys.js';

const short = (description?: string) =>
  Type.String({ maxLength: 200, ...(description ? { description } : {}) });

const PublicJwk = Type.Object(
  {
    kty: Type.Literal('EC'),
    crv: Type.Literal('P-256'),
    x: short(),
    y: short(),
    kid: short('RFC 7638 thumbprint of the key.'),
    alg: Type.Literal('ES256'),
    use: Type.Literal('sig'),
    'x-celr-use': Type.Enum(['token', 'bundle'], {
      type: 'string',
      description: 'What the key signs: access tokens, or transfer bundles.',
    }),
    'x-celr-sender': Type.Optional(
      short('For a bundle key: the organisation it signs for, as `<scheme>:<code>` (e.g. `la-code:990`).'),
    ),
  },
  { description: 'A public signing key (JWK, RFC 7517). Never a private member.' },
);

const Jwks = Type.Object(
  { keys: Type.Array(PublicJwk, { maxItems: 10_000 }) },
  {
    description:
      'The public keys of this deployment (RFC 7517 JWK Set): the keys that sign access tokens and the keys each organisation signs bundles with, including retired keys until what they signed has expired.',
  },
);

const KeyInfo = Type.Object({
  kid: short(),
  use: Type.Enum(['token', 'bundle'], { type: 'string' }),
  organisationId: Type.Union([Type.String({ format: 'uuid', maxLength: 36 }), Type.Null()], {
    description: 'The organisation a bundle key signs for.',
  }),
  createdAt: Type.String({ format: 'date-time', maxLength: 35 }),
  retiredAt: Type.Union([Type.String({ format: 'date-time', maxLength: 35 }), Type.Null()], {
    description: 'When a newer key took over; null for the key that signs now.',
  }),
  publishUntil: Type.Union([Type.String({ format: 'date-time', maxLength: 35 }), Type.Null()], {
    description: 'A retired key is published and accepted until then.',
  }),
});

const SenderRef = Type.Object(
  {
    scheme: Type.Enum(['la-code', 'council-code', 'urn', 'seed-code', 'celr-vendor'], {
      type: 'string',
      description: 'How `code` names the sending organisation (as in bundle manifests).',
    }),
    code: Type.String({ minLength: 1, maxLength: 20 }),
  },
  { additionalProperties: false },
);

const NewSender = Type.Object(
  {
    sender: SenderRef,
    jwks: Type.Object(
      {
        keys: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1, maxItems: 100 }),
      },
      {
        additionalProperties: true,
        description:
          "The sender's JWK Set (its deployment's `/.well-known/jwks.json`). Keys that say they sign for another organisation, or sign tokens, are left out.",
      },
    ),
  },
  { additionalProperties: false },
);

const SenderKey = Type.Object({
  sender: SenderRef,
  kid: short(),
  createdAt: Type.String({ format: 'date-time', maxLength: 35 }),
});

const tags = ['Administration'];

const info = (k: PublishedKey) => ({
  kid: k.kid,
  use: k.use,
  organisationId: k.organisationId,
  createdAt: k.createdAt.toISOString(),
  retiredAt: k.retiredAt?.toISOString() ?? null,
  publishUntil: k.publishUntil?.toISOString() ?? null,
});

/** The JWK Set of this deployment: every published key, public members only. */
export async function deploymentJwks(prisma: PrismaClient, keys: KeyStore): Promise<{ keys: JWK[] }> {
  const published = await keys.list();
  const orgIds = [...new Set(published.map((k) => k.organisationId).filter((id): id is string => !!id))];
  const orgs = orgIds.length ? await prisma.organisation.findMany({ where: { id: { in: orgIds } } }) : [];
  const senderOf = new Map(orgs.map((o) => [o.id, senderKey(refOf(o))]));
  return {
    keys: published.map((k) =>
      jwksEntry(k, k.use === 'bundle' && k.organisationId ? senderOf.get(k.organisationId) : undefined),
    ),
  };
}

/** The JWKS endpoint, key rotation for the operator, and the peers' bundle keys this deployment trusts. */
export function registerKeyRoutes(app: FastifyInstance, prisma: PrismaClient, keys: KeyStore) {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        operationId: 'getJwks',
        summary: 'Public signing keys (JWKS)',
        description:
          "The keys that verify this deployment's access tokens and the bundles its organisations send. A receiving deployment registers the bundle keys of a sender with `registerBundleSender`; `celr validate --jwks` checks a bundle offline against it. Cacheable for five minutes; after a rotation the previous key stays listed until what it signed has expired.",
        tags: ['Authentication'],
        response: { 200: Jwks, ...problemResponses(429) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      reply.type('application/jwk-set+json');
      return deploymentJwks(prisma, keys);
    },
  );

  app.get(
    '/v1/admin/keys',
    {
      schema: {
        operationId: 'listSigningKeys',
        summary: 'List signing keys',
        description:
          'The published keys: the one signing now and retired ones still honoured. No private key.',
        tags,
        response: {
          200: Type.Object({ items: Type.Array(KeyInfo, { maxItems: 10_000 }) }),
          ...problemResponses(401, 403, 429),
        },
      },
    },
    async () => ({ items: (await keys.list()).map(info) }),
  );

  app.post(
    '/v1/admin/keys/rotate',
    {
      schema: {
        operationId: 'rotateSigningKey',
        summary: 'Rotate a signing key',
        description:
          'A new key signs from now on (every API process takes it up within CELR_KEY_REFRESH_MS); the previous key is retired but stays in the JWKS, and is accepted, until what it signed has expired (token keys: the token lifetime; bundle keys: CELR_BUNDLE_KEY_OVERLAP_DAYS). For `bundle`, name the organisation; receiving deployments must register the new key.',
        tags,
        body: Type.Object(
          {
            use: Type.Enum(['token', 'bundle'], { type: 'string' }),
            organisationId: Type.Optional(
              Type.String({ format: 'uuid', maxLength: 36, description: 'For a bundle key: whose.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: KeyInfo, ...problemResponses(400, 401, 403, 404, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const { use, organisationId } = request.body as { use: 'token' | 'bundle'; organisationId?: string };
      if (use === 'token' && organisationId)
        throw new ProblemError(
          'validation',
          'Token keys belong to the deployment: leave out organisationId.',
          {
            errors: [{ pointer: '/organisationId', rule: 'token-key', message: 'Not for a token key.' }],
          },
        );
      if (use === 'bundle') {
        if (!organisationId)
          throw new ProblemError('validation', 'Name the organisation whose bundle key rotates.', {
            errors: [{ pointer: '/organisationId', rule: 'required', message: 'Required for a bundle key.' }],
          });
        if (!(await prisma.organisation.findUnique({ where: { id: organisationId } })))
          throw notFound('organisation');
      }
      const key = await keys.rotate(use, organisationId ?? null);
      request.log.info({ kid: key.kid, use }, 'signing key rotated');
      return reply.code(201).send(info(key));
    },
  );

  app.post(
    '/v1/admin/bundle-senders',
    {
      schema: {
        operationId: 'registerBundleSender',
        summary: "Trust a sending organisation's bundle keys",
        description:
          "Registers the public keys another deployment's organisation signs bundles with (from its `/.well-known/jwks.json`), so `importBundle` accepts bundles that organisation signed. Keys marked for another organisation or for tokens are left out; a key with a private member is refused. Registering a key again changes nothing.",
        tags,
        body: NewSender,
        response: {
          201: Type.Object({ items: Type.Array(SenderKey, { maxItems: 100 }) }),
          ...problemResponses(400, 401, 403, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { sender, jwks } = request.body as {
        sender: { scheme: string; code: string };
        jwks: { keys: JWK[] };
      };
      const wanted = senderKey(sender);
      const accepted: { kid: string; jwk: JWK }[] = [];
      for (const [i, raw] of jwks.keys.entries()) {
        const jwk = raw as JWK & Record<string, unknown>;
        const pointer = `/jwks/keys/${i}`;
        if ('d' in jwk || 'k' in jwk)
          throw new ProblemError(
            'validation',
            'A JWKS to register holds public keys only; this one has a private key.',
            {
              errors: [{ pointer, rule: 'private-key', message: 'Send only public keys.' }],
            },
          );
        if (jwk[JWK_USE_MEMBER] !== undefined && jwk[JWK_USE_MEMBER] !== 'bundle') continue;
        if (jwk[JWK_SENDER_MEMBER] !== undefined && jwk[JWK_SENDER_MEMBER] !== wanted) continue;
        if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || (jwk.alg !== undefined && jwk.alg !== KEY_ALG))
          continue;
        try {
          await importJWK(publicOnly(jwk), KEY_ALG);
        } catch {
          throw new ProblemError('validation', 'A key in the JWKS is not a usable P-256 public key.', {
            errors: [{ pointer, rule: 'jwk', message: 'Not a P-256 public key.' }],
          });
        }
        const kid =
          typeof jwk.kid === 'string' && jwk.kid ? jwk.kid.slice(0, 200) : await calculateJwkThumbprint(jwk);
        accepted.push({ kid, jwk: { ...publicOnly(jwk), kid } });
      }
      if (!accepted.length)
        throw new ProblemError('validation', `The JWKS holds no ES256 bundle key for ${wanted}.`, {
          errors: [{ pointer: '/jwks/keys', rule: 'no-bundle-key', message: `No bundle key for ${wanted}.` }],
        });
      await prisma.bundleSenderKey.createMany({
        data: accepted.map((k) => ({
          id: randomUUID(),
          scheme: sender.scheme,
          code: sender.code,
          kid: k.kid,
          publicJwk: k.jwk as never,
        })),
        skipDuplicates: true,
      });
      const rows = await prisma.bundleSenderKey.findMany({
        where: { scheme: sender.scheme, code: sender.code, kid: { in: accepted.map((k) => k.kid) } },
        orderBy: [{ createdAt: 'asc' }, { kid: 'asc' }],
      });
      request.log.info({ sender: wanted, kids: rows.map((r) => r.kid) }, 'bundle sender keys registered');
      return reply.code(201).send({ items: rows.map(senderKeyOut) });
    },
  );

  app.get(
    '/v1/admin/bundle-senders',
    {
      schema: {
        operationId: 'listBundleSenders',
        summary: 'List trusted bundle sender keys',
        description:
          'The public keys whose signatures on transfer bundles are trusted, by sending organisation (scheme and code).',
        tags,
        response: {
          200: Type.Object({ items: Type.Array(SenderKey, { maxItems: 10_000 }) }),
          ...problemResponses(401, 403, 429),
        },
      },
    },
    async () => ({
      items: (
        await prisma.bundleSenderKey.findMany({
          orderBy: [{ scheme: 'asc' }, { code: 'asc' }, { createdAt: 'asc' }],
          take: 10_000,
        })
      ).map(senderKeyOut),
    }),
  );

  app.delete(
    '/v1/admin/bundle-senders/:scheme/:code',
    {
      schema: {
        operationId: 'removeBundleSender',
        summary: "Stop trusting a sender's bundle keys",
        description: 'Removes every registered key of the sender, or only the one `kid` names.',
        tags,
        params: SenderRef,
        querystring: Type.Object(
          { kid: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: {
          204: { type: 'null', description: 'Removed' },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const { scheme, code } = request.params as { scheme: string; code: string };
      const { kid } = request.query as { kid?: string };
      const { count } = await prisma.bundleSenderKey.deleteMany({
        where: { scheme, code, ...(kid ? { kid } : {}) },
      });
      if (!count) throw notFound('bundle sender key');
      return reply.code(204).send();
    },
  );
}

const senderKeyOut = (r: { scheme: string; code: string; kid: string; createdAt: Date }) => ({
  sender: { scheme: r.scheme, code: r.code },
  kid: r.kid,
  createdAt: r.createdAt.toISOString(),
});
