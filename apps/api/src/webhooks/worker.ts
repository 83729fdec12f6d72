import { randomUUID } from 'node:crypto';
import { entryData, type FeedEntry, readFeed, type SqlRunner } from '../changes/feed.js';
import type { Database } from '../db/database.js';
import { PollingLoop } from '../jobs/polling-loop.js';
import { openSecret } from './secrets.js';
import { postDelivery } from './send.js';
import { webhookHeaders } from './signature.js';
import { type Resolver, type TargetPolicy, TargetRefusedError, targetPolicy } from './targets.js';

export interface WebhookSettings {
  /** How often the worker looks for new changes and due deliveries. */
  pollMs: number;
  /** How long a receiver has to answer one attempt. */
  timeoutMs: number;
  /** The wait before each retry; a delivery gets `backoffMs.length + 1` attempts, then fails. */
  backoffMs: number[];
  /** Deliveries sent at once by one worker. */
  concurrency: number;
  /** How long a claim lasts; a worker that dies leaves its claims to expire and be taken again. */
  leaseMs: number;
  /** Feed entries read per subscription per step. */
  batch: number;
  /** Where deliveries may go: public addresses, and the operator's allowed ranges. */
  targets: TargetPolicy;
  /** Resolves receivers' names (the system resolver; tests give their own, to stay on this machine). */
  resolver?: Resolver;
  /** CELR_KEY_ENCRYPTION_KEY, to open sealed secrets. */
  encryptionKey?: string | undefined;
  /** Told of each delivery refused because its name resolved to an address that is not allowed. */
  onRefused?: (error: TargetRefusedError) => void;
}

/**
 * What the delivery log says of every attempt that got no HTTP answer. One text for all of them, on
 * purpose: were "connection refused", "timed out" and "not allowed" told apart, any client could map
 * which ports are open on which hosts by subscribing to them and reading the log.
 */
export const CONNECTION_FAILED =
  'connection-failed: no HTTP answer from the receiver (it could not be reached, or did not answer in time).';
const UNREADABLE_SECRET =
  "The deployment could not read this subscription's secret; its operator has been told.";

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  pollMs: 500,
  timeoutMs: 5_000,
  // 5 s, 30 s, 2 min, 10 min, 1 h, 4 h, 8 h: eight attempts over about 13 hours.
  backoffMs: [5_000, 30_000, 120_000, 600_000, 3_600_000, 14_400_000, 28_800_000],
  concurrency: 8,
  leaseMs: 30_000,
  batch: 200,
  // Public addresses only: loopback and private ranges are allowed only by the operator (config.ts).
  targets: targetPolicy([]),
};

/**
 * The worker's timings from the environment (CELR_WEBHOOK_*), for the server. Only those: which
 * addresses deliveries may go to is the app's (config.webhooks.allowTargets, the same policy
 * subscriptions are checked against), and the defaults here would override it with "public only".
 */
export function webhookSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<WebhookSettings, 'pollMs' | 'timeoutMs' | 'concurrency'> {
  const n = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    pollMs: n('CELR_WEBHOOK_POLL_MS', DEFAULT_WEBHOOK_SETTINGS.pollMs),
    timeoutMs: n('CELR_WEBHOOK_TIMEOUT_MS', DEFAULT_WEBHOOK_SETTINGS.timeoutMs),
    concurrency: n('CELR_WEBHOOK_CONCURRENCY', DEFAULT_WEBHOOK_SETTINGS.concurrency),
  };
}

/** A subscription is served while its client is not revoked and still acts for the organisation. */
const ELIGIBLE = (s: string) => `${s}.enabled AND EXISTS (
  SELECT 1 FROM api_client c WHERE c.client_id = ${s}.client_id AND c.revoked_at IS NULL
    AND (c.organisation_id = ${s}.organisation_id OR EXISTS (
      SELECT 1 FROM delegation g WHERE g.vendor_id = c.organisation_id AND g.organisation_id = ${s}.organisation_id AND g.revoked_at IS NULL)))`;

interface Claimed {
  id: string;
  lease: string;
  messageId: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
  /** The secret before the last rotation, while it still signs. */
  previousSecret: string | null;
}

/** The body of a delivery: ids only (and an alert's kind), never record content. */
export function webhookPayload(entry: FeedEntry): string {
  return JSON.stringify({
    type: 'celr.change',
    timestamp: new Date(entry.at).toISOString(),
    data: entryData(entry),
  });
}

/**
 * Whether a subscription takes an entry. An empty `changes` means every change of a record or of
 * visibility, as it always has; alerts go only to subscriptions that list `alert`.
 */
export function subscribedTo(s: { recordKinds: string[]; changes: string[] }, entry: FeedEntry): boolean {
  if (s.recordKinds.length > 0 && !s.recordKinds.includes(entry.recordKind)) return false;
  if (entry.change === 'alert') return s.changes.includes('alert');
  return s.changes.length === 0 || s.changes.includes(entry.change);
}

/**
 * Sends each subscription the feed entries of its organisation, off the request path. Step one
 * (fan-out) turns new feed entries into delivery rows and moves the subscription's cursor in the
 * same transaction; step two claims due deliveries (FOR UPDATE SKIP LOCKED, with a lease), sends
 * them signed, and records the outcome. Everything is in the database, so any number of API
 * processes can run a worker, and a restart or a crash loses nothing.
 */
export class WebhookWorker {
  readonly settings: WebhookSettings;
  private readonly loop: PollingLoop<{ queued: number; sent: number }>;
  private readonly abort = new AbortController();

  constructor(
    private readonly db: Database,
    settings: Partial<WebhookSettings> = {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...settings };
    this.loop = new PollingLoop(() => this.step(), this.settings.pollMs, onError);
  }

  get maxAttempts() {
    return this.settings.backoffMs.length + 1;
  }

  /** Polls every `pollMs` until stopped. */
  start() {
    this.loop.start();
  }

  /** Looks again now (after a replay, say) instead of at the next poll. */
  wake() {
    this.loop.wake();
  }

  /** Stops polling, aborts sends in flight (their claims are released) and waits for the step in progress. */
  stop() {
    return this.loop.stop(() => this.abort.abort());
  }

  private get stopped() {
    return this.loop.stopped;
  }

  /** One step: fan out new changes, then send what is due. Concurrent calls share the step in progress. */
  tick(): Promise<{ queued: number; sent: number }> {
    return this.loop.run();
  }

  private async step() {
    // A rotated-out secret is kept no longer than it signs.
    await this.db.sql(
      `UPDATE webhook_subscription SET previous_secret = NULL, previous_secret_until = NULL
       WHERE previous_secret_until <= now()`,
      [],
    );
    const queued = await this.fanOut();
    let sent = 0;
    for (let round = 0; round < 20 && !this.stopped; round++) {
      const claimed = await this.claim();
      if (claimed.length === 0) break;
      await Promise.all(claimed.map((d) => this.send(d)));
      sent += claimed.length;
    }
    return { queued, sent };
  }

  /** Turns new feed entries into deliveries, for every subscription served. */
  async fanOut(): Promise<number> {
    const subscriptions = await this.db.sql<{ id: string }>(
      `SELECT s.id::text FROM webhook_subscription s WHERE ${ELIGIBLE('s')} ORDER BY s.id`,
      [],
    );
    let queued = 0;
    for (const { id } of subscriptions) {
      for (let i = 0; i < 50; i++) {
        const { read, inserted } = await this.fanOutOne(id);
        queued += inserted;
        if (read < this.settings.batch) break;
      }
    }
    return queued;
  }

  private fanOutOne(subscriptionId: string) {
    return this.db.prisma.$transaction(async (tx) => {
      const sql: SqlRunner = <T>(text: string, params: unknown[]) => tx.$queryRawUnsafe<T[]>(text, ...params);
      // Another worker busy with this subscription has it locked: skip it, it will be done.
      const [s] = await sql<{
        organisationId: string;
        recordKinds: string[];
        changes: string[];
        txid: string;
        id: string;
      }>(
        `SELECT organisation_id::text AS "organisationId", record_kinds AS "recordKinds", changes,
                cursor_txid::text AS txid, cursor_id::text AS id
         FROM webhook_subscription s WHERE s.id = $1::uuid AND ${ELIGIBLE('s')} FOR UPDATE OF s SKIP LOCKED`,
        [subscriptionId],
      );
      if (!s) return { read: 0, inserted: 0 };
      const entries = await readFeed(sql, s.organisationId, { txid: s.txid, id: s.id }, this.settings.batch, {
        alerts: s.changes.includes('alert'),
      });
      const last = entries.at(-1);
      if (!last) return { read: 0, inserted: 0 };
      let inserted = 0;
      for (const entry of entries) {
        if (!subscribedTo(s, entry)) continue;
        const id = randomUUID();
        inserted += await tx.$executeRawUnsafe(
          `INSERT INTO webhook_delivery (id, subscription_id, message_id, change_id, payload, updated_at)
           VALUES ($1::uuid, $2::uuid, $3, $4::bigint, $5, now())
           ON CONFLICT (subscription_id, change_id) DO NOTHING`,
          id,
          subscriptionId,
          `msg_${id.replaceAll('-', '')}`,
          entry.id,
          webhookPayload(entry),
        );
      }
      await tx.$executeRawUnsafe(
        'UPDATE webhook_subscription SET cursor_txid = $2::bigint, cursor_id = $3::bigint WHERE id = $1::uuid',
        subscriptionId,
        last.txid,
        last.id,
      );
      return { read: entries.length, inserted };
    });
  }

  /** Takes up to `concurrency` due deliveries, each with a lease no other worker will take before it expires. */
  private claim(): Promise<Claimed[]> {
    return this.db.sql<Claimed>(
      `UPDATE webhook_delivery d
       SET lease = $1::uuid, locked_until = now() + ($2::int * interval '1 millisecond'),
           attempts = d.attempts + 1, last_attempt_at = now(), updated_at = now()
       FROM webhook_subscription s
       WHERE s.id = d.subscription_id AND d.id IN (
         SELECT d2.id FROM webhook_delivery d2 JOIN webhook_subscription s2 ON s2.id = d2.subscription_id
         WHERE d2.status = 'pending' AND d2.next_attempt_at <= now()
           AND (d2.locked_until IS NULL OR d2.locked_until <= now()) AND ${ELIGIBLE('s2')}
         ORDER BY d2.next_attempt_at, d2.id
         LIMIT $3
         FOR UPDATE OF d2 SKIP LOCKED)
       RETURNING d.id::text, d.lease::text AS lease, d.message_id AS "messageId", d.payload, d.attempts, s.url, s.secret,
         CASE WHEN s.previous_secret_until > now() THEN s.previous_secret END AS "previousSecret"`,
      [randomUUID(), this.settings.leaseMs, this.settings.concurrency],
    );
  }

  private async send(d: Claimed) {
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number | undefined;
    let error: string | undefined;
    let secrets: string[] = [];
    try {
      // The current secret signs first; the previous one too while its overlap lasts.
      secrets = [d.secret, ...(d.previousSecret ? [d.previousSecret] : [])].map((stored) =>
        openSecret(stored, this.settings.encryptionKey),
      );
    } catch (e) {
      this.onError(e);
      error = UNREADABLE_SECRET;
    }
    if (error === undefined) {
      try {
        status = await postDelivery(
          d.url,
          {
            'content-type': 'application/json',
            'user-agent': 'CELR-Webhooks/0.1',
            ...webhookHeaders(d.messageId, timestamp, d.payload, secrets),
          },
          d.payload,
          {
            targets: this.settings.targets,
            ...(this.settings.resolver !== undefined ? { resolver: this.settings.resolver } : {}),
            signal: AbortSignal.any([AbortSignal.timeout(this.settings.timeoutMs), this.abort.signal]),
          },
        );
        if (status < 200 || status >= 300) error = `The receiver answered ${status}.`;
      } catch (e) {
        if (this.abort.signal.aborted) {
          // Stopping: give the attempt back rather than count it.
          await this.db.sql(
            `UPDATE webhook_delivery SET lease = NULL, locked_until = NULL, attempts = attempts - 1, next_attempt_at = now(), updated_at = now()
             WHERE id = $1::uuid AND lease = $2::uuid`,
            [d.id, d.lease],
          );
          return;
        }
        // The operator may learn why (the server's log); the client's log says only that it failed.
        if (e instanceof TargetRefusedError) this.settings.onRefused?.(e);
        error = CONNECTION_FAILED;
      }
    }
    if (error === undefined) {
      await this.db.sql(
        `UPDATE webhook_delivery SET status = 'delivered', delivered_at = now(), lease = NULL, locked_until = NULL,
           last_status_code = $3, last_error = NULL, updated_at = now()
         WHERE id = $1::uuid AND lease = $2::uuid`,
        [d.id, d.lease, status],
      );
      return;
    }
    const failed = d.attempts >= this.maxAttempts;
    const backoff =
      this.settings.backoffMs[Math.min(d.attempts - 1, this.settings.backoffMs.length - 1)] ?? 0;
    await this.db.sql(
      `UPDATE webhook_delivery SET status = $3, next_attempt_at = now() + ($4::int * interval '1 millisecond'),
         lease = NULL, locked_until = NULL, last_status_code = $5, last_error = $6, updated_at = now()
       WHERE id = $1::uuid AND lease = $2::uuid`,
      [
        d.id,
        d.lease,
        failed ? 'failed' : 'pending',
        failed ? 0 : backoff,
        status ?? null,
        error.slice(0, 500),
      ],
    );
  }
}
