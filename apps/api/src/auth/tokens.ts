import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { ProblemError } from '../http/problem.js';
import { KEY_ALG, type KeyStore } from './keys.js';

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
 * Signs and verifies access tokens: JWTs signed with ES256 by the current token key of the
 * deployment (kid in the header). Keys live in the database (src/auth/keys.ts), so every API
 * process signs with the same key and accepts what any of them signed; after a rotation, tokens
 * signed with the previous key are accepted until they expire. Only ES256 is accepted: a token
 * with another alg (HS256 from the old shared secret, `none`) is refused before any key is looked up.
 */
export class TokenIssuer {
  /**
   * Tokens this process has verified, by their exact text, until they expire. Verifying an ES256
   * signature was a fifth of the CPU of a read; what a verification establishes (signed by a key of
   * this deployment, for this issuer and audience, these claims) holds for the same text until `exp`,
   * except the key, which is looked up again on each use, so a key withdrawn from the database stops
   * its tokens as before. Whether the client may still act is not part of it: that is the caller's
   * (src/auth/caller-cache.ts), checked on every request. Refusals are not kept.
   */
  private verified = new Map<string, { claims: AccessClaims; kid: string; exp: number }>();

  constructor(
    private readonly keys: KeyStore,
    readonly settings: TokenSettings,
    private readonly maxVerified = 10_000,
  ) {}

  async issue(claims: AccessClaims): Promise<{ token: string; expiresIn: number }> {
    const signer = await this.keys.signer('token');
    const token = await new SignJWT({ org: claims.organisationId, scope: claims.scopes.join(' ') })
      .setProtectedHeader({ alg: KEY_ALG, kid: signer.kid, typ: 'at+jwt' })
      .setSubject(claims.clientId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setJti(randomBytes(12).toString('base64url'))
      .setExpirationTime(`${this.settings.ttlSeconds}s`)
      .sign(signer.key);
    return { token, expiresIn: this.settings.ttlSeconds };
  }

  private async keyFor(kid: string | undefined) {
    let key: Awaited<ReturnType<KeyStore['verificationKey']>>;
    try {
      key = typeof kid === 'string' ? await this.keys.verificationKey(kid, 'token') : undefined;
    } catch (error) {
      throw new KeyLookupFailed(error);
    }
    if (!key) throw new UnknownKey();
    return key;
  }

  async verify(token: string): Promise<AccessClaims> {
    const hit = this.verified.get(token);
    if (hit) {
      // The tests jose makes that can change with time: expiry (no tolerance, in whole seconds, as
      // jose counts it) and the key still being published for tokens.
      if (Math.floor(Date.now() / 1000) < hit.exp && (await this.keys.verificationKey(hit.kid, 'token'))) {
        return hit.claims;
      }
      this.verified.delete(token);
    }
    return this.verifyAndKeep(token);
  }

  private async verifyAndKeep(token: string): Promise<AccessClaims> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, (header) => this.keyFor(header.kid), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: [KEY_ALG],
        typ: 'at+jwt',
      });
      if (
        typeof payload.sub !== 'string' ||
        typeof payload.org !== 'string' ||
        typeof payload.scope !== 'string'
      ) {
        throw new Error('claims');
      }
      const claims: AccessClaims = {
        clientId: payload.sub,
        organisationId: payload.org,
        scopes: payload.scope.split(' ').filter(Boolean),
      };
      // Every token this API issues expires; one without exp is verified each time.
      if (typeof payload.exp === 'number' && typeof protectedHeader.kid === 'string') {
        if (this.verified.size >= this.maxVerified) this.verified.clear();
        this.verified.set(token, { claims, kid: protectedHeader.kid, exp: payload.exp });
      }
      return claims;
    } catch (error) {
      // A database that cannot be reached is an outage (503), not a bad token.
      if (error instanceof KeyLookupFailed) throw error.cause;
      const detail =
        error instanceof joseErrors.JWTExpired
          ? 'The access token has expired; request a new one from /oauth/token.'
          : error instanceof joseErrors.JWTClaimValidationFailed
            ? `The access token is not for this API (${error.claim} claim).`
            : error instanceof UnknownKey
              ? 'The access token was signed with a key this API does not hold (or no longer accepts).'
              : 'The access token is not valid.';
      throw new ProblemError('unauthorised', detail, {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
  }
}

class UnknownKey extends Error {}
class KeyLookupFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('The signing keys could not be read.');
  }
}
