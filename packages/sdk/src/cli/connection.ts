import { createRequire } from 'node:module';
import { ClientCredentialsTokenSource, type TokenSource } from '../auth.js';
import { CelrClient } from '../client.js';
import { type RetryEvent, retryingFetch } from '../retry.js';
import { type CliIO, type OptionSpecs, UsageError, type Values } from './command.js';

/** The options of every command that talks to the API; each falls back to its environment variable. */
export const connectionOptions = {
  'api-url': {
    type: 'string',
    value: '<url>',
    description: 'Where the API is served, e.g. https://celr.example.org.',
    env: 'CELR_API_URL',
  },
  'client-id': { type: 'string', value: '<id>', description: 'OAuth client id.', env: 'CELR_CLIENT_ID' },
  'client-secret': {
    type: 'string',
    value: '<secret>',
    description: 'OAuth client secret (prefer the variable: arguments are visible to other users).',
    env: 'CELR_CLIENT_SECRET',
  },
  'on-behalf-of': {
    type: 'string',
    value: '<org id>',
    description: 'Vendors: the organisation to act for.',
    env: 'CELR_ON_BEHALF_OF',
  },
} as const satisfies OptionSpecs;

export interface Connection {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  onBehalfOf?: string;
}

export function connectionFrom(values: Values<typeof connectionOptions>, io: CliIO): Connection {
  const pick = (name: keyof typeof connectionOptions) =>
    values[name] || io.env[connectionOptions[name].env] || undefined;
  const baseUrl = pick('api-url');
  const clientId = pick('client-id');
  const clientSecret = pick('client-secret');
  const missing = [
    !baseUrl && '--api-url (or CELR_API_URL)',
    !clientId && '--client-id (or CELR_CLIENT_ID)',
    !clientSecret && '--client-secret (or CELR_CLIENT_SECRET)',
  ].filter(Boolean);
  if (missing.length) throw new UsageError(`say how to reach the API: ${missing.join(', ')} missing.`);
  let url: URL;
  try {
    url = new URL(baseUrl!);
  } catch {
    throw new UsageError(`--api-url ${baseUrl}: not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--api-url ${baseUrl}: use an http or https URL.`);
  }
  const onBehalfOf = pick('on-behalf-of');
  return {
    baseUrl: baseUrl!,
    clientId: clientId!,
    clientSecret: clientSecret!,
    ...(onBehalfOf ? { onBehalfOf } : {}),
  };
}

export const CLI_VERSION: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;

export const USER_AGENT = `celr-cli/${CLI_VERSION}`;

/** The client's access tokens, cached; shared by the typed client and requests made without it (uploads). */
export function tokensFor(connection: Connection, onRetry: (event: RetryEvent) => void): TokenSource {
  const { baseUrl, clientId, clientSecret } = connection;
  return new ClientCredentialsTokenSource(
    baseUrl,
    { clientId, clientSecret },
    retryingFetch((request) => globalThis.fetch(request), undefined, { onRetry }),
  );
}

export function clientFor(
  connection: Connection,
  onRetry: (event: RetryEvent) => void,
  tokens: TokenSource = tokensFor(connection, onRetry),
): CelrClient {
  return new CelrClient({ ...connection, headers: { 'user-agent': USER_AGENT }, onRetry }, tokens);
}

export const describeRetry = (e: RetryEvent) =>
  `retrying ${e.method} ${new URL(e.url).pathname} in ${e.delayMs} ms (${e.status ? `HTTP ${e.status}` : 'no response'}, retry ${e.attempt})`;
