import type { Caller } from '../auth/caller.js';
import type { Database } from '../db/database.js';
import type { Prisma } from '../generated/prisma/client.js';

export interface AuditedAccess {
  action: string;
  recordKind: string;
  recordId?: string;
  recordVersion?: number;
  learnerId?: string;
  outcome?: 'success' | 'denied' | 'failed';
}

type Row = [string, string, string, string, string, string | null, number | null, string | null, string];

/** One statement for any number of events: a list of fifty records is one insert, not fifty. */
const INSERT = `INSERT INTO audit_event (request_id, client_id, organisation_id, action, record_kind, record_id, record_version, learner_id, outcome)
  SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::int[], $8::uuid[], $9::text[])`;

/**
 * Read-event batches stored at once. One would make every read wait for the batch before its own;
 * two keep one being filled while one is stored, which is as many as the batches can be kept busy
 * with (see AuditTrail).
 */
const MAX_FLUSHES = 2;

const columns = (rows: Row[]) => rows[0]!.map((_, i) => rows.map((r) => r[i]));

/**
 * The audit trail of every read and write of a learner's records. Events hold ids only, never
 * personal data.
 *
 * Writes are audited inside the transaction that makes the change, so a change and its event
 * commit together or not at all. Reads are audited before the response is sent: each request
 * waits until its events are stored, so a record is never returned without its read event, and
 * a shutdown drains in-flight requests (audit included) before the database closes. Reads that
 * arrive together are stored together, in one statement, so auditing costs one round trip (and one
 * commit) per batch rather than per request. At most MAX_FLUSHES batches are being stored at once:
 * reads that arrive meanwhile wait for the next, so under load the batches grow with the load
 * instead of each read's event taking a pool connection and a commit of its own (group commit).
 */
export class AuditTrail {
  private pending: { rows: Row[]; done: (error?: unknown) => void }[] = [];
  private scheduled = false;
  private flushing = 0;

  constructor(private readonly sql: Database['sql']) {}

  async write(tx: Prisma.TransactionClient, caller: Caller, ...events: AuditedAccess[]): Promise<void> {
    if (events.length === 0) return;
    await tx.$executeRawUnsafe(INSERT, ...columns(events.map((e) => this.row(caller, e))));
  }

  /**
   * A write's event as a statement to embed in the statement that makes the write (a CTE of the
   * record store's create), so that it commits with the write in no extra round trip: its text,
   * numbering its values from `$first`, and the values.
   */
  writeWith(caller: Caller, event: AuditedAccess, first: number): { sql: string; params: Row } {
    const at = (i: number, cast = '') => `$${first + i}${cast}`;
    return {
      sql: `INSERT INTO audit_event (request_id, client_id, organisation_id, action, record_kind, record_id, record_version, learner_id, outcome)
            VALUES (${at(0)}, ${at(1)}, ${at(2, '::uuid')}, ${at(3)}, ${at(4)}, ${at(5, '::uuid')}, ${at(6, '::int')}, ${at(7, '::uuid')}, ${at(8)})`,
      params: this.row(caller, event),
    };
  }

  read(caller: Caller, ...events: AuditedAccess[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({
        rows: events.map((e) => this.row(caller, e)),
        done: (error) => (error ? reject(error) : resolve()),
      });
      this.schedule();
    });
  }

  /** A flush after this turn of the event loop (so reads answered together share it), if one may start. */
  private schedule() {
    if (this.scheduled || this.flushing >= MAX_FLUSHES || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush() {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    this.flushing++;
    try {
      await this.sql(INSERT, columns(batch.flatMap((b) => b.rows)), 'celr_audit_reads');
      for (const b of batch) b.done();
    } catch (error) {
      // Every request in the batch fails rather than answering without its event.
      for (const b of batch) b.done(error);
    } finally {
      this.flushing--;
      this.schedule();
    }
  }

  private row(caller: Caller, event: AuditedAccess): Row {
    return [
      caller.requestId,
      caller.clientId,
      caller.actingForId,
      event.action,
      event.recordKind,
      event.recordId ?? null,
      event.recordVersion ?? null,
      event.learnerId ?? null,
      event.outcome ?? 'success',
    ];
  }
}

/**
 * An operator's change that concerns an organisation rather than a learner (a delegation granted or
 * revoked, by the admin API or `celr-admin`, which has no client): one event in the change's own
 * transaction, ids only, like every other event of the trail.
 */
export interface AdministrativeEvent {
  requestId: string;
  clientId: string | null;
  organisationId: string;
  action: string;
  recordKind: string;
  recordId: string;
}

export async function writeAdministrativeEvent(
  tx: Prisma.TransactionClient,
  event: AdministrativeEvent,
): Promise<void> {
  await tx.auditEvent.create({ data: { ...event, outcome: 'success' } });
}
