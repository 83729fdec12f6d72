import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '../src/index.js';

// The test vector published with the Standard Webhooks specification.
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const timestamp = 1614265330;
const payload = '{"test": 2432232314}';
const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const headers = (sig = signature, ts = String(timestamp)) =>
  new Headers({ 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig });
const at = { nowSeconds: timestamp };

describe('verifyWebhook', () => {
  it('accepts the Standard Webhooks test vector', async () => {
    expect(await verifyWebhook(payload, headers(), secret, at)).toEqual({ test: 2432232314 });
    // As bytes, with a plain header object, and with the secret without its prefix.
    const plain = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    expect(await verifyWebhook(new TextEncoder().encode(payload), plain, secret.slice(6), at)).toEqual({
      test: 2432232314,
    });
  });

  it('accepts any of several signatures (secret rotation)', async () => {
    const other = 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    expect(await verifyWebhook(payload, headers(`${other} ${signature}`), secret, at)).toEqual({
      test: 2432232314,
    });
  });

  it('rejects a changed body, id or signature, and a wrong secret', async () => {
    await expect(verifyWebhook('{"test": 2432232315}', headers(), secret, at)).rejects.toThrow(
      WebhookVerificationError,
    );
    await expect(
      verifyWebhook(
        payload,
        new Headers({ ...Object.fromEntries(headers()), 'webhook-id': 'msg_x' }),
        secret,
        at,
      ),
    ).rejects.toThrow(WebhookVerificationError);
    await expect(
      verifyWebhook(payload, headers('v1,g1hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='), secret, at),
    ).rejects.toThrow(WebhookVerificationError);
    await expect(verifyWebhook(payload, headers('v2,whatever'), secret, at)).rejects.toThrow(
      'No matching signature',
    );
    await expect(
      verifyWebhook(payload, headers(), 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', at),
    ).rejects.toThrow(WebhookVerificationError);
    await expect(verifyWebhook(payload, new Headers(), secret, at)).rejects.toThrow(
      'Missing webhook headers',
    );
  });

  it('rejects stale and future timestamps, within a tolerance', async () => {
    await expect(verifyWebhook(payload, headers(), secret)).rejects.toThrow('too old or too new');
    await expect(verifyWebhook(payload, headers(), secret, { nowSeconds: timestamp + 301 })).rejects.toThrow(
      'too old or too new',
    );
    await expect(verifyWebhook(payload, headers(), secret, { nowSeconds: timestamp - 301 })).rejects.toThrow(
      'too old or too new',
    );
    expect(await verifyWebhook(payload, headers(), secret, { nowSeconds: timestamp + 299 })).toBeTruthy();
    expect(
      await verifyWebhook(payload, headers(), secret, {
        nowSeconds: timestamp + 3000,
        toleranceSeconds: 3600,
      }),
    ).toBeTruthy();
  });

  it('verifies a fresh delivery signed the way the API signs', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'celr.change', timestamp: new Date().toISOString(), data: {} });
    const mac = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
      .update(`${id}.${now}.${body}`)
      .digest('base64');
    const event = await verifyWebhook(body, headers(`v1,${mac}`, String(now)), secret);
    expect(event.type).toBe('celr.change');
  });
});
