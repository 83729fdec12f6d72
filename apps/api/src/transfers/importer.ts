import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  type Conversion,
  convertLearner,
  pointerOf,
  type RecordKind,
  type TransferBundle,
} from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import { GRANTS, syncSchoolAccess } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import { logAccessChange } from '../changes/change-log.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import { assertValid, saveIdentifiers, writeVersion } from '../records/record-service.js';
import { indexedColumns } from '../records/representation.js';
import { refOf } from './organisation-ref.js';

type Tx = Prisma.TransactionClient;
type Data = Record<string, unknown>;
type Org = Parameters<typeof refOf>[0];

/** Identifier systems that name one child nationally; a match on any of them is the same child. */
const MATCHING_SYSTEMS = ['upn', 'scn', 'uln'];
/** What a host authority may write about a learner placed in its area. */
export const HOST_GRANTS = ['plan', 'meeting'];

export interface ImportOutcome {
  created: string[];
  updated: string[];
}

export interface ImportResult {
  learner: {
    id: string;
    outcome: 'created' | 'matched';
    /** The identifiers (or earlier import) the match was made on. */
    matchedBy: string[];
    /** Fields of the recipient's learner that the incoming record changed; earlier values stay in its history. */
    conflicts: string[];
  };
  plans: ImportOutcome;
  meetings: ImportOutcome;
  transitions: ImportOutcome;
  /** Codes replaced by their counterpart in the recipient's nation. */
  mapped: Conversion['mapped'];
  /** Values with no counterpart, kept in the learner's `review` list. */
  review: Conversion['review'];
  /** Links that could not be kept, e.g. a meeting's plan that was not sent. */
  droppedLinks: { pointer: string; reason: string }[];
  transition?: { id: string; linked: boolean };
}

const strip = ({ id: _id, meta: _meta, ...fields }: Data) => fields;

/**
 * Imports a bundle into records the recipient owns, inside the caller's transaction: everything
 * or, if anything fails, nothing. The learner is matched to one the recipient already holds by
 * UPN, SCN or ULN (or by an earlier import of the same record); plans, meetings and transitions
 * imported before are updated rather than duplicated.
 */
export class BundleImporter {
  constructor(private readonly audit: AuditTrail) {}

  async importCopy(
    tx: Tx,
    caller: Caller,
    recipient: Org,
    bundle: TransferBundle,
    options: { access: 'responsible' | 'host'; provenance: Data; today: string },
  ): Promise<ImportResult> {
    let input = strip(bundle.content.learner as Data);
    let conversion: Pick<Conversion, 'mapped' | 'review'> = { mapped: [], review: [] };
    if (options.access === 'responsible') {
      const target = (recipient.jurisdiction ?? input.jurisdiction) as 'england' | 'scotland';
      const converted = convertLearner(input, target, options.today);
      conversion = converted;
      input = { ...converted.value, responsibleAuthority: refOf(recipient) };
    } else {
      input = { ...input, hostAuthority: refOf(recipient) };
    }
    assertValid('learner', input, 'The learner in the bundle is not valid for the recipient.');

    const sourceId = String((bundle.content.learner as Data).id);
    const { match, matchedBy } = await this.findLearner(tx, recipient.id, sourceId, input);
    const result: ImportResult = {
      learner: {
        id: match?.id ?? randomUUID(),
        outcome: match ? 'matched' : 'created',
        matchedBy,
        conflicts: [],
      },
      plans: { created: [], updated: [] },
      meetings: { created: [], updated: [] },
      transitions: { created: [], updated: [] },
      mapped: conversion.mapped,
      review: conversion.review,
      droppedLinks: [],
    };
    const learnerId = result.learner.id;
    if (match) {
      const current = match.data as Data;
      input = this.mergeIntoHeld(current, input);
      result.learner.conflicts = Object.keys(input)
        .filter(
          (k) =>
            !['identifiers', 'review'].includes(k) &&
            current[k] !== undefined &&
            !isDeepStrictEqual(current[k], input[k]),
        )
        .map((k) => pointerOf(k));
    }
    const grant =
      options.access === 'responsible'
        ? { basis: 'responsible', grants: GRANTS.responsible }
        : { basis: 'host', grants: HOST_GRANTS };
    const seen = match
      ? await tx.learnerAccess.findFirst({
          where: { learnerId, organisationId: recipient.id, endedAt: null },
        })
      : null;
    // The recipient's feed says the learner is now theirs before it lists the imported records.
    if (!seen) await logAccessChange(tx, learnerId, recipient.id, 'visible');
    await this.importRecord(tx, caller, 'learner', {
      id: learnerId,
      learnerId,
      data: input,
      sourceRecordId: sourceId,
      existing: match,
      provenance: options.provenance,
    });
    await tx.learnerIdentifier.deleteMany({ where: { learnerId } });
    await saveIdentifiers(tx, recipient.id, learnerId, input);
    const held = await tx.learnerAccess.findFirst({
      where: { learnerId, organisationId: recipient.id, basis: grant.basis, endedAt: null },
    });
    if (!held) await tx.learnerAccess.create({ data: { learnerId, organisationId: recipient.id, ...grant } });
    await syncSchoolAccess(tx, learnerId, input);

    const planIds = new Map<string, string>();
    const lists = [
      ['plan', 'plans'],
      ['meeting', 'meetings'],
      ['transition', 'transitions'],
    ] as const;
    const sourceIds = lists.flatMap(([, key]) => (bundle.content[key] as Data[]).map((r) => String(r.id)));
    const earlier = new Map(
      (await tx.record.findMany({ where: { ownerId: recipient.id, sourceRecordId: { in: sourceIds } } })).map(
        (r) => [r.sourceRecordId!, r],
      ),
    );
    for (const [kind, key] of lists) {
      for (const [index, record] of (bundle.content[key] as Data[]).entries()) {
        const data: Data = { ...strip(record), learnerId };
        if (kind === 'meeting' && typeof data.planId === 'string') {
          const planId = planIds.get(data.planId);
          if (planId) data.planId = planId;
          else {
            result.droppedLinks.push({
              pointer: pointerOf('content', key, index, 'planId'),
              reason: 'The plan it belongs to was not in the bundle.',
            });
            delete data.planId;
          }
        }
        assertValid(kind, data, `The ${kind} at /content/${key}/${index} is not valid.`);
        const existing = earlier.get(String(record.id));
        const id = existing?.id ?? randomUUID();
        if (kind === 'plan') planIds.set(String(record.id), id);
        await this.importRecord(tx, caller, kind, {
          id,
          learnerId,
          data,
          sourceRecordId: String(record.id),
          existing,
          provenance: options.provenance,
        });
        result[key][existing ? 'updated' : 'created'].push(id);
      }
    }
    return result;
  }

  /**
   * One record in or updated. Public so that tests can make it fail part-way through an import
   * and prove the transaction leaves nothing behind.
   */
  async importRecord(
    tx: Tx,
    caller: Caller,
    kind: RecordKind,
    args: {
      id: string;
      learnerId: string;
      data: Data;
      sourceRecordId: string;
      existing?: { id: string; version: number } | null;
      provenance: Data;
    },
  ): Promise<void> {
    const columns = {
      ...indexedColumns(kind, args.data),
      data: args.data as Prisma.InputJsonValue,
      writtenById: caller.actingForId,
      sourceRecordId: args.sourceRecordId,
      provenance: { ...args.provenance, sourceRecordId: args.sourceRecordId } as Prisma.InputJsonValue,
    };
    const row = args.existing
      ? await tx.record.update({
          where: { id: args.existing.id },
          data: { ...columns, version: args.existing.version + 1, deletedAt: null },
        })
      : await tx.record.create({
          data: {
            id: args.id,
            kind,
            learnerId: args.learnerId,
            ownerId: caller.actingForId,
            version: 1,
            ...columns,
          },
        });
    await writeVersion(tx, caller, row, 'imported');
    await this.audit.write(tx, caller, {
      action: 'import',
      recordKind: kind,
      recordId: row.id,
      recordVersion: row.version,
      learnerId: args.learnerId,
    });
  }

  private async findLearner(tx: Tx, ownerId: string, sourceId: string, input: Data) {
    const identifiers = ((input.identifiers as { system: string; value: string }[] | undefined) ?? []).filter(
      (i) => MATCHING_SYSTEMS.includes(i.system),
    );
    const byIdentifier = identifiers.length
      ? await tx.learnerIdentifier.findMany({
          where: { ownerId, OR: identifiers.map(({ system, value }) => ({ system, value })) },
        })
      : [];
    const bySource = await tx.record.findFirst({
      where: { ownerId, kind: 'learner', sourceRecordId: sourceId },
      select: { id: true },
    });
    const ids = new Set([...byIdentifier.map((i) => i.learnerId), ...(bySource ? [bySource.id] : [])]);
    if (ids.size > 1) {
      throw new ProblemError(
        'conflict',
        'The learner matches more than one learner the recipient holds; merge or correct those first.',
        {
          errors: byIdentifier.map((i) => ({
            pointer: '/content/learner/identifiers',
            rule: 'learner-match',
            message: `${i.system} '${i.value}' is held for learner ${i.learnerId}.`,
          })),
        },
      );
    }
    const [id] = ids;
    const match = id ? await tx.record.findUnique({ where: { id } }) : null;
    const matchedBy = [
      ...byIdentifier.map((i) => `${i.system}|${i.value}`),
      ...(bySource ? ['earlier import'] : []),
    ];
    return { match, matchedBy };
  }

  /** The incoming record wins, but identifiers and review items the recipient holds are kept. */
  private mergeIntoHeld(current: Data, incoming: Data): Data {
    const incomingIds = (incoming.identifiers as { system: string }[] | undefined) ?? [];
    const heldIds = ((current.identifiers as { system: string }[] | undefined) ?? []).filter(
      (i) => !incomingIds.some((n) => n.system === i.system),
    );
    const review = [
      ...((current.review as unknown[] | undefined) ?? []),
      ...((incoming.review as unknown[] | undefined) ?? []),
    ];
    return {
      ...incoming,
      ...(incomingIds.length + heldIds.length ? { identifiers: [...incomingIds, ...heldIds] } : {}),
      ...(review.length ? { review } : {}),
    };
  }
}
