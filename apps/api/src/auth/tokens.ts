import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';

export interface TokenSettings {
  issuer: string;
  audience: string;
  /** Lifetime of an access token in seconds. */
  ttlSeconds: number;
}

export interface AccessClaims {
  clientId: string;
  organisationId: string;
  scopes: string[];
}

/**
 * Signs and verifies access tokens (JWT, HS256). The key is shared by every API process through
 * the database (or given in CELR_TOKEN_SECRET), so a token from one process is good at all.
 */
export class TokenIssuer {
  private constructor(
    private readonly key: KeyObject,
    private readonly kid: string,
    readonly settings: TokenSettings,
  ) {}

  static async load(prisma: PrismaClient, settings: TokenSettings, secret?: string): Promise<TokenIssuer> {
    if (secret) return new TokenIssuer(createSecretKey(Buffer.from(secret)), 'env', settings);
    // The first process to start creates the key; the others read it. skipDuplicates keeps the race harmless.
    await prisma.signingKey.createMany({
      data: [{ kid: 'primary', secret: randomBytes(32).toString('base64url') }],
      skipDuplicates: true,
    });
    const row = await prisma.signingKey.findUniqueOrThrow({ where: { kid: 'primary' } });
    return new TokenIssuer(createSecretKey(Buffer.from(row.secret, 'base64url')), row.kid, settings);
  }

  async issue(claims: AccessClaims): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ org: claims.organisationId, scope: claims.scopes.join(' ') })
      .setProtectedHeader({ alg: 'HS256', kid: this.kid, typ: 'at+jwt' })
      .setSubject(claims.clientId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setJti(randomBytes(12).toString('base64url'))
      .setExpirationTime(`${this.settings.ttlSeconds}s`)
      .sign(this.key);
    return { token, expiresIn: this.settings.ttlSeconds };
  }

  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['HS256'],
        typ: 'at+jwt',
      });
      if (
        typeof payload.sub !== 'string' ||
        typeof payload.org !== 'string' ||
        typeof payload.scope !== 'string'
      ) {
        throw new Error('claims');
      }
      return {
        clientId: payload.sub,
        organisationId: payload.org,
        scopes: payload.scope.split(' ').filter(Boolean),
      };
    } catch (error) {
      const detail =
        error instanceof joseErrors.JWTExpired
          ? 'The access token has expired; request a new one from /oauth/token.'
          : error instanceof joseErrors.JWTClaimValidationFailed
            ? `The access token is not for this API (${error.claim} claim).`
            : 'The access token is not valid.';
      throw new ProblemError('unauthorised', detail, {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
  }
}
