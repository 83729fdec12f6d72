/**
 * Get changes pushed to you: subscribe to webhooks, receive and verify deliveries with node:http,
 * and keep a local copy in step. site/guides/integrate-mis.md includes the regions of this file, and
 * tests/docs/examples.test.ts runs them against a running API, so the guide cannot drift from the API.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CelrWebhookEvent, verifyWebhook } from '@celr/sdk';
import { type Api, ApiError } from './sync-from-mis.js';

// #region subscribe
/**
 * Asks CELR to POST every change to learners and plans your organisation may see to `receiverUrl`
 * (https to a public address; plain http to 127.0.0.1 or localhost only where the API's operator allows
 * loopback, with CELR_WEBHOOK_ALLOW_TARGETS, for development). Deliveries start from now:
 * there is no backlog, so do one full pull (`GET /v1/learners`) after subscribing.
 */
export async function subscribe(api: Api, receiverUrl: string) {
  const response = await api('/v1/webhook-subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      url: receiverUrl,
      recordKinds: ['learner', 'plan'],
      description: 'Example MIS: keep pupils and PEPs in step',
    }),
  });
  const subscription = (await response.json()) as { id: string; url: string; secret: string };
  // The secret (`whsec_...`) is in this answer only: store it where you keep your other secrets (a
  // vault, an environment variable), never in code or logs. The receiver needs it to verify deliveries.
  return subscription;
}
// #endregion subscribe

// #region receiver
/**
 * A receiver: reads the raw body, verifies its signature, answers at once (CELR waits 5 seconds at
 * most, and retries anything but 2xx), and hands the event to `onEvent` to be dealt with afterwards.
 *
 * - Retries and replays resend a delivery with the same `webhook-id`: drop the ones you have seen.
 *   (Keep the ids in your database for a day or so; this example keeps them in memory.)
 * - Deliveries are sent concurrently and retried, so they may arrive out of order. Each event carries
 *   the record's `version`: the larger one is the newer.
 * - The body holds ids only, never a learner's details: the handler fetches the record with its own
 *   token, so it always sees what it is allowed to see, as it is now.
 */
export function webhookReceiver(options: {
  /** The subscription's secret, read from where you keep it (`() => process.env.CELR_WEBHOOK_SECRET`). */
  secret: () => string | undefined;
  onEvent: (event: CelrWebhookEvent) => Promise<void>;
}): Server {
  const seen = new Set<string>();
  return createServer(async (request, response) => {
    if (request.method !== 'POST') return void response.writeHead(405).end();
    // The signature covers the exact bytes sent: verify them before any JSON parsing.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > 64 * 1024) return void response.writeHead(413).end();
      chunks.push(chunk);
    }
    const secret = options.secret();
    if (!secret) return void response.writeHead(503).end(); // Not set up yet: CELR will retry.
    let event: CelrWebhookEvent;
    try {
      // Checks the `webhook-signature` against the secret and that `webhook-timestamp` is recent.
      event = await verifyWebhook(Buffer.concat(chunks), request.headers, secret);
    } catch {
      // Not from CELR, altered, or too old to trust: refuse it, and do nothing else.
      return void response.writeHead(400).end();
    }
    response.writeHead(204).end();

    const id = String(request.headers['webhook-id']);
    if (seen.has(id)) return;
    seen.add(id);
    // If handling fails, forget the id, so that a replay of the delivery is handled.
    await options.onEvent(event).catch(() => seen.delete(id));
  });
}

/** Handles events one at a time, in the order they arrived, off the request that brought them. */
export function queue(handle: (event: CelrWebhookEvent) => Promise<void>) {
  let tail: Promise<void> = Promise.resolve();
  const push = (event: CelrWebhookEvent): Promise<void> => {
    const done = tail.then(() => handle(event));
    tail = done.catch((error: unknown) => console.error('webhook handler failed:', error));
    return done;
  };
  /** Resolves when every event queued so far has been handled. */
  const idle = () => tail;
  return { push, idle };
}

/** Listens on `host:port` (0: any free port) and gives the URL to subscribe with. */
export async function listen(server: Server, host = '127.0.0.1', port = 0, path = '/celr-hooks') {
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}${path}`;
}
// #endregion receiver

// #region handle
interface Held {
  kind: CelrWebhookEvent['data']['recordKind'];
  learnerId: string;
  version: number;
  record: unknown;
}

/** Your own copy of what CELR holds: a Map here; your database in an MIS. */
export class LocalCopy {
  readonly records = new Map<string, Held>();

  version(kind: string, id: string) {
    return this.records.get(`${kind}/${id}`)?.version;
  }
  /** Keeps the newer of what it holds and what it is given: events may arrive out of order. */
  put(kind: Held['kind'], id: string, learnerId: string, record: { meta: { version: number } }) {
    if ((this.version(kind, id) ?? 0) > record.meta.version) return;
    this.records.set(`${kind}/${id}`, { kind, learnerId, version: record.meta.version, record });
  }
  remove(kind: string, id: string) {
    this.records.delete(`${kind}/${id}`);
  }
  /** The learner and every record about them. */
  forgetLearner(learnerId: string) {
    for (const [key, held] of this.records) if (held.learnerId === learnerId) this.records.delete(key);
  }
}

const COLLECTIONS = {
  learner: '/v1/learners',
  plan: '/v1/plans',
  meeting: '/v1/meetings',
  transition: '/v1/transitions',
} as const;

/** What to do with each change: fetch what is new, drop what is gone. */
export function changeHandler(api: Api, copy: LocalCopy) {
  async function fetchRecord(kind: Held['kind'], id: string, learnerId: string) {
    try {
      const record = (await (await api(`${COLLECTIONS[kind]}/${id}`)).json()) as {
        meta: { version: number };
      };
      copy.put(kind, id, learnerId, record);
    } catch (error) {
      // 410: deleted since the event was sent; 404: no longer visible to you (a `hidden` follows).
      if (!(error instanceof ApiError) || ![404, 410].includes(error.problem.status)) throw error;
      copy.remove(kind, id);
    }
  }

  return async function handle(event: CelrWebhookEvent) {
    const { change, recordKind, recordId, learnerId, version } = event.data;
    switch (change) {
      case 'created':
      case 'updated':
        // An older event arriving after a newer one: what you hold is already at least as new.
        if (version !== undefined && (copy.version(recordKind, recordId) ?? 0) >= version) return;
        await fetchRecord(recordKind, recordId, learnerId);
        return;
      case 'visible': {
        // A learner became visible to you (a transfer to you was accepted, say): fetch them, and
        // their plans, whose earlier changes were never sent to you.
        await fetchRecord('learner', learnerId, learnerId);
        let next: string | undefined = `/v1/plans?learner=${learnerId}&limit=200`;
        while (next) {
          const page = (await (await api(next)).json()) as {
            items: { id: string; meta: { version: number } }[];
            next?: string;
          };
          for (const plan of page.items) copy.put('plan', plan.id, learnerId, plan);
          next = page.next;
        }
        return;
      }
      case 'deleted':
        copy.remove(recordKind, recordId);
        return;
      case 'hidden':
        // You may no longer see this learner (they left your school's roll, say): forget them and
        // everything about them.
        copy.forgetLearner(learnerId);
        return;
    }
  };
}
// #endregion handle

// #region run
/**
 * Everything together: a receiver keeping a local copy in step. It listens first, so that it has a
 * URL to subscribe with; the secret the subscription returns is then kept (here, in memory).
 */
export async function startReceiver(api: Api, host = '127.0.0.1', port = 0) {
  const copy = new LocalCopy();
  const events = queue(changeHandler(api, copy));
  let secret: string | undefined;
  const server = webhookReceiver({ secret: () => secret, onEvent: events.push });
  const url = await listen(server, host, port);
  const subscription = await subscribe(api, url);
  secret = subscription.secret;
  return { subscription, url, copy, events, server };
}
// #endregion run
