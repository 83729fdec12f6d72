import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type RecordKind, readRecordLine, type ValidationIssue, validate } from '@celr/schema';
import type { AuditedAccess, AuditTrail } from '../audit/audit-trail.js';
import {
  type AccessGrant,
  assertCreatesOwnLearner,
  assertMayWrite,
  assertSchoolFieldsOnly,
  GRANTS,
  syncSchoolAccess,
} from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ProblemError } from '../http/problem.js';
import { assertIdentityUnchanged } from '../records/record-service.js';
import { COLLECTION, indexedColumns } from '../records/representation.js';

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

/** Learners the acting organisation holds an open grant for. */
const VISIBLE = (learner: string) =>
  `EXISTS (SELECT 1 FROM learner_access a WHERE a.learner_id = ${learner} AND a.organisation_id = $1::uuid AND a.ended_at IS NULL)`;

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

  constructor(
    private readonly tx: Tx,
    private readonly caller: Caller,
    private readonly org: ActingOrganisation,
    private readonly audit: AuditTrail,
  ) {}

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
        const decided = await this.decide(kind, batch, fail);
        await this.store(kind, decided.creates, decided.updates);
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
          if (isDeepStrictEqual(target.data, l.input)) {
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

  /** The writes of a batch, a statement per table: records, versions, change feed, access, identifiers, audit. */
  private async store(kind: RecordKind, creates: Decision[], updates: Decision[]) {
    if (!creates.length && !updates.length) return;
    const rows = (ds: Decision[]) =>
      ds.map((d, n) => ({
        n,
        id: d.id,
        learner_id: d.learnerId,
        owner_id: d.ownerId,
        version: d.version,
        source_record_id: d.target ? null : (d.line.sourceId ?? null),
        data: d.line.input,
        ...indexedColumns(kind, d.line.input),
      }));
    const org = this.org.id;
    // One statement per batch: the rows' JSON is sent and parsed once for the record, its version,
    // its change-feed entries and (for a new learner) the creator's grant. A single INSERT into
    // `change`, ordered, puts each creator's 'visible' entry before the records it may then see.
    if (creates.length) {
      await this.tx.$executeRawUnsafe(
        `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb)
                      AS x(id uuid, learner_id uuid, jurisdiction text, type text, status text, owner_id uuid,
                           data jsonb, source_record_id uuid, n bigint)),
              r AS (INSERT INTO record (id, kind, learner_id, jurisdiction, type, status, owner_id, written_by_id, version, data, source_record_id)
                    SELECT id, $2, learner_id, jurisdiction, type, status, owner_id, $3::uuid, 1, data, source_record_id FROM x),
              v AS (INSERT INTO record_version (record_id, version, kind, learner_id, data, changed_at, client_id, organisation_id, change)
                    SELECT id, 1, $2, learner_id, data, now(), $4, $3::uuid, 'created' FROM x),
              a AS (INSERT INTO learner_access (id, learner_id, organisation_id, basis, grants)
                    SELECT gen_random_uuid(), id, $3::uuid, 'responsible', $5::text[] FROM x WHERE $2 = 'learner')
         INSERT INTO change (change, record_kind, record_id, learner_id, organisation_id, version)
         SELECT e.change, $2, e.id, e.learner_id, e.org, e.version
         FROM (SELECT 'visible' AS change, id, learner_id, $3::uuid AS org, NULL::int AS version, 0 AS step, n FROM x WHERE $2 = 'learner'
               UNION ALL SELECT 'created', id, learner_id, NULL::uuid, 1, 1, n FROM x) e
         ORDER BY e.step, e.n`,
        JSON.stringify(rows(creates)),
        kind,
        org,
        this.caller.clientId,
        GRANTS.responsible,
      );
    }
    if (updates.length) {
      const [result] = await this.tx.$queryRawUnsafe<{ changed: number }[]>(
        `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb)
                      AS x(id uuid, learner_id uuid, version int, jurisdiction text, type text, status text, data jsonb, n bigint)),
              u AS (UPDATE record r SET jurisdiction = x.jurisdiction, type = x.type, status = x.status, version = x.version,
                           data = x.data, written_by_id = $3::uuid, updated_at = now()
                    FROM x WHERE r.id = x.id AND r.version = x.version - 1 AND r.deleted_at IS NULL
                    RETURNING r.id),
              v AS (INSERT INTO record_version (record_id, version, kind, learner_id, data, changed_at, client_id, organisation_id, change)
                    SELECT x.id, x.version, $2, x.learner_id, x.data, now(), $4, $3::uuid, 'replaced' FROM x JOIN u ON u.id = x.id),
              c AS (INSERT INTO change (change, record_kind, record_id, learner_id, version)
                    SELECT 'updated', $2, x.id, x.learner_id, x.version FROM x JOIN u ON u.id = x.id ORDER BY x.n)
         SELECT count(*)::int AS changed FROM u`,
        JSON.stringify(rows(updates)),
        kind,
        org,
        this.caller.clientId,
      );
      // Another writer changed one of these records since it was read: retry the block with fresh reads.
      if (result?.changed !== updates.length) throw new ConcurrentChange();
    }
    const all = [...creates, ...updates];
    if (kind === 'learner') await this.writeLearnerExtras(creates, updates);
    await this.audit.write(
      this.tx,
      this.caller,
      ...all.map(
        (d): AuditedAccess => ({
          action: d.target ? 'replace' : 'create',
          recordKind: kind,
          recordId: d.id,
          recordVersion: d.version,
          learnerId: d.learnerId,
        }),
      ),
    );
  }

  /** Identifiers, and the school grant that follows the enrolment. */
  private async writeLearnerExtras(creates: Decision[], updates: Decision[]) {
    const newIdentifiers = [
      ...creates,
      ...updates.filter(
        (d) => !isDeepStrictEqual(identifiersOf(d.target!.data), identifiersOf(d.line.input)),
      ),
    ];
    const replaced = newIdentifiers.filter((d) => d.target).map((d) => d.id);
    if (replaced.length) {
      await this.tx.$executeRawUnsafe(
        'DELETE FROM learner_identifier WHERE learner_id = ANY($1::uuid[])',
        replaced,
      );
    }
    const pairs = newIdentifiers.flatMap((d) => identifiersOf(d.line.input).map((i) => ({ ...i, d })));
    if (pairs.length) {
      await this.tx.$executeRawUnsafe(
        `INSERT INTO learner_identifier (learner_id, owner_id, system, value)
         SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])`,
        pairs.map((p) => p.d.id),
        pairs.map((p) => p.d.ownerId),
        pairs.map((p) => p.system),
        pairs.map((p) => p.value),
      );
    }
    // A new learner's school, found in one query for the whole batch.
    const schools = await this.schoolsOf(creates.map((d) => d.line.input));
    const enrolled = creates.flatMap((d) => {
      const key = schoolKey(d.line.input);
      const school = key ? schools.get(key) : undefined;
      return school ? [{ learner: d.id, school }] : [];
    });
    if (enrolled.length) {
      await this.tx.$executeRawUnsafe(
        `INSERT INTO learner_access (id, learner_id, organisation_id, basis, grants)
         SELECT gen_random_uuid(), l, s, 'school', $3::text[] FROM unnest($1::uuid[], $2::uuid[]) AS u(l, s)`,
        enrolled.map((e) => e.learner),
        enrolled.map((e) => e.school),
        GRANTS.school,
      );
      await this.tx.$executeRawUnsafe(
        `INSERT INTO change (change, record_kind, record_id, learner_id, organisation_id)
         SELECT 'visible', 'learner', l, l, s FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS u(l, s, n) ORDER BY n`,
        enrolled.map((e) => e.learner),
        enrolled.map((e) => e.school),
      );
    }
    // A learner who moved school: rare in a batch, so the single-write path does it.
    for (const d of updates) {
      if (schoolKey(d.target!.data) !== schoolKey(d.line.input))
        await syncSchoolAccess(this.tx, d.id, d.line.input);
    }
  }

  private async schoolsOf(inputs: Data[]): Promise<Map<string, string>> {
    const keys = [...new Set(inputs.map(schoolKey).filter((k): k is string => k !== undefined))];
    if (!keys.length) return new Map();
    const rows = await this.tx.$queryRawUnsafe<{ id: string; urn: string | null; seedCode: string | null }[]>(
      `SELECT id::text, urn, seed_code AS "seedCode" FROM organisation
       WHERE kind = 'school' AND (urn = ANY($1::text[]) OR seed_code = ANY($2::text[]))`,
      keys.filter((k) => k.startsWith('urn|')).map((k) => k.slice(4)),
      keys.filter((k) => k.startsWith('seed-code|')).map((k) => k.slice(10)),
    );
    const found = new Map<string, string>();
    for (const r of rows) {
      if (r.urn) found.set(`urn|${r.urn}`, r.id);
      if (r.seedCode) found.set(`seed-code|${r.seedCode}`, r.id);
    }
    return found;
  }
}

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
    else byKind.get(read.kind)!.push({ line, kind: read.kind, input: read.input, sourceId: read.sourceId });
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

/** A write found a record changed under it; the block is retried from its first line. */
export class ConcurrentChange extends Error {
  constructor() {
    super('A record in the block changed while the block was being written.');
  }
}

/** Marks a line whose target could not be decided (it has already failed). */
const FAILED: Target = { id: '', learnerId: '', ownerId: '', version: 0, data: {} };

function identifiersOf(input: Data): { system: string; value: string }[] {
  const list = input.identifiers;
  return Array.isArray(list)
    ? (list as { system: string; value: string }[]).map(({ system, value }) => ({ system, value }))
    : [];
}

function schoolKey(input: Data): string | undefined {
  const school = (input.enrolment as { school?: { scheme?: string; code?: string } } | undefined)?.school;
  return school && (school.scheme === 'urn' || school.scheme === 'seed-code')
    ? `${school.scheme}|${school.code}`
    : undefined;
}

/**
 * Lines of one kind in runs that touch distinct records: a line that names the same `id` or
 * identifier as an earlier line of its run starts a new run, so it is decided after the earlier
 * one is written (and replaces it) rather than both being decided against the same stored state.
 */
function* withoutCollisions(lines: Parsed[]): Generator<Parsed[]> {
  let run: Parsed[] = [];
  let keys = new Set<string>();
  for (const l of lines) {
    const own = [
      ...(l.sourceId ? [`id|${l.sourceId}`] : []),
      ...identifiersOf(l.input).map((i) => `${i.system}|${i.value}`),
    ];
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
