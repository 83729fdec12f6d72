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
import { GRANTS } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import { assertValid } from '../records/record-service.js';
import {
  type AlertSettings,
  grantAccess,
  type RecordRow,
  RecordStore,
  type WriteOutcome,
} from '../records/store/index.js';
import { refOf, sameOrganisation } from './organisation-ref.js';

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
  /** Records the same as what the recipient holds: nothing written. */
  unchanged: string[];
}

/** Identity fields of a learner that a match never rewrites: a difference is kept for review. */
export const IDENTITY_FIELDS = ['name', 'dateOfBirth'] as const;

/** An identity field of the held learner that the incoming record disagreed with (see @celr/schema). */
export interface IdentityConflict {
  pointer: string;
  incoming: unknown;
  source?: Data;
  bundleId?: string;
  raisedOn: string;
}

export interface ImportResult {
  learner: {
    id: string;
    outcome: 'created' | 'matched';
    /** The identifiers (or earlier import) the match was made on. */
    matchedBy: string[];
    /** Fields of the recipient's learner that the incoming record changed; earlier values stay in its history. */
    conflicts: string[];
    /**
     * Identity fields (name, date of birth, identifiers) where the incoming record disagreed with the
     * learner held: the held values are kept, the incoming ones wait in the learner's
     * `identityConflicts` until the responsible authority resolves them.
     */
    identityConflicts: IdentityConflict[];
    /** 'unchanged' when the learner held was already the same as the incoming one. */
    write: WriteOutcome;
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
  private readonly store: RecordStore;

  constructor(audit: AuditTrail, alerts?: AlertSettings) {
    this.store = new RecordStore(audit, alerts);
  }

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
    const sender = bundle.manifest.sender;
    const { match, matchedBy } = await this.findLearner(tx, recipient.id, sender, sourceId, input);
    const empty = (): ImportOutcome => ({ created: [], updated: [], unchanged: [] });
    const result: ImportResult = {
      learner: {
        id: match?.id ?? randomUUID(),
        outcome: match ? 'matched' : 'created',
        matchedBy,
        conflicts: [],
        identityConflicts: [],
        write: match ? 'unchanged' : 'created',
      },
      plans: empty(),
      meetings: empty(),
      transitions: empty(),
      mapped: conversion.mapped,
      review: conversion.review,
      droppedLinks: [],
    };
    const learnerId = result.learner.id;
    const grant =
      options.access === 'responsible'
        ? { basis: 'responsible', grants: GRANTS.responsible }
        : { basis: 'host', grants: HOST_GRANTS };
    const provenance = (sourceRecordId: string) => ({ ...options.provenance, sourceRecordId });
    if (match) {
      const current = match.data as Data;
      const merged = mergeIntoHeld(current, input, {
        source: sender as Data,
        bundleId: bundle.manifest.bundleId,
        raisedOn: options.today,
      });
      input = merged.data;
      result.learner.identityConflicts = merged.conflicts;
      result.learner.conflicts = Object.keys(input)
        .filter(
          (k) =>
            !['identifiers', 'review', 'identityConflicts'].includes(k) &&
            current[k] !== undefined &&
            !isDeepStrictEqual(current[k], input[k]),
        )
        .map((k) => pointerOf(k));
      assertValid('learner', input, 'The learner in the bundle is not valid for the recipient.');
      // The recipient's feed says the learner is now theirs before it lists the imported records.
      await grantAccess(tx, learnerId, recipient.id, grant.basis, grant.grants);
      const written = await this.store.update(tx, caller, {
        current: match,
        data: input,
        change: 'imported',
        sourceRecordId: sourceId,
        provenance: provenance(sourceId),
      });
      result.learner.write = written.outcome;
    } else {
      await this.store.create(tx, caller, {
        kind: 'learner',
        id: learnerId,
        learnerId,
        ownerId: caller.actingForId,
        data: input,
        change: 'imported',
        action: 'import',
        sourceRecordId: sourceId,
        provenance: provenance(sourceId),
        access: grant,
      });
    }

    const planIds = new Map<string, string>();
    const lists = [
      ['plan', 'plans'],
      ['meeting', 'meetings'],
      ['transition', 'transitions'],
    ] as const;
    const sourceIds = lists.flatMap(([, key]) => (bundle.content[key] as Data[]).map((r) => String(r.id)));
    // An earlier import of the same record: the same sender's record of the same kind, imported for
    // this same learner. A source id that names another learner's record, or a record of another
    // kind, is not a match (a bundle is made by its sender, and anyone can make one).
    const earlier = new Map(
      (match && sourceIds.length
        ? await tx.record.findMany({
            where: { ownerId: recipient.id, learnerId, sourceRecordId: { in: sourceIds }, deletedAt: null },
          })
        : []
      )
        .filter((r) => sameSender(r.provenance, sender))
        .map((r) => [`${r.kind}|${r.sourceRecordId}`, r]),
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
        const existing = earlier.get(`${kind}|${String(record.id)}`);
        const id = existing?.id ?? randomUUID();
        if (kind === 'plan') planIds.set(String(record.id), id);
        const outcome = await this.importRecord(tx, caller, kind, {
          id,
          learnerId,
          data,
          sourceRecordId: String(record.id),
          existing,
          provenance: options.provenance,
        });
        result[key][outcome].push(id);
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
      existing?: RecordRow | null;
      provenance: Data;
    },
  ): Promise<WriteOutcome> {
    const provenance = { ...args.provenance, sourceRecordId: args.sourceRecordId };
    if (args.existing) {
      const written = await this.store.update(tx, caller, {
        current: args.existing,
        data: args.data,
        change: 'imported',
        sourceRecordId: args.sourceRecordId,
        provenance,
      });
      return written.outcome;
    }
    await this.store.create(tx, caller, {
      kind,
      id: args.id,
      learnerId: args.learnerId,
      ownerId: caller.actingForId,
      data: args.data,
      change: 'imported',
      action: 'import',
      sourceRecordId: args.sourceRecordId,
      provenance,
    });
    return 'created';
  }

  private async findLearner(
    tx: Tx,
    ownerId: string,
    sender: { scheme: string; code: string },
    sourceId: string,
    input: Data,
  ) {
    const identifiers = ((input.identifiers as { system: string; value: string }[] | undefined) ?? []).filter(
      (i) => MATCHING_SYSTEMS.includes(i.system),
    );
    const byIdentifier = identifiers.length
      ? await tx.learnerIdentifier.findMany({
          where: { ownerId, OR: identifiers.map(({ system, value }) => ({ system, value })) },
        })
      : [];
    const bySource = (
      await tx.record.findMany({
        where: { ownerId, kind: 'learner', sourceRecordId: sourceId, deletedAt: null },
        select: { id: true, provenance: true },
      })
    ).find((r) => sameSender(r.provenance, sender));
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
}

/** Whether a record was imported from the given sender (its provenance names it). */
function sameSender(provenance: unknown, sender: { scheme: string; code: string }) {
  const from = (provenance as { sender?: { scheme?: string; code?: string } } | null)?.sender;
  return !!from && sameOrganisation(from, sender);
}

/**
 * The incoming record wins, except for who the child is: a match never rewrites identity. The held
 * name, date of birth and identifiers are kept; an incoming value that differs is set aside in the
 * learner's `identityConflicts` (and the transfer's result) for the responsible authority to
 * resolve. Identifiers of systems the recipient does not hold are added; review items are kept.
 */
export function mergeIntoHeld(
  current: Data,
  incoming: Data,
  context: { source: Data; bundleId: string; raisedOn: string },
): { data: Data; conflicts: IdentityConflict[] } {
  const conflicts: IdentityConflict[] = [];
  const raise = (pointer: string, value: unknown) =>
    conflicts.push({
      pointer,
      incoming: value,
      source: context.source,
      bundleId: context.bundleId,
      raisedOn: context.raisedOn,
    });
  const data: Data = { ...incoming };
  for (const field of IDENTITY_FIELDS) {
    if (current[field] === undefined) continue;
    if (incoming[field] !== undefined && !isDeepStrictEqual(current[field], incoming[field]))
      raise(pointerOf(field), incoming[field]);
    data[field] = current[field];
  }
  type Identifier = { system: string; value: string };
  const held = (current.identifiers as Identifier[] | undefined) ?? [];
  const added: Identifier[] = [];
  for (const [i, id] of ((incoming.identifiers as Identifier[] | undefined) ?? []).entries()) {
    const same = held.filter((h) => h.system === id.system);
    if (!same.length) added.push(id);
    else if (!same.some((h) => h.value === id.value)) raise(pointerOf('identifiers', i), id);
  }
  if (held.length + added.length) data.identifiers = [...held, ...added];
  else delete data.identifiers;
  const review = [
    ...((current.review as unknown[] | undefined) ?? []),
    ...((incoming.review as unknown[] | undefined) ?? []),
  ];
  if (review.length) data.review = review;
  // Conflicts already waiting stay, the same one is not raised twice.
  const waiting = (current.identityConflicts as IdentityConflict[] | undefined) ?? [];
  const fresh = conflicts.filter(
    (c) => !waiting.some((w) => w.pointer === c.pointer && isDeepStrictEqual(w.incoming, c.incoming)),
  );
  const all = [...waiting, ...fresh];
  if (all.length) data.identityConflicts = all;
  else delete data.identityConflicts;
  return { data, conflicts };
}
