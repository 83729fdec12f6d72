import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Subscription } from '../db/notifications.js';
import type { Caller } from './caller.js';
import { type ActingFor, type Claimed, resolveCaller } from './resolve-caller.js';

/** The channel the database announces changes to clients, organisations and delegations on (migration caller_change_notify). */
export const CALLER_CHANGE_CHANNEL = 'celr_caller_change';
/** The triggers that announce them: without all three, nothing cached could be trusted. */
const TRIGGERS = ['api_client_caller_change', 'organisation_caller_change', 'delegation_caller_change'];

/** How long the announcement sent to check the subscription may take to arrive. */
const PROBE_TIMEOUT_MS = 5_000;

type Resolved = { caller: Caller; actingFor: ActingFor };

/**
 * Who a token's client is, as resolveCaller() finds it (unrevoked, its organisation, the delegation
 * a vendor acts under), kept in this process so that a request does not ask the database again.
 *
 * Revoking stays immediate: the database announces every change to api_client, organisation and
 * delegation, whoever makes it (any API process, celr-admin, psql), on CALLER_CHANGE_CHANNEL from
 * the changing transaction, and each announcement empties the cache. Only successes are kept;
 * a refusal is asked again each time.
 *
 * It fails safe: nothing cached is used unless the subscription is live, i.e. an announcement sent
 * now would arrive. While it is not (before it starts, after its connection is lost, until it is
 * re-made), every request asks the database, as it did without the cache, and the cache starts empty
 * when it is live again. A resolution that was under way when an announcement arrived is not kept
 * (the generation moved on), so a change can never be overwritten by an answer read before it.
 */
export class CallerCache {
  private entries = new Map<string, Resolved>();
  private generation = 0;
  private trusted = false;
  private subscription: Subscription | undefined;
  private probe: { payload: string; arrived: () => void } | undefined;

  constructor(
    private readonly sql: Database['sql'],
    private readonly maxEntries = 10_000,
  ) {}

  /** Starts following the announcements (the app's start); until they are live, nothing is cached. */
  follow(db: Pick<Database, 'listen' | 'sql'>): void {
    this.subscription = db.listen(CALLER_CHANGE_CHANNEL, {
      notify: (payload) => {
        this.forget();
        if (payload === this.probe?.payload) this.probe.arrived();
      },
      state: (live) => {
        this.forget();
        this.trusted = false;
        if (live) void this.trustIfAnnounced();
      },
    });
  }

  /** Whether cached answers are used now. */
  get live(): boolean {
    return this.trusted;
  }

  /** How many callers are cached now. */
  get size(): number {
    return this.entries.size;
  }

  async stop(): Promise<void> {
    this.trusted = false;
    this.forget();
    await this.subscription?.close();
  }

  /** The caller as it is now: from the cache while it is trusted, else from the database. */
  async resolve(claimed: Claimed): Promise<Resolved> {
    if (!this.trusted) return resolveCaller(this.sql, claimed);
    const key = `${claimed.clientId}\n${claimed.organisationId}\n${claimed.onBehalfOf ?? ''}`;
    const hit = this.entries.get(key);
    if (hit) {
      // Scopes come from the token and the request id from the request, never from the cache.
      return {
        caller: { ...hit.caller, scopes: new Set(claimed.scopes), requestId: claimed.requestId },
        actingFor: hit.actingFor,
      };
    }
    const generation = this.generation;
    const resolved = await resolveCaller(this.sql, claimed);
    if (this.trusted && generation === this.generation) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, resolved);
    }
    return resolved;
  }

  private forget() {
    this.generation++;
    this.entries.clear();
  }

  /**
   * The subscription is live; the cache is trusted once the database is known to announce changes
   * (a database not yet migrated would not, and its cache would never be emptied) and an announcement
   * sent the way the changes are (a statement on the pool) is seen to arrive: a connection pooler in
   * transaction mode, say, takes LISTEN without delivering what follows.
   */
  private async trustIfAnnounced() {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const rows = await this.sql<{ tgname: string }>(
        'SELECT tgname FROM pg_trigger WHERE tgname = ANY($1::text[]) AND NOT tgisinternal',
        [TRIGGERS],
      );
      const found = new Set(rows.map((r) => r.tgname));
      if (!TRIGGERS.every((t) => found.has(t))) return;
      const payload = `probe:${randomUUID()}`;
      const arrived = new Promise<boolean>((resolve) => {
        this.probe = { payload, arrived: () => resolve(true) };
        timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
      });
      await this.sql('SELECT 1 AS sent FROM (SELECT pg_notify($1, $2)) AS n', [
        CALLER_CHANGE_CHANNEL,
        payload,
      ]);
      if ((await arrived) && this.subscription?.live) this.trusted = true;
    } catch {
      // Unknown: stay untrusted (every request asks the database) until the next subscription.
    } finally {
      clearTimeout(timer);
      this.probe = undefined;
    }
  }
}
