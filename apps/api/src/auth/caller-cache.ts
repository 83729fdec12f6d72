import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Subscription } from '../db/notifications.js';
import type { Caller, CallerFreshness } from './caller.js';
import { type ActingFor, type Claimed, resolveCaller } from './resolve-caller.js';

/** The channel the database announces changes to clients, organisations and delegations on (migration caller_change_notify). */
export const CALLER_CHANGE_CHANNEL = 'celr_caller_change';
/** The triggers that announce them: without all three, nothing cached could be trusted. */
const TRIGGERS = ['api_client_caller_change', 'organisation_caller_change', 'delegation_caller_change'];

/** How long the announcement sent to check the subscription may take to arrive. */
const PROBE_TIMEOUT_MS = 5_000;

type Resolved = { caller: Caller; actingFor: ActingFor };
/** A cached caller: what resolveCaller() answered, the epoch it answered at, and its freshness for requests. */
type Entry = Resolved & { epoch: bigint; freshness: CallerFreshness };

/**
 * Who a token's client is, as resolveCaller() finds it (unrevoked, its organisation, the delegation
 * a vendor acts under), kept in this process so that a request does not ask the database again.
 *
 * Two things keep it current. The database announces every change to api_client, organisation and
 * delegation, whoever makes it (any API process, celr-admin, psql), on CALLER_CHANGE_CHANNEL from
 * the changing transaction, and each announcement empties the cache. And the same triggers count the
 * changes (the caller epoch, migration caller_epoch): each entry keeps the epoch it was read at, and
 * the hottest reads return the epoch in the statement that reads the record (confirmCaller()), so that
 * a change committed before that statement is seen by it even when its announcement has not arrived
 * yet: the caller is resolved again (401 or 403 when revoked) before anything is returned. An epoch
 * seen ahead of an entry's also retires the entry for every later request. Only successes are kept;
 * a refusal is asked again each time.
 *
 * It fails safe: nothing cached is used unless the subscription is live, i.e. an announcement sent
 * now would arrive. While it is not (before it starts, after its connection is lost, until it is
 * re-made), every request asks the database, as it did without the cache, and the cache starts empty
 * when it is live again. A resolution that was under way when an announcement arrived is not kept
 * (the generation moved on), so a change can never be overwritten by an answer read before it.
 */
export class CallerCache {
  private entries = new Map<string, Entry>();
  private generation = 0;
  /** The highest caller epoch this process has seen: entries read before it are stale. */
  private seen = 0n;
  private trusted = false;
  private subscription: Subscription | undefined;
  private probe: { payload: string; arrived: () => void } | undefined;
  private readonly recheckCaller = (caller: Caller, seen: string | null) => this.recheck(caller, seen);

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

  /**
   * The caller as it is now: from the cache while it is trusted, else from the database. The caller
   * returned is the request's own (its scopes from the token, its request id), with its freshness.
   */
  async resolve(claimed: Claimed): Promise<Resolved> {
    const key = keyOf(claimed);
    if (this.trusted) {
      const hit = this.entries.get(key);
      if (hit && hit.epoch >= this.seen) return answer(hit, claimed);
    }
    return this.load(claimed, key);
  }

  /** From the database, kept when nothing has changed since (see the class comment). */
  private async load(claimed: Claimed, key: string): Promise<Resolved> {
    const generation = this.generation;
    const resolved = await resolveCaller(this.sql, claimed);
    const epoch = resolved.epoch === null ? undefined : BigInt(resolved.epoch);
    if (epoch !== undefined && epoch > this.seen) this.seen = epoch;
    const entry: Entry = {
      caller: resolved.caller,
      actingFor: resolved.actingFor,
      epoch: epoch ?? -1n,
      freshness: { epoch: resolved.epoch, onBehalfOf: claimed.onBehalfOf, recheck: this.recheckCaller },
    };
    if (this.trusted && generation === this.generation && epoch !== undefined && epoch >= this.seen) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, entry);
    }
    return answer(entry, claimed);
  }

  /**
   * A statement saw the caller epoch at `seen`, which is not the one the caller was resolved at: the
   * caller is resolved again from the database as it is now (throwing 401 or 403 if it no longer
   * may act), and the request's caller is updated in place.
   */
  private async recheck(caller: Caller, seen: string | null): Promise<void> {
    if (seen !== null) {
      const epoch = BigInt(seen);
      if (epoch > this.seen) this.seen = epoch;
    }
    const claimed: Claimed = {
      clientId: caller.clientId,
      organisationId: caller.organisationId,
      scopes: caller.scopes,
      onBehalfOf: caller.freshness?.onBehalfOf,
      requestId: caller.requestId,
    };
    const { caller: fresh } = await this.load(claimed, keyOf(claimed));
    Object.assign(caller, fresh);
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

const keyOf = (claimed: Claimed) =>
  `${claimed.clientId}\n${claimed.organisationId}\n${claimed.onBehalfOf ?? ''}`;

/** A cached caller as one request's: scopes come from the token and the request id from the request, never from the cache. */
function answer(entry: Entry, claimed: Claimed): Resolved {
  return {
    caller: {
      ...entry.caller,
      scopes: new Set(claimed.scopes),
      requestId: claimed.requestId,
      freshness: entry.freshness,
    },
    actingFor: entry.actingFor,
  };
}

/**
 * After a statement that returned the caller epoch (CALLER_EPOCH_SQL) beside what it read: nothing
 * when it is the epoch the caller was resolved at (nothing about clients, organisations or
 * delegations changed between the two snapshots); otherwise the caller is resolved again as it is
 * now, which throws 401 (revoked client) or 403 (withdrawn delegation). What the statement read for
 * the caller stays valid when it passes: it depended on the organisation acted for alone, which the
 * request's claims fix. A caller without freshness (a job's, a test's) is taken as it is.
 */
export async function confirmCaller(caller: Caller, seen: string | null | undefined): Promise<void> {
  const freshness = caller.freshness;
  if (freshness === undefined || (seen != null && seen === freshness.epoch)) return;
  await freshness.recheck(caller, seen ?? null);
}
