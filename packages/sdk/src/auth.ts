import createClient from 'openapi-fetch';
import { CelrProblemError } from './errors.js';
import type { paths } from './generated/api.js';
import type { FetchLike } from './retry.js';

/** Something that hands out access tokens: the client-credentials cache below, or your own. */
export interface TokenSource {
  /** A token valid for a while yet; fetched or refreshed when needed. */
  token(): Promise<string>;
  /** Forget `token` (the API refused it): the next `token()` gets a new one. */
  invalidate(token: string): void;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes to ask for; default all the client has. */
  scope?: string | undefined;
}

/**
 * OAuth 2.0 client credentials (RFC 6749 section 4.4): `POST /oauth/token`, form-encoded. The token
 * is cached and replaced before it expires (a minute early, or a tenth of its life when that is
 * shorter), and concurrent callers share one token request.
 */
export class ClientCredentialsTokenSource implements TokenSource {
  private cached: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly tokenClient;

  constructor(
    baseUrl: string,
    private readonly credentials: ClientCredentials,
    fetch: FetchLike,
    private readonly now: () => number = Date.now,
  ) {
    this.tokenClient = createClient<paths>({ baseUrl, fetch });
  }

  token(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.pending ??= this.request().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async request(): Promise<string> {
    const { clientId, clientSecret, scope } = this.credentials;
    const requestedAt = this.now();
    const { data, error, response } = await this.tokenClient.POST('/oauth/token', {
      body: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        ...(scope ? { scope } : {}),
      },
      // RFC 6749 section 4.4.2: the token request is form-encoded.
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (error !== undefined || !data) throw CelrProblemError.fromResponse(response, error);
    const lifeMs = data.expires_in * 1000;
    const margin = Math.min(60_000, lifeMs / 10);
    this.cached = { token: data.access_token, refreshAt: requestedAt + lifeMs - margin };
    return data.access_token;
  }
}

/** A fixed token, or a function that returns one (for example from your own backend). */
export class StaticTokenSource implements TokenSource {
  constructor(private readonly source: string | (() => string | Promise<string>)) {}
  async token(): Promise<string> {
    return typeof this.source === 'string' ? this.source : this.source();
  }
  invalidate(): void {}
}
