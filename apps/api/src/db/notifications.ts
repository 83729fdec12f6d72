/**
 * LISTEN/NOTIFY for caches that must never outlive what they cache (src/auth/caller-cache.ts).
 *
 * A subscription says two things: each notification, and whether it is live, that is, whether a
 * notification sent now would reach it. A cache may trust what it holds only while the subscription
 * is live: a notification missed while the connection was down is lost for good, so a lost connection
 * means "stop trusting" until it is back (and the cache starts afresh then).
 *
 * On PostgreSQL the subscription has a connection of its own (not one of the pool's, which come and
 * go), re-made after any loss, and a heartbeat: a connection that dies without closing (a network
 * that drops packets) is noticed within `heartbeatMs` plus `heartbeatTimeoutMs`. On PGlite the database
 * is in this process and delivers each notification before the statement that committed it returns.
 */
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface NotificationHandlers {
  /** A notification on the channel (its payload). */
  notify(payload: string): void;
  /** The subscription went live (subscribed, or subscribed again after a loss), or was lost. */
  state(live: boolean): void;
}

export interface Subscription {
  /** Whether a notification sent now would be received. */
  readonly live: boolean;
  /** Stops listening; the state goes to not live. Safe to call twice. */
  close(): Promise<void>;
}

export interface PostgresListenOptions {
  /** Between a loss and the next attempt to subscribe: the first wait, doubled up to `retryMaxMs`. */
  retryMs?: number;
  retryMaxMs?: number;
  /** How often the connection is checked with a trivial query, and how long its answer may take. */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

/** The name the listening connection gives itself (pg_stat_activity.application_name). */
export const LISTENER_APPLICATION_NAME = 'celr-listen';

const quoted = (channel: string) => `"${channel.replaceAll('"', '""')}"`;

export function listenOnPostgres(
  url: string,
  channel: string,
  handlers: NotificationHandlers,
  options: PostgresListenOptions = {},
): Subscription {
  const retryMs = options.retryMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 5_000;
  let client: pg.Client | undefined;
  let live = false;
  let closed = false;
  let wait = retryMs;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const setLive = (value: boolean) => {
    if (live === value) return;
    live = value;
    handlers.state(value);
  };

  /** Drops the connection `lostClient` (if it is still the current one) and tries again later. */
  const lose = (lostClient: pg.Client) => {
    if (client !== lostClient) return;
    client = undefined;
    clearInterval(heartbeat);
    setLive(false);
    lostClient.removeAllListeners('notification');
    lostClient.on('error', () => {});
    lostClient.end().catch(() => {});
    if (closed) return;
    retry = setTimeout(subscribe, wait);
    retry.unref();
    wait = Math.min(wait * 2, retryMaxMs);
  };

  const subscribe = async () => {
    if (closed) return;
    const next = new pg.Client({
      connectionString: url,
      application_name: LISTENER_APPLICATION_NAME,
      keepAlive: true,
    });
    client = next;
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.notify(message.payload ?? '');
    });
    next.on('error', () => lose(next));
    next.on('end', () => lose(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${quoted(channel)}`);
    } catch {
      lose(next);
      return;
    }
    if (client !== next || closed) return;
    wait = retryMs;
    heartbeat = setInterval(() => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('heartbeat timed out')), heartbeatTimeoutMs);
      });
      Promise.race([next.query('SELECT 1'), timeout])
        .catch(() => lose(next))
        .finally(() => clearTimeout(timer));
    }, heartbeatMs);
    heartbeat.unref();
    setLive(true);
  };

  void subscribe();
  return {
    get live() {
      return live;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      const current = client;
      client = undefined;
      setLive(false);
      await current?.end().catch(() => {});
    },
  };
}

/** PGlite: the one database session is in this process; a notification arrives with its commit. */
export function listenOnPGlite(
  pglite: PGlite,
  channel: string,
  handlers: NotificationHandlers,
): Subscription {
  let live = false;
  let closed = false;
  const callback = (payload: string) => handlers.notify(payload);
  const unlisten = pglite.listen(channel, callback).then(
    (stop) => {
      if (closed) return stop;
      live = true;
      handlers.state(true);
      return stop;
    },
    () => undefined,
  );
  return {
    get live() {
      return live;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (live) {
        live = false;
        handlers.state(false);
      }
      const stop = await unlisten;
      if (!pglite.closed) await stop?.().catch(() => {});
    },
  };
}
