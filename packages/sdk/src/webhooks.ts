/**
 * Verifying CELR webhook deliveries, as the Standard Webhooks specification describes
 * (https://www.standardwebhooks.com). Web Crypto only, so it runs in browsers, workers and Node.js.
 *
 *   const event = await verifyWebhook(rawBody, request.headers, process.env.CELR_WEBHOOK_SECRET);
 *
 * Pass the body exactly as received (a string or bytes), before any JSON parsing.
 */

import type { FeedChange, RecordKind } from '@celr/schema';

/** The body of a CELR delivery: ids only; fetch the record to see it. */
export interface CelrWebhookEvent {
  type: 'celr.change';
  /** When the change was made (ISO 8601). */
  timestamp: string;
  data: {
    change: FeedChange;
    recordKind: RecordKind;
    recordId: string;
    learnerId: string;
    version?: number | undefined;
  };
}

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

export type WebhookHeaders =
  | Headers
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };

export interface VerifyOptions {
  /** How far the `webhook-timestamp` may be from now, either way. Default 300 (five minutes). */
  toleranceSeconds?: number | undefined;
  /** The current time, in seconds since the epoch (for tests). */
  nowSeconds?: number | undefined;
}

const header = (headers: WebhookHeaders, name: string): string | undefined => {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value =
    record[name] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1] ?? undefined;
  return Array.isArray(value) ? value[0] : value;
};

function fromBase64(value: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(value);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

/**
 * Checks a delivery's `webhook-signature` against the subscription's secret (`whsec_...`), and that
 * its `webhook-timestamp` is recent, and returns the parsed event. Throws WebhookVerificationError
 * otherwise. Signatures are compared in constant time (Web Crypto's HMAC verify).
 */
export async function verifyWebhook<T = CelrWebhookEvent>(
  payload: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
  { toleranceSeconds = 300, nowSeconds }: VerifyOptions = {},
): Promise<T> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook headers.');
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('Invalid webhook-timestamp.');
  const now = nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > toleranceSeconds)
    throw new WebhookVerificationError('The webhook-timestamp is too old or too new.');

  const key = fromBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  if (!key || key.length === 0) throw new WebhookVerificationError('The secret is not a webhook secret.');
  const encoder = new TextEncoder();
  const body = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  const content = encoder.encode(`${id}.${timestamp}.${body}`);
  const cryptoKey = await globalThis.crypto.subtle.importKey(
    'raw',
    key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  // The header may carry several signatures (while a secret is rotated), separated by spaces.
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const candidate = fromBase64(value);
    if (candidate?.length !== 32) continue;
    if (await globalThis.crypto.subtle.verify('HMAC', cryptoKey, candidate, content)) {
      try {
        return JSON.parse(body) as T;
      } catch {
        throw new WebhookVerificationError('The payload is not JSON.');
      }
    }
  }
  throw new WebhookVerificationError('No matching signature.');
}
