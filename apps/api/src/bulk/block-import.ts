import { randomUUID } from 'node:crypto';
import { type RecordKind, readRecordLine, type ValidationIssue, validate } from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import {
  type AccessGrant,
  assertCreatesOwnLearner,
  assertMayWrite,
  assertSchoolFieldsOnly,
  visibleSql,
} from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import { assertIdentityUnchanged } from '../records/record-service.js';
import { COLLECTION } from '../records/representation.js';
import {
  type AlertSettings,
  identifiersOf,
  isUnchanged,
  RecordStore,
  type Register,
} from '../records/store/index.js';

export { ConcurrentChange } from '../records/store/index.js';

type Tx = Prisma.TransactionClient;
type Data = Record<string, unknown>;

/** One line of an import, numbered as in the submitted file. */
export interface SourceLine {
  line: number;
  text: string;
}

/** Why a line was not written. */
export interface LineError extends ValidationIssue {
  line: number;
  kind?: RecordKind;
}

export interface BlockResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Lines that failed (a line with several issues counts once). */
  failed: number;
  errors: LineError[];
}

/** The organisation the caller acts for, as the access rules need it. */
export interface ActingOrganisation {
  id: string;
  kind: string;
  laCode: string | null;
  name: string;
}

interface Parsed {
  line: number;
  kind: RecordKind;
  input: Data;
  sourceId?: string;
}

interface Target {
  id: string;
  learnerId: string;
  ownerId: string;
  version: number;
  data: Data;
}

interface Decision {
  line: Parsed;
  id: string;
  learnerId: string;
  ownerId: string;
  version: number;
  /** The version replaced, for an update. */
  target?: Target;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Later stages may refer to earlier ones (a plan to its learner, a meeting to its plan). */
const STAGES: RecordKind[] = ['learner', 'plan', 'meeting', 'transition'];

/** Learners the acting organisation ($1) holds an open grant for. */
const VISIBLE = (learner: string) => visibleSql(learner, '$1::uuid');

/**
 * Checks and writes one block of an import's lines, in the caller's transaction, with the access
 * rules of single writes (src/auth/access.ts) and the validation of @celr/schema. A line that
 * breaks a rule is reported and not written; the others are written in a few set-based
 * statements per block rather than several per line, which is what makes an import fast.
 *
 * What a line does: a record whose `id` is one the caller can see (or that an earlier import
 * created from a record with that `id`) is replaced; a learner one of whose identifiers belongs to
 * a learner the caller can see is replaced; anything else is created. A record identical to the
 * stored one is left alone (no new version, nothing in the change feed), so sending a whole
 * cohort again each night costs little. `learnerId` and `planId` may name the `id` a record had
 * in the file it came from; they are followed to the record it became.
 */
export class BlockImporter {
  /** Who holds each identifier of the batch in hand, as `owner|system|value` → learner id. */
  private identifierOwners = new Map<string, string>();
  private readonly store: RecordStore;

  constructor(
    private readonly tx: Tx,
    private readonly caller: Caller,
    private readonly org: ActingOrganisation,
    audit: AuditTrail,
    alerts?: AlertSettings,
    /**
     * Creates only: a block that would change a stored record throws NotCreatesOnly before it
     * writes the change (a block written beside another must not lock a record the other may need).
     */
    private readonly createsOnly = false,
  ) {
    this.store = new RecordStore(audit, alerts);
  }

  /** Reads and checks a block's lines and writes them. */
  import(lines: SourceLine[], defaultKind: RecordKind | undefined): Promise<BlockResult> {
    return this.write(readBlock(lines, defaultKind, this.caller.scopes));
  }

  /** Writes a block already read: what can be told from the database is decided here. */
  async write(block: ReadBlock): Promise<BlockResult> {
    const result: BlockResult = {
      created: 0,
      updated: 0,
      unchanged: 0,
      failed: 0,
      errors: [...block.errors],
    };
    const failedLines = new Set(block.errors.map((e) => e.line));
    const fail = (line: number, kind: RecordKind | undefined, issues: ValidationIssue[]) => {
      failedLines.add(line);
      for (const issue of issues) result.errors.push({ line, ...(kind ? { kind } : {}), ...issue });
    };
    for (const kind of STAGES) {
      for (const batch of withoutCollisions(block.byKind.get(kind)!)) {
        this.identifierOwners = new Map();
        // Organisation names come from the register before anything is compared or written.
        const { records, register } = await this.store.normalise(
          this.tx,
          batch.map((l) => l.input),
        );
        batch.forEach((l, i) => {
          l.input = records[i]!;
        });
        const decided = await this.decide(kind, batch, fail);
        await this.persist(kind, decided.creates, decided.updates, register);
        result.created += decided.creates.length;
        result.updated += decided.updates.length;
        result.unchanged += decided.unchanged;
      }
    }
    result.failed = failedLines.size;
    result.errors.sort((a, b) => a.line - b.line);
    return result;
  }

  /** Which lines create, which replace, which change nothing, and which break an access rule. */
  private async decide(
    kind: RecordKind,
    lines: Parsed[],
    fail: (line: number, kind: RecordKind, issues: ValidationIssue[]) => void,
  ) {
    if (kind !== 'learner') await this.followReferences(lines);
    const targets = await this.targetsOf(kind, lines, fail);
    const learnerIds = new Set<string>();
    for (const l of lines) {
      const target = targets.get(l.line);
      if (target && target !== FAILED) learnerIds.add(target.learnerId);
      else if (kind !== 'learner') learnerIds.add(String(l.input.learnerId));
    }
    const grants = await this.grantsFor([...learnerIds]);
    const learners = kind === 'learner' ? new Map() : await this.learnersById([...learnerIds]);

    const creates: Decision[] = [];
    const updates: Decision[] = [];
    let unchanged = 0;
    for (const l of lines) {
      const target = targets.get(l.line);
      if (target === FAILED) continue;
      try {
        if (target) {
          const grant = grants.get(target.learnerId);
          if (!grant) throw notVisible(kind);
          // A line the same as the stored record writes nothing, so it needs no write grant: sending
          // back an export that holds records one may only read is not an error.
          if (isUnchanged(target.data, l.input)) {
            unchanged++;
            continue;
          }
          assertMayWrite(grant, kind);
          assertIdentityUnchanged(kind, target.data, l.input);
          if (kind === 'learner') assertSchoolFieldsOnly(grant, target.data, l.input);
          updates.push({
            line: l,
            id: target.id,
            learnerId: target.learnerId,
            ownerId: target.ownerId,
            version: target.version + 1,
            target,
          });
        } else if (kind === 'learner') {
          assertCreatesOwnLearner(this.org, l.input);
          const id = randomUUID();
          creates.push({ line: l, id, learnerId: id, ownerId: this.org.id, version: 1 });
        } else {
          const learnerId = String(l.input.learnerId);
          const learner = learners.get(learnerId);
          const grant = grants.get(learnerId);
          if (!learner || !grant) throw noSuchLearner();
          if (learner.jurisdiction !== l.input.jurisdiction) {
            throw invalid(
              '/jurisdiction',
              'jurisdiction-mismatch',
              `The learner's records are in ${learner.jurisdiction}; a ${kind} for them is too.`,
            );
          }
          assertMayWrite(grant, kind);
          creates.push({ line: l, id: randomUUID(), learnerId, ownerId: this.org.id, version: 1 });
        }
      } catch (error) {
        if (!(error instanceof ProblemError)) throw error;
        fail(l.line, kind, issuesOf(error));
      }
    }
    if (kind === 'learner') {
      const clashes = this.identifierClashes([...creates, ...updates]);
      for (const [line, issues] of clashes) fail(line, kind, issues);
      const ok = (d: Decision) => !clashes.has(d.line.line);
      return { creates: creates.filter(ok), updates: updates.filter(ok), unchanged };
    }
    return { creates, updates, unchanged };
  }

  /**
   * The record each line replaces, if any: by `id` (the record itself, or one an earlier import
   * made from it), then, for learners, by identifier. Lines whose identifiers belong to more than
   * one learner fail here and are left out of the map with a marker.
   */
  private async targetsOf(
    kind: RecordKind,
    lines: Parsed[],
    fail: (line: number, kind: RecordKind, issues: ValidationIssue[]) => void,
  ): Promise<Map<number, Target>> {
    const targets = new Map<number, Target>();
    const ids = [...new Set(lines.flatMap((l) => (l.sourceId ? [l.sourceId] : [])))];
    if (ids.length) {
      const rows = await this.tx.$queryRawUnsafe<(Target & { sourceRecordId: string | null })[]>(
        `SELECT r.id::text, r.learner_id::text AS "learnerId", r.owner_id::text AS "ownerId", r.version, r.data,
                r.source_record_id::text AS "sourceRecordId"
         FROM record r
         WHERE r.kind = $2 AND r.deleted_at IS NULL AND (r.id = ANY($3::uuid[]) OR r.source_record_id = ANY($3::uuid[]))
           AND ${VISIBLE('r.learner_id')}
         ORDER BY r.created_at`,
        this.org.id,
        kind,
        ids,
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      const bySource = new Map(rows.filter((r) => r.sourceRecordId).map((r) => [r.sourceRecordId!, r]));
      for (const l of lines) {
        const found = l.sourceId ? (byId.get(l.sourceId) ?? bySource.get(l.sourceId)) : undefined;
        if (found) targets.set(l.line, found);
      }
    }
    if (kind !== 'learner') return targets;

    // Every holder of the batch's identifiers, in one read: the visible ones find the learner a line
    // replaces, and all of them (by owner) are what identifierClashes() checks uniqueness against.
    const pairs = lines.flatMap((l) => identifiersOf(l.input));
    if (!pairs.length) return targets;
    // `= ANY` on both columns is an index lookup on (system, value) whatever the planner thinks of
    // the arrays; a join to unnest() was planned as a scan of the whole table once it grew (and,
    // inside an all-or-nothing job's transaction, before statistics saw its rows). The arrays
    // pair every system with every value, so the exact pairs are picked out here.
    const asked = new Set(pairs.map((p) => `${p.system}|${p.value}`));
    const holders = (
      await this.tx.$queryRawUnsafe<
        { learnerId: string; ownerId: string; system: string; value: string; visible: boolean }[]
      >(
        `SELECT i.learner_id::text AS "learnerId", i.owner_id::text AS "ownerId", i.system, i.value,
                ${VISIBLE('i.learner_id')} AS visible
         FROM learner_identifier i
         WHERE i.system = ANY($2::text[]) AND i.value = ANY($3::text[])`,
        this.org.id,
        [...new Set(pairs.map((p) => p.system))],
        [...new Set(pairs.map((p) => p.value))],
      )
    ).filter((h) => asked.has(`${h.system}|${h.value}`));
    for (const h of holders) this.identifierOwners.set(`${h.ownerId}|${h.system}|${h.value}`, h.learnerId);
    const matches = holders.filter((h) => h.visible);
    const pending = lines.filter((l) => !targets.has(l.line) && identifiersOf(l.input).length);
    if (!matches.length || !pending.length) return targets;
    const learnersOf = new Map<string, Set<string>>();
    for (const m of matches) {
      const key = `${m.system}|${m.value}`;
      learnersOf.set(key, (learnersOf.get(key) ?? new Set()).add(m.learnerId));
    }
    const wanted = new Map<number, string>();
    for (const l of pending) {
      const found = new Set(
        identifiersOf(l.input).flatMap((i) => [...(learnersOf.get(`${i.system}|${i.value}`) ?? [])]),
      );
      if (found.size > 1) {
        fail(l.line, kind, [
          {
            pointer: '/identifiers',
            rule: 'identifier-ambiguous',
            message: `The identifiers belong to ${found.size} different learners you can see (${[...found].join(', ')}); send the line with the id of the one to replace.`,
          },
        ]);
        targets.set(l.line, FAILED);
      } else if (found.size === 1) wanted.set(l.line, [...found][0]!);
    }
    if (!wanted.size) return targets;
    const rows = await this.tx.$queryRawUnsafe<Target[]>(
      `SELECT r.id::text, r.learner_id::text AS "learnerId", r.owner_id::text AS "ownerId", r.version, r.data
       FROM record r WHERE r.id = ANY($1::uuid[]) AND r.kind = 'learner' AND r.deleted_at IS NULL`,
      [...new Set(wanted.values())],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [line, id] of wanted) {
      const row = byId.get(id);
      if (row) targets.set(line, row);
    }
    return targets;
  }

  /** `learnerId` and `planId` naming a record by the id it had where it came from, made ours. */
  private async followReferences(lines: Parsed[]) {
    const refs = [
      ...new Set(
        lines.flatMap((l) =>
          ['learnerId', 'planId'].map((f) => l.input[f]).filter((v): v is string => typeof v === 'string'),
        ),
      ),
    ];
    if (!refs.length) return;
    const rows = await this.tx.$queryRawUnsafe<{ id: string; source: string }[]>(
      `SELECT DISTINCT ON (r.source_record_id) r.id::text, r.source_record_id::text AS source
       FROM record r
       WHERE r.source_record_id = ANY($2::uuid[]) AND r.deleted_at IS NULL AND ${VISIBLE('r.learner_id')}
         AND NOT EXISTS (SELECT 1 FROM record s WHERE s.id = r.source_record_id)
       ORDER BY r.source_record_id, r.created_at DESC`,
      this.org.id,
      refs,
    );
    if (!rows.length) return;
    const ours = new Map(rows.map((r) => [r.source, r.id]));
    for (const l of lines) {
      for (const field of ['learnerId', 'planId']) {
        const value = l.input[field];
        if (typeof value === 'string' && ours.has(value)) l.input = { ...l.input, [field]: ours.get(value) };
      }
    }
  }

  private async grantsFor(learnerIds: string[]): Promise<Map<string, AccessGrant>> {
    if (!learnerIds.length) return new Map();
    const rows = await this.tx.$queryRawUnsafe<{ learnerId: string; basis: string; grants: string[] }[]>(
      `SELECT a.learner_id::text AS "learnerId", string_agg(a.basis, '+') AS basis,
              array_remove(array_agg(DISTINCT g), NULL) AS grants
       FROM learner_access a LEFT JOIN LATERAL unnest(a.grants) AS g ON true
       WHERE a.organisation_id = $1::uuid AND a.learner_id = ANY($2::uuid[]) AND a.ended_at IS NULL
       GROUP BY a.learner_id`,
      this.org.id,
      learnerIds.filter((id) => UUID.test(id)),
    );
    return new Map(rows.map((r) => [r.learnerId, { basis: r.basis, grants: r.grants }]));
  }

  private async learnersById(ids: string[]) {
    const rows = await this.tx.$queryRawUnsafe<{ id: string; jurisdiction: string }[]>(
      `SELECT id::text, jurisdiction FROM record WHERE id = ANY($1::uuid[]) AND kind = 'learner' AND deleted_at IS NULL`,
      ids.filter((id) => UUID.test(id)),
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Identifiers another learner of the same owner already has: unique per owning organisation. */
  private identifierClashes(decisions: Decision[]): Map<number, ValidationIssue[]> {
    const wanted = decisions.flatMap((d) =>
      identifiersOf(d.line.input).map((i, index) => ({ ...i, index, d })),
    );
    const clashes = new Map<number, ValidationIssue[]>();
    const holder = this.identifierOwners;
    for (const w of wanted) {
      const other = holder.get(`${w.d.ownerId}|${w.system}|${w.value}`);
      if (!other || other === w.d.learnerId) continue;
      const list = clashes.get(w.d.line.line) ?? [];
      list.push({
        pointer: `/identifiers/${w.index}/value`,
        rule: 'identifier-unique',
        message: `Your organisation already holds ${w.system} '${w.value}' for learner ${other}.`,
      });
      clashes.set(w.d.line.line, list);
    }
    return clashes;
  }

  /** The writes of a batch, through the record store's set-based entries. */
  private async persist(kind: RecordKind, creates: Decision[], updates: Decision[], register: Register) {
    if (this.createsOnly && updates.length) throw new NotCreatesOnly();
    await this.store.createBlock(
      this.tx,
      this.caller,
      kind,
      creates.map((d) => ({
        kind,
        id: d.id,
        learnerId: d.learnerId,
        ownerId: d.ownerId,
        data: d.line.input,
        sourceRecordId: d.line.sourceId ?? null,
      })),
      register,
    );
    const { updated } = await this.store.updateBlock(
      this.tx,
      this.caller,
      kind,
      updates.map((d) => ({
        current: { ...d.target!, kind },
        data: d.line.input,
        change: 'replaced' as const,
      })),
      register,
    );
    // Unchanged lines were counted when decided; the store agrees.
    if (updated !== updates.length) throw new Error('The store found unchanged records among the updates.');
  }
}

/** A block written with `createsOnly` would change a stored record: it is to be written on its own. */
export class NotCreatesOnly extends Error {}

/**
 * Whether `later` can be written beside `earlier` with the same outcome as after it: no line of
 * `later` names (by id or identifier) a record a line of `earlier` names, or refers (learnerId,
 * planId) to a record by an id a line of `earlier` has. What the database could still make the
 * one wait for the other (a record both change) is for the writer to rule out (`createsOnly`,
 * and the earlier block changing no stored record).
 */
export function independentBlocks(earlier: ReadBlock, later: ReadBlock): boolean {
  const keys = new Set<string>();
  for (const parsed of earlier.byKind.values())
    for (const l of parsed) for (const k of keysOf(l)) keys.add(k);
  for (const parsed of later.byKind.values()) {
    for (const l of parsed) {
      if (keysOf(l).some((k) => keys.has(k))) return false;
      for (const field of ['learnerId', 'planId']) {
        const value = l.input[field];
        if (typeof value === 'string' && keys.has(`id|${value}`)) return false;
      }
    }
  }
  return true;
}

/** What a line names a record by: its `id`, and (a learner's) identifiers. */
const keysOf = (l: Parsed) => [
  ...(l.sourceId ? [`id|${l.sourceId}`] : []),
  ...identifiersOf(l.input).map((i) => `${i.system}|${i.value}`),
];

/** A block's lines, read and checked against everything that needs no database: the CPU part of an import. */
export interface ReadBlock {
  byKind: Map<RecordKind, Parsed[]>;
  errors: LineError[];
}

/**
 * Reads a block's lines: JSON, kind, the token's scope, validation by @celr/schema. Kept apart
 * from the writes so a worker can read the next block while the database writes this one.
 */
export function readBlock(
  lines: SourceLine[],
  defaultKind: RecordKind | undefined,
  scopes: ReadonlySet<string>,
): ReadBlock {
  const byKind = new Map<RecordKind, Parsed[]>(STAGES.map((k) => [k, []]));
  const errors: LineError[] = [];
  for (const { line, text } of lines) {
    const read = readRecordLine(text, defaultKind);
    if (!read.ok) {
      errors.push({ line, ...read.issue });
      continue;
    }
    const issues = checkLine(scopes, read.kind, read.input, read.sourceId);
    if (issues.length) for (const issue of issues) errors.push({ line, kind: read.kind, ...issue });
    else
      byKind.get(read.kind)!.push({
        line,
        kind: read.kind,
        input: read.input,
        ...(read.sourceId !== undefined ? { sourceId: read.sourceId } : {}),
      });
  }
  return { byKind, errors };
}

/** What can be told from the line alone: the token's scope, the record's validity, its id. */
function checkLine(
  scopes: ReadonlySet<string>,
  kind: RecordKind,
  input: Data,
  sourceId: string | undefined,
): ValidationIssue[] {
  const scope = `${COLLECTION[kind]}:write`;
  if (!scopes.has(scope)) {
    return [
      {
        pointer: '',
        rule: 'scope',
        message: `Writing ${kind} records needs the '${scope}' scope, which the token that submitted the import did not have.`,
      },
    ];
  }
  if (sourceId !== undefined && !UUID.test(sourceId)) {
    return [
      {
        pointer: '/id',
        rule: 'format',
        message: "'id' is the id of a CELR record (a UUID); your own ids belong in identifiers.",
      },
    ];
  }
  const checked = validate(kind, input);
  return checked.ok ? [] : checked.issues;
}

/** Marks a line whose target could not be decided (it has already failed). */
const FAILED: Target = { id: '', learnerId: '', ownerId: '', version: 0, data: {} };

/**
 * Lines of one kind in runs that touch distinct records: a line that names the same `id` or
 * identifier as an earlier line of its run starts a new run, so it is decided after the earlier
 * one is written (and replaces it) rather than both being decided against the same stored state.
 */
function* withoutCollisions(lines: Parsed[]): Generator<Parsed[]> {
  let run: Parsed[] = [];
  let keys = new Set<string>();
  for (const l of lines) {
    const own = keysOf(l);
    if (own.some((k) => keys.has(k))) {
      yield run;
      run = [];
      keys = new Set();
    }
    run.push(l);
    for (const k of own) keys.add(k);
  }
  if (run.length) yield run;
}

function issuesOf(error: ProblemError): ValidationIssue[] {
  const errors = error.extra.errors;
  if (errors?.length) return errors;
  return [{ pointer: '', rule: error.type, message: error.detail ?? error.message }];
}

const invalid = (pointer: string, rule: string, message: string) =>
  new ProblemError('validation', message, { errors: [{ pointer, rule, message }] });

const noSuchLearner = () =>
  invalid('/learnerId', 'learner-exists', 'No learner with this id that your organisation can see.');

const notVisible = (kind: RecordKind) =>
  new ProblemError('not-found', `The ${kind} is not one your organisation can see.`);
