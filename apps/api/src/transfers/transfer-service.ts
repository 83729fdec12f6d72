import { randomUUID } from 'node:crypto';
import {
  type BundleSignatureState,
  senderKey,
  type TransferBundle,
  type TransferReason,
  validateBundle,
  verifyBundleDigest,
} from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import { GRANTS, grantFor } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { type IdempotencyRequest, idempotent, type StoredResponse } from '../http/idempotency.js';
import { notFound, ProblemError, validationProblem } from '../http/problem.js';
import { assertValid } from '../records/record-service.js';
import { type AlertSettings, changeAccess, grantAccess, RecordStore } from '../records/store/index.js';
import type { BundleSignatures } from './bundle-signature.js';
import { BundleImporter, HOST_GRANTS, type ImportedCopy, type ImportResult } from './importer.js';
import { refOf, resolveRef, sameOrganisation } from './organisation-ref.js';
import { type Selection, takeSnapshot } from './snapshot.js';

type Tx = Prisma.TransactionClient;
type TransferRow = Prisma.TransferGetPayload<object>;

export interface SendRequest {
  learnerId: string;
  recipient: { scheme: string; code: string };
  reason: TransferReason;
  note?: string;
  include?: Selection;
}

export interface TransferSettings {
  /** A pending transfer older than this is flagged overdue. */
  overdueHours: number;
  /** What the alerts of imported learner records are decided by. */
  alerts?: AlertSettings;
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Transfers: one organisation sends a learner's records to another, which accepts (importing
 * everything in one transaction) or rejects them. Every step is recorded in the transfer's
 * history and in the learner's audit trail on both sides.
 */
export class TransferService {
  private readonly importer: BundleImporter;
  private readonly store: RecordStore;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditTrail,
    private readonly settings: TransferSettings,
    private readonly signatures: BundleSignatures,
  ) {
    this.importer = new BundleImporter(audit, settings.alerts);
    this.store = new RecordStore(audit, settings.alerts);
  }

  async send(
    caller: Caller,
    request: SendRequest,
    idempotency?: IdempotencyRequest,
  ): Promise<StoredResponse & { replayed?: boolean }> {
    return idempotent(this.prisma, idempotency, async (tx) => {
      const grant = await grantFor(tx, caller, request.learnerId);
      if (!grant)
        throw validationProblem([
          {
            pointer: '/learnerId',
            rule: 'learner-exists',
            message: 'No learner with this id that your organisation can see.',
          },
        ]);
      // Every transfer changes who holds the learner (a school move changes the enrolment, which
      // the responsible authority owns), so only that authority, or a vendor acting for it, sends one.
      if (!grant.grants.includes('learner'))
        throw new ProblemError(
          'forbidden',
          request.reason === 'school-move'
            ? "Only the learner's responsible authority (or a vendor acting for it) moves them to another school: the enrolment is the authority's."
            : "Only the learner's responsible authority sends their records to another authority.",
        );
      const recipient = await resolveRef(tx, request.recipient);
      const expectedKind = request.reason === 'school-move' ? 'school' : 'local-authority';
      if (!recipient || recipient.kind !== expectedKind) {
        throw validationProblem([
          {
            pointer: '/recipient',
            rule: 'recipient-exists',
            message: `No registered ${expectedKind.replace('-', ' ')} with ${request.recipient.scheme} ${request.recipient.code}.`,
          },
        ]);
      }
      if (recipient.id === caller.actingForId)
        throw validationProblem([
          {
            pointer: '/recipient',
            rule: 'recipient-not-sender',
            message: 'A transfer goes to another organisation.',
          },
        ]);
      const pending = await tx.transfer.findFirst({
        where: { learnerId: request.learnerId, recipientId: recipient.id, status: 'pending' },
        select: { id: true },
      });
      if (pending)
        throw new ProblemError(
          'conflict',
          `A transfer of this learner to ${recipient.name} is already waiting: /v1/transfers/${pending.id}.`,
        );
      const sender = await tx.organisation.findUniqueOrThrow({ where: { id: caller.actingForId } });
      const snapshot = await takeSnapshot(tx, {
        sender,
        recipient,
        learnerId: request.learnerId,
        reason: request.reason,
        note: request.note,
        include: request.include,
      });
      // Signed as it is stored: the bundle the recipient reads, accepts or exports is the signed one.
      const { bundle, kid } = await this.signatures.sign(tx, snapshot, sender.id);
      const id = randomUUID();
      const row = await tx.transfer.create({
        data: {
          id,
          senderId: sender.id,
          recipientId: recipient.id,
          learnerId: request.learnerId,
          reason: request.reason,
          status: 'pending',
          note: request.note ?? null,
          bundleId: bundle.manifest.bundleId,
          bundle: bundle as unknown as Prisma.InputJsonValue,
          digest: bundle.manifest.contentDigest,
          signature: bundle.signature,
          signatureKid: kid,
          createdByClient: caller.clientId,
        },
      });
      await this.step(tx, caller, row, { status: 'pending', note: 'Sent', action: 'transfer-send' });
      const response: StoredResponse = {
        statusCode: 201,
        headers: { location: `/v1/transfers/${id}` },
        body: await this.present(tx, row, caller),
      };
      return response;
    });
  }

  async list(
    caller: Caller,
    query: {
      box?: 'inbox' | 'outbox';
      status?: string;
      overdue?: boolean;
      limit: number;
      after?: { createdAt: Date; id: string };
    },
  ) {
    const mine: Prisma.TransferWhereInput[] = [];
    if (query.box !== 'outbox') mine.push({ recipientId: caller.actingForId });
    if (query.box !== 'inbox') mine.push({ senderId: caller.actingForId });
    const where: Prisma.TransferWhereInput = {
      OR: mine,
      ...(query.status ? { status: query.status } : {}),
      ...(query.overdue ? { status: 'pending', createdAt: { lt: this.overdueSince() } } : {}),
      ...(query.after
        ? {
            AND: [
              {
                OR: [
                  { createdAt: { gt: query.after.createdAt } },
                  { createdAt: query.after.createdAt, id: { gt: query.after.id } },
                ],
              },
            ],
          }
        : {}),
    };
    const rows = await this.prisma.transfer.findMany({
      where,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      items: await Promise.all(page.map((r) => this.present(this.prisma, r, caller))),
      last: rows.length > query.limit ? page.at(-1) : undefined,
    };
  }

  async get(caller: Caller, id: string) {
    return this.present(this.prisma, await this.visible(this.prisma, caller, id), caller);
  }

  async history(caller: Caller, id: string) {
    await this.visible(this.prisma, caller, id);
    const events = await this.prisma.transferEvent.findMany({
      where: { transferId: id },
      orderBy: { id: 'asc' },
    });
    return events.map((e) => ({
      status: e.status,
      at: e.at.toISOString(),
      organisationId: e.organisationId,
      note: e.note ?? undefined,
    }));
  }

  /** The bundle itself: the learner's records, so reading it is audited on the learner's trail. */
  async bundle(caller: Caller, id: string) {
    const row = await this.visible(this.prisma, caller, id);
    if (row.learnerId) {
      await this.audit.read(caller, {
        action: 'transfer-bundle-read',
        recordKind: 'learner',
        recordId: row.learnerId,
        learnerId: row.learnerId,
      });
    }
    return row.bundle as unknown as TransferBundle;
  }

  async accept(
    caller: Caller,
    id: string,
    idempotency?: IdempotencyRequest,
  ): Promise<StoredResponse & { replayed?: boolean }> {
    return idempotent(this.prisma, idempotency, async (tx) => {
      // The conditional update takes the row lock: of two concurrent accepts, one imports and
      // the other finds the transfer no longer pending.
      const claimed = await tx.transfer.updateMany({
        where: { id, recipientId: caller.actingForId, status: 'pending' },
        data: { status: 'accepted', decidedAt: new Date() },
      });
      const row = await this.visible(tx, caller, id);
      if (claimed.count === 0) throw this.decided(row, caller, 'accept');
      const bundle = row.bundle as unknown as TransferBundle;
      const mismatch = await verifyBundleDigest(bundle);
      if (mismatch)
        throw new ProblemError(
          'validation',
          'The stored bundle does not match its digest; it cannot be accepted. Reject it and ask the sender to send again.',
          { errors: [mismatch] },
        );
      // Both parties in one read; their names are also what the answer shows.
      const parties = await tx.organisation.findMany({
        where: { id: { in: [caller.actingForId, ...(row.senderId ? [row.senderId] : [])] } },
      });
      const recipient = parties.find((o) => o.id === caller.actingForId);
      if (!recipient) throw new Error(`The caller's organisation ${caller.actingForId} is not registered.`);
      const sender = parties.find((o) => o.id === row.senderId) ?? null;
      const result = await this.apply(tx, caller, row, bundle, recipient, sender);
      // The bundle is not read back: it is the one in hand, unchanged.
      const stored = await tx.transfer.update({
        where: { id },
        data: { result: result as unknown as Prisma.InputJsonValue },
        select: { result: true, updatedAt: true },
      });
      await this.step(tx, caller, row, { status: 'accepted', note: 'Accepted', action: 'transfer-accept' });
      const response: StoredResponse = {
        statusCode: 200,
        headers: {},
        body: await this.present(tx, { ...row, ...stored }, caller, parties),
      };
      return response;
    });
  }

  async reject(caller: Caller, id: string, reason: string) {
    return this.decide(caller, id, { from: 'recipient', status: 'rejected', note: reason });
  }

  async cancel(caller: Caller, id: string) {
    return this.decide(caller, id, { from: 'sender', status: 'cancelled', note: 'Cancelled by the sender' });
  }

  /** A bundle that arrived another way (email, a file from another system): same checks, same import. */
  async importBundle(caller: Caller, value: unknown) {
    const issues = validateBundle(value);
    if (issues.length) throw validationProblem(issues, 'The bundle is not valid.');
    const bundle = value as TransferBundle;
    const mismatch = await verifyBundleDigest(bundle);
    if (mismatch)
      throw new ProblemError('validation', 'The bundle does not match its digest.', { errors: [mismatch] });
    // The digest says the content is what the manifest describes; the signature, who wrote the manifest.
    const signed = await this.signatures.verify(bundle);
    if (bundle.manifest.reason === 'school-move') {
      throw validationProblem([
        {
          pointer: '/manifest/reason',
          rule: 'import-reason',
          message:
            "A school move is shared through a transfer, not imported: the school reads the authority's record.",
        },
      ]);
    }
    return this.prisma.$transaction(async (tx) => {
      const recipient = await tx.organisation.findUniqueOrThrow({ where: { id: caller.actingForId } });
      if (!sameOrganisation(bundle.manifest.recipient, refOf(recipient))) {
        throw validationProblem([
          {
            pointer: '/manifest/recipient',
            rule: 'recipient-is-caller',
            message: `The bundle is addressed to ${bundle.manifest.recipient.scheme} ${bundle.manifest.recipient.code}, not to your organisation.`,
          },
        ]);
      }
      const earlier = await tx.transfer.findUnique({
        where: { recipientId_bundleId: { recipientId: recipient.id, bundleId: bundle.manifest.bundleId } },
      });
      if (earlier) {
        // Imported or accepted before: the same bundle again changes nothing. A transfer of this
        // deployment still waiting, rejected or cancelled is a decision the import must not bypass,
        // nor answer as if the records were in (a 200 of a pending transfer imports nothing).
        if (earlier.status === 'imported' || earlier.status === 'accepted')
          return { statusCode: 200, transfer: await this.present(tx, earlier, caller) };
        throw new ProblemError('conflict', bundleAlreadyHere(earlier), { transferStatus: earlier.status });
      }
      const id = randomUUID();
      const { result } = await this.importer.importCopy(tx, caller, recipient, bundle, {
        access: bundle.manifest.reason === 'host-authority' ? 'host' : 'responsible',
        provenance: { bundleId: bundle.manifest.bundleId, transferId: id, sender: bundle.manifest.sender },
        today: today(),
      });
      const row = await tx.transfer.create({
        data: {
          id,
          senderId: null,
          recipientId: recipient.id,
          learnerId: null,
          reason: bundle.manifest.reason,
          status: 'imported',
          note: bundle.manifest.note ?? null,
          bundleId: bundle.manifest.bundleId,
          bundle: bundle as unknown as Prisma.InputJsonValue,
          digest: bundle.manifest.contentDigest,
          signature: signed.signature,
          signatureKid: signed.kid,
          result: result as unknown as Prisma.InputJsonValue,
          createdByClient: caller.clientId,
          decidedAt: new Date(),
        },
        // The bundle is not read back: it is the one in hand.
        omit: { bundle: true },
      });
      await this.event(
        tx,
        id,
        'imported',
        caller,
        signed.state === 'unsigned'
          ? `Imported from an unsigned bundle, which this deployment accepts from ${senderKey(bundle.manifest.sender)}`
          : `Imported from a bundle signed with key ${signed.kid}`,
      );
      return {
        statusCode: 201,
        transfer: await this.present(tx, { ...row, bundle: bundle as unknown as Prisma.JsonValue }, caller, [
          recipient,
        ]),
      };
    });
  }

  private async apply(
    tx: Tx,
    caller: Caller,
    row: TransferRow,
    bundle: TransferBundle,
    recipient: Parameters<typeof refOf>[0],
    sender: Parameters<typeof refOf>[0] | null,
  ): Promise<ImportResult | Record<string, unknown>> {
    const provenance = { transferId: row.id, bundleId: row.bundleId, sender: bundle.manifest.sender };
    if (row.reason === 'responsibility-moves') {
      const imported = await this.importer.importCopy(tx, caller, recipient, bundle, {
        access: 'responsible',
        provenance,
        today: today(),
      });
      const { result } = imported;
      result.transition = await this.recordMove(tx, caller, imported, bundle, recipient);
      // The sender stops being the corporate parent: it keeps reading its own history, no more writes.
      if (row.learnerId && row.senderId) {
        await changeAccess(tx, row.learnerId, row.senderId, 'responsible', {
          basis: 'former-responsible',
          grants: [],
        });
      }
      return result;
    }
    // A host authority or a new school works on the responsible authority's live record.
    if (!row.learnerId || !sender)
      throw new ProblemError('conflict', 'This transfer has no live record to share.');
    const learner = await tx.record.findFirst({
      where: { id: row.learnerId, kind: 'learner', deletedAt: null },
    });
    if (!learner)
      throw new ProblemError('gone', 'The sender deleted the learner after sending; ask them to send again.');
    const basis = row.reason === 'host-authority' ? 'host' : 'school';
    const grants = basis === 'host' ? HOST_GRANTS : GRANTS.school;
    let data = learner.data as Record<string, unknown>;
    const enrolment = data.enrolment as Record<string, unknown> | undefined;
    const formerSchool = enrolment?.school as Record<string, unknown> | undefined;
    if (basis === 'host') await grantAccess(tx, learner.id, recipient.id, basis, grants);
    else {
      // A school move is a change of enrolment, in the same transaction as the access that follows
      // it: the store ends the former school's grant and starts the new school's.
      data = {
        ...data,
        enrolment: {
          setting: 'full-time',
          ...enrolment,
          school: refOf(recipient),
          startDate: today(),
        },
      };
      assertValid('learner', data, 'The learner with the new enrolment is not valid.');
      await this.store.update(tx, caller, { current: learner, data, change: 'patched' });
    }
    const transition = {
      jurisdiction: data.jurisdiction,
      learnerId: learner.id,
      type: basis === 'host' ? 'placement-move' : 'in-year-school-move',
      status: 'completed',
      ...(basis === 'host'
        ? { to: { authority: refOf(recipient) } }
        : {
            from: formerSchool ? { school: formerSchool } : undefined,
            to: { school: refOf(recipient) },
          }),
      actualDate: today(),
      reason:
        bundle.manifest.note ??
        (basis === 'host'
          ? 'Records shared with the host authority by transfer.'
          : 'Records shared with the new school by transfer.'),
      continuity: { recordsPassedOn: true, planPassedOn: bundle.content.plans.length > 0 },
    };
    const id = await this.writeTransition(
      tx,
      caller,
      learner.id,
      learner.ownerId,
      JSON.parse(JSON.stringify(transition)),
    );
    return { shared: { learnerId: learner.id, basis, grants }, transition: { id, linked: false } };
  }

  /** The move as a transition record in the recipient's copy: the one the sender planned, or a new one. */
  private async recordMove(
    tx: Tx,
    caller: Caller,
    { result, learner: held }: ImportedCopy,
    bundle: TransferBundle,
    recipient: Parameters<typeof refOf>[0],
  ) {
    const planned = bundle.content.transitions.findIndex(
      (t) => t.type === 'authority-move' && (t.status === 'planned' || t.status === 'in-progress'),
    );
    const learner = { id: result.learner.id, ownerId: held.ownerId };
    const { jurisdiction } = held;
    if (planned >= 0) {
      const row = await tx.record.findFirst({
        where: {
          learnerId: learner.id,
          kind: 'transition',
          ownerId: recipient.id,
          sourceRecordId: String(bundle.content.transitions[planned]!.id),
          deletedAt: null,
        },
      });
      if (row && (row.data as { jurisdiction?: string }).jurisdiction === jurisdiction) {
        const data: Record<string, unknown> = {
          ...(row.data as Record<string, unknown>),
          status: 'completed',
          actualDate: today(),
        };
        data.continuity = { ...((data.continuity as object | undefined) ?? {}), recordsPassedOn: true };
        assertValid('transition', data);
        await this.store.update(tx, caller, { current: row, data, change: 'patched' });
        return { id: row.id, linked: true };
      }
    }
    const transition = {
      jurisdiction,
      learnerId: learner.id,
      type: 'authority-move',
      status: 'completed',
      from: { authority: bundle.manifest.sender },
      to: { authority: refOf(recipient) },
      actualDate: today(),
      reason: bundle.manifest.note ?? 'Responsibility moved by transfer.',
      continuity: { recordsPassedOn: true, planPassedOn: bundle.content.plans.length > 0 },
    };
    return {
      id: await this.writeTransition(tx, caller, learner.id, learner.ownerId, transition),
      linked: false,
    };
  }

  private async writeTransition(
    tx: Tx,
    caller: Caller,
    learnerId: string,
    ownerId: string,
    data: Record<string, unknown>,
  ) {
    assertValid('transition', data);
    const row = await this.store.create(tx, caller, {
      kind: 'transition',
      id: randomUUID(),
      learnerId,
      ownerId,
      data,
    });
    return row.id;
  }

  private async decide(
    caller: Caller,
    id: string,
    decision: { from: 'sender' | 'recipient'; status: 'rejected' | 'cancelled'; note: string },
  ) {
    return this.prisma.$transaction(async (tx) => {
      const party =
        decision.from === 'sender' ? { senderId: caller.actingForId } : { recipientId: caller.actingForId };
      const claimed = await tx.transfer.updateMany({
        where: { id, status: 'pending', ...party },
        data: {
          status: decision.status,
          decidedAt: new Date(),
          ...(decision.status === 'rejected' ? { rejectionReason: decision.note } : {}),
        },
      });
      const row = await this.visible(tx, caller, id);
      if (claimed.count === 0)
        throw this.decided(row, caller, decision.status === 'rejected' ? 'reject' : 'cancel');
      await this.step(tx, caller, row, {
        status: decision.status,
        note: decision.note,
        action: decision.status === 'rejected' ? 'transfer-reject' : 'transfer-cancel',
      });
      return this.present(tx, row, caller);
    });
  }

  private decided(row: TransferRow, caller: Caller, action: 'accept' | 'reject' | 'cancel') {
    const role = row.senderId === caller.actingForId ? 'sender' : 'recipient';
    const allowed = action === 'cancel' ? 'sender' : 'recipient';
    if (role !== allowed)
      return new ProblemError('forbidden', `Only the ${allowed} may ${action} a transfer.`);
    return new ProblemError(
      'conflict',
      `The transfer is ${row.status}; it can be ${action === 'cancel' ? 'cancelled' : `${action}ed`} only while pending.`,
      { transferStatus: row.status },
    );
  }

  private async visible(db: Tx | PrismaClient, caller: Caller, id: string) {
    const row = await db.transfer.findUnique({ where: { id } });
    if (!row || (row.senderId !== caller.actingForId && row.recipientId !== caller.actingForId))
      throw notFound('The transfer');
    return row;
  }

  /**
   * Every step of a transfer (sent, accepted, rejected, cancelled) leaves the same two traces in the
   * transaction that takes it: a line in the transfer's history and an audit event on the learner.
   */
  private async step(
    tx: Tx,
    caller: Caller,
    row: Pick<TransferRow, 'id' | 'learnerId'>,
    step: { status: string; note: string; action: string },
  ) {
    await this.event(tx, row.id, step.status, caller, step.note);
    if (row.learnerId)
      await this.audit.write(tx, caller, {
        action: step.action,
        recordKind: 'learner',
        recordId: row.learnerId,
        learnerId: row.learnerId,
      });
  }

  private async event(tx: Tx, transferId: string, status: string, caller: Caller, note?: string) {
    await tx.transferEvent.create({
      data: {
        transferId,
        status,
        organisationId: caller.actingForId,
        clientId: caller.clientId,
        note: note ?? null,
      },
    });
  }

  private overdueSince() {
    return new Date(Date.now() - this.settings.overdueHours * 3600_000);
  }

  /** The transfer as the API shows it; `known` are organisations already read in the same transaction. */
  private async present(
    db: Tx | PrismaClient,
    row: TransferRow,
    caller: Caller,
    known?: { id: string; name: string }[],
  ) {
    const parties = [row.senderId, row.recipientId].filter((x): x is string => !!x);
    const names = parties.every((id) => known?.some((o) => o.id === id))
      ? (known ?? [])
      : await db.organisation.findMany({ where: { id: { in: parties } }, select: { id: true, name: true } });
    const name = (id: string | null) => names.find((n) => n.id === id)?.name;
    const bundle = row.bundle as unknown as TransferBundle;
    return {
      id: row.id,
      status: row.status,
      reason: row.reason,
      ...(row.note ? { note: row.note } : {}),
      direction: row.recipientId === caller.actingForId ? 'inbox' : 'outbox',
      sender: row.senderId
        ? { organisationId: row.senderId, name: name(row.senderId) }
        : { reference: bundle.manifest.sender },
      recipient: { organisationId: row.recipientId, name: name(row.recipientId) },
      learnerId: row.learnerId,
      manifest: bundle.manifest,
      signature: signatureOf(row),
      counts: {
        plans: bundle.content.plans.length,
        meetings: bundle.content.meetings.length,
        transitions: bundle.content.transitions.length,
      },
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      ...(row.decidedAt ? { decidedAt: row.decidedAt.toISOString() } : {}),
      overdue: row.status === 'pending' && row.createdAt < this.overdueSince(),
      ...(row.rejectionReason ? { rejectionReason: row.rejectionReason } : {}),
      ...(row.result ? { result: row.result } : {}),
    };
  }
}

/**
 * What stands behind the transfer's bundle (BUNDLE_SIGNATURE_STATES): a bundle sent from here was
 * signed here; an imported one carries a signature only when it verified. A transfer without one is
 * either an unsigned import the operator allows or a transfer sent before bundles were signed.
 */
function signatureOf(row: TransferRow): { state: BundleSignatureState; kid?: string } {
  if (!row.signature || !row.signatureKid) return { state: 'unsigned' };
  return { state: row.senderId ? 'signed' : 'verified', kid: row.signatureKid };
}

export const isUniqueViolation = (e: unknown) =>
  e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';

/** Why a bundle that reached the caller as a transfer of this deployment is not imported again. */
function bundleAlreadyHere(transfer: Pick<TransferRow, 'id' | 'status'>): string {
  const at = `/v1/transfers/${transfer.id}`;
  switch (transfer.status) {
    case 'pending':
      return `This bundle was sent to you as transfer ${at}, which is waiting for your decision: accept it there (POST ${at}/accept).`;
    case 'rejected':
      return `This bundle was sent to you as transfer ${at}, which you rejected; ask the sender to send it again.`;
    default:
      return `This bundle was sent to you as transfer ${at}, which is ${transfer.status}; ask the sender to send it again.`;
  }
}
