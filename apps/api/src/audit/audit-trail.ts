import type { Caller } from '../auth/caller.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

export interface AuditedAccess {
  action: string;
  recordKind: string;
  recordId?: string;
  recordVersion?: number;
  learnerId?: string;
  outcome?: 'success' | 'denied' | 'failed';
}

/**
 * The audit trail of every read and write of a learner's records. Events hold ids only, never
 * personal data.
 *
 * Writes are audited inside the transaction that makes the change, so a change and its event
 * commit together or not at all. Reads are audited before the response is sent: the insert is
 * awaited on the request path, so a record is never returned without its read event stored, and
 * a shutdown drains in-flight requests (audit included) before the database closes.
 */
export class AuditTrail {
  constructor(private readonly prisma: PrismaClient) {}

  async write(tx: Prisma.TransactionClient, caller: Caller, event: AuditedAccess): Promise<void> {
    await tx.auditEvent.create({ data: this.row(caller, event) });
  }

  async read(caller: Caller, ...events: AuditedAccess[]): Promise<void> {
    if (events.length === 0) return;
    await this.prisma.auditEvent.createMany({ data: events.map((e) => this.row(caller, e)) });
  }

  private row(caller: Caller, event: AuditedAccess): Prisma.AuditEventCreateManyInput {
    return {
      requestId: caller.requestId,
      clientId: caller.clientId,
      organisationId: caller.actingForId,
      action: event.action,
      recordKind: event.recordKind,
      recordId: event.recordId ?? null,
      recordVersion: event.recordVersion ?? null,
      learnerId: event.learnerId ?? null,
      outcome: event.outcome ?? 'success',
    };
  }
}
