import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WebhookVerificationError } from '@celr/sdk';
import type { TestContext } from '../context.js';
import { CELR, type ConformanceTest, WRITERS } from '../define.js';
import { feedAfter, feedEnd } from './access.js';
import { expectProblem } from './problems.js';

/** The most the receiver reads of one delivery. */
const MAX_DELIVERY_BYTES = 1024 * 1024;

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A webhook receiver on a loopback port for one test: it answers 204 to every POST and keeps what
 * came. The server under test must be able to reach it (run the kit on the server's machine, or
 * give --receiver-host).
 */
async function receiver() {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A delivery is one small event: a server that sends more (or never stops) is cut off, and
    // the kit's memory is not its to fill.
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size > MAX_DELIVERY_BYTES) {
        res.statusCode = 413;
        res.end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const feedTests: ConformanceTest[] = [
  {
    id: 'feed-created-updated-deleted',
    group: 'feed',
    title: "A record's create, update and delete appear in the change feed, in order",
    clause: CELR('concepts/versions', 'lists'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const start = await feedEnd(t);
      const made = await t.learner();
      const patch = await t.send('PATCH', `/v1/learners/${made.id}`, {
        raw: JSON.stringify({ name: { preferred: 'Feed' } }),
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': made.etag },
      });
      t.status(patch, 200, 'PATCH');
      const del = await t.send('DELETE', `/v1/learners/${made.id}`, { headers: { 'if-match': '*' } });
      t.status(del, [200, 204], 'DELETE');
      // Only the record's own changes: `visible` and `hidden` say when the reader came to see the
      // learner, which an implementation may say around a create.
      const written = new Set(['created', 'updated', 'deleted']);
      const changes = await t.eventually('The three changes in the feed', async () => {
        const mine = (await feedAfter(t, start)).filter(
          (e) => e.recordId === made.id && written.has(e.change),
        );
        return mine.length >= 3 ? mine : undefined;
      });
      const seen = changes.map((e) => `${e.change}:${e.version ?? ''}`);
      t.check(
        JSON.stringify(seen) === JSON.stringify(['created:1', 'updated:2', 'deleted:3']),
        `The feed says ${JSON.stringify(seen)}, not created 1, updated 2, deleted 3.`,
      );
      return seen.join(', ');
    },
  },
  {
    id: 'feed-bad-cursor',
    group: 'feed',
    title: 'A feed cursor the server did not hand out is refused with a problem',
    clause: CELR('concepts/errors', 'rules'),
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const res = await t.send('GET', '/v1/changes?after=bm90LWEtY3Vyc29y');
      t.status(res, 400, 'GET /v1/changes with a made-up cursor');
      expectProblem(t, res, 'invalid-query');
      return '400 invalid-query';
    },
  },
  {
    id: 'webhooks-signed-delivery',
    group: 'webhooks',
    title: 'A change is delivered to a subscription, signed with its secret (Standard Webhooks)',
    clause: `Standard Webhooks v1; ${CELR('guides/integrate-mis', 'webhooks-receive')}`,
    level: 'mandatory',
    roles: WRITERS,
    async run(t: TestContext) {
      const hook = await receiver();
      t.onCleanup(hook.close);
      const host = t.session.options.receiverHost ?? 'http://127.0.0.1';
      const created = await t.send('POST', '/v1/webhook-subscriptions', {
        body: {
          url: `${host}:${hook.port}/celr-conformance/${randomUUID()}`,
          recordKinds: ['learner'],
          changes: ['created'],
          description: 'CELR conformance kit (removed after the test)',
        },
      });
      // A server may refuse deliveries to internal addresses (the reference does, unless its operator
      // allows them): then the kit cannot receive them, which says nothing about the server's webhooks.
      const refused = (
        (created.json as { errors?: { pointer?: string; rule?: string }[] } | undefined)?.errors ?? []
      ).find((e) => e.pointer === '/url' && e.rule === 'public-address-required');
      if (created.status === 422 && refused)
        t.skip(
          `The server does not deliver to ${host}: run the kit where the server can reach it (--receiver-host), or allow that address on the server (the reference: CELR_WEBHOOK_ALLOW_TARGETS).`,
        );
      t.status(created, 201, 'POST /v1/webhook-subscriptions');
      const subscription = created.json as { id: string; secret?: string };
      t.onCleanup(() => t.send('DELETE', `/v1/webhook-subscriptions/${subscription.id}`));
      t.check(typeof subscription.secret === 'string', 'The subscription answered no secret to verify with.');
      const made = await t.learner();
      const delivery = await t.eventually('A delivery about the learner', async () =>
        hook.deliveries.find((d) => d.body.includes(made.id)),
      );
      try {
        const event = await verifyWebhook(
          delivery.body,
          delivery.headers as Record<string, string>,
          subscription.secret,
        );
        t.check(event.data?.recordId === made.id, 'The verified event is about another record.');
        t.check(event.data.change === 'created', `The event's change is ${event.data.change}, not created.`);
      } catch (error) {
        if (error instanceof WebhookVerificationError)
          t.check(false, `The delivery does not verify: ${error.message}`);
        throw error;
      }
      return `delivered and verified (${delivery.headers['webhook-id']})`;
    },
  },
];
