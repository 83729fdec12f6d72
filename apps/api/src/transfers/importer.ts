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
  type ChangedRecord,
  ConcurrentChange,
  grantAccess,
  isUnchanged,
  type NewRecord,
  type RecordRow,
  RecordStore,
  type Register,
  registerOf,
  type WriteOutcome,
  withRegisteredNames,
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

/** An import's result, and the learner as the recipient now holds it. */
export interface ImportedCopy {
  result: ImportResult;
  learner: { jurisdiction: string; ownerId: string };
}

const strip = ({ id: _id, meta: _meta, ...fields }: Data) => fields;

/** A record of the bundle, checked and ready to write: new (no `existing`) or over one imported before. */
interface PendingRecord {
  kind: 'plan' | 'meeting' | 'transition';
  key: 'plans' | 'meetings' | 'transitions';
  id: string;
  data: Data;
  sourceRecordId: string;
  existing?: RecordRow;
}

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
  ): Promise<ImportedCopy> {
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
    // Every record is checked first, then written a run at a time: consecutive records of one kind
    // that are all new (one createBlock) or all held already (one updateBlock), so the feed entries
    // and audit events come in the bundle's order, as they would a record at a time.
    const pending: PendingRecord[] = [];
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
        pending.push({
          kind,
          key,
          id,
          data,
          sourceRecordId: String(record.id),
          ...(existing ? { existing } : {}),
        });
      }
    }
    // The organisations every record names, looked up once for all of them.
    const register = await registerOf(
      tx,
      pending.map((p) => p.data),
    );
    for (let from = 0; from < pending.length; ) {
      const first = pending[from] as PendingRecord;
      let to = from + 1;
      while (
        to < pending.length &&
        pending[to]?.kind === first.kind &&
        !pending[to]?.existing === !first.existing
      )
        to++;
      const run = pending.slice(from, to);
      const outcomes = await this.importRecords(tx, caller, first.kind, {
        learnerId,
        records: run,
        provenance: options.provenance,
        register,
      });
      for (const [n, p] of run.entries()) result[p.key][outcomes[n] as WriteOutcome].push(p.id);
      from = to;
    }
    // What the caller records next (the move) needs of the learner as written, without reading it back.
    return {
      result,
      learner: { jurisdiction: String(input.jurisdiction), ownerId: match?.ownerId ?? caller.actingForId },
    };
  }

  /**
   * A run of records of one kind, all new or all held already, written as a block through the store:
   * what each one came to. Public so that tests can make it fail part-way through an import and prove
   * the transaction leaves nothing behind.
   */
  async importRecords(
    tx: Tx,
    caller: Caller,
    kind: RecordKind,
    args: {
      learnerId: string;
      records: Pick<PendingRecord, 'id' | 'data' | 'sourceRecordId' | 'existing'>[];
      provenance: Data;
      register: Register;
    },
  ): Promise<WriteOutcome[]> {
    const provenance = (sourceRecordId: string) => ({ ...args.provenance, sourceRecordId });
    const held = args.records.filter((r) => r.existing);
    if (held.length && held.length !== args.records.length)
      throw new Error('A run of records to import is either all new or all held already.');
    if (!held.length) {
      await this.store.createBlock(
        tx,
        caller,
        kind,
        args.records.map(
          (r): NewRecord => ({
            kind,
            id: r.id,
            learnerId: args.learnerId,
            ownerId: caller.actingForId,
            data: r.data,
            change: 'imported',
            action: 'import',
            sourceRecordId: r.sourceRecordId,
            provenance: provenance(r.sourceRecordId),
          }),
        ),
        args.register,
      );
      return args.records.map(() => 'created');
    }
    // As the store decides (isUnchanged on the record with the register's names): a record the same
    // as the one held writes nothing and is reported unchanged.
    const outcomes = args.records.map(
      (r): WriteOutcome =>
        isUnchanged((r.existing as RecordRow).data, withRegisteredNames(r.data, args.register))
          ? 'unchanged'
          : 'updated',
    );
    try {
      const written = await this.store.updateBlock(
        tx,
        caller,
        kind,
        args.records.map(
          (r): ChangedRecord => ({
            current: r.existing as RecordRow,
            data: r.data,
            change: 'imported',
            sourceRecordId: r.sourceRecordId,
            provenance: provenance(r.sourceRecordId),
          }),
        ),
        args.register,
      );
      if (written.updated !== outcomes.filter((o) => o === 'updated').length)
        throw new Error('The store and the importer disagree on which records change.');
    } catch (error) {
      // Another writer changed a held record since this transaction read it: as a single write says.
      if (error instanceof ConcurrentChange)
        throw new ProblemError(
          'precondition-failed',
          "One of the learner's records changed while the bundle was being imported; try again.",
        );
      throw error;
    }
    return outcomes;
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
