import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signature is
 * `v1,` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), where the key is the
 * base64-decoded part of the `whsec_` secret.
 */
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = () => `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

export const secretKey = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');

/** The `webhook-signature` header value for a message. `timestamp` is in seconds since the epoch. */
export function sign(messageId: string, timestamp: number, body: string, secret: string): string {
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${messageId}.${timestamp}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three Standard Webhooks headers for one attempt. With several secrets (the current one and,
 * during the overlap after a rotation, the previous one) the signature header carries one `v1,`
 * signature per secret, separated by spaces, so a receiver holding either secret accepts it.
 */
export function webhookHeaders(
  messageId: string,
  timestamp: number,
  body: string,
  secrets: string | readonly string[],
) {
  const all = typeof secrets === 'string' ? [secrets] : secrets;
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': all.map((secret) => sign(messageId, timestamp, body, secret)).join(' '),
  };
}
