import { isDeepStrictEqual } from 'node:util';
import {
  type AlertingLearner,
  DEFAULT_ATTENDANCE_THRESHOLD,
  learnerRecordAlerts,
  pointerOf,
  type RecordKind,
  type ValidationIssue,
} from '@celr/schema';
import type { AuditedAccess, AuditTrail } from '../../audit/audit-trail.js';
import { GRANTS } from '../../auth/access.js';
import type { Caller } from '../../auth/caller.js';
import { Prisma } from '../../generated/prisma/client.js';
import { ProblemError } from '../../http/problem.js';
import { indexedColumns, representationSql } from '../representation.js';
import { schoolKey, syncSchoolAccess } from './access.js';
import { alertInsert, alertRows, raiseAlerts, raisedFrom } from './alerts.js';
import { logRecordChange } from './feed.js';
import {
  type Register,
  registerFrom,
  registerOf,
  registerQuery,
  withRegisteredNames,
} from './organisations.js';

export { changeAccess, endAccess, grantAccess } from './access.js';
export { type Register, registerOf, withRegisteredNames } from './organisations.js';

type Tx = Prisma.TransactionClient;
type Data = Record<string, unknown>;
export type RecordRow = Prisma.RecordGetPayload<object>;

/**
 * Runs one statement: in a transaction (through(tx)) or, outside any, on the pool (Database.sql).
 * A statement on its own commits whole or not at all.
 */
export type Sql = <T>(text: string, params: unknown[]) => Promise<T[]>;
const through =
  (tx: Tx): Sql =>
  <T>(text: string, params: unknown[]) =>
    tx.$queryRawUnsafe<T[]>(text, ...params);

/** A written record's row as the store returns it. */
const ROW_COLUMNS = `r.id::text, r.kind, r.learner_id::text AS "learnerId", r.jurisdiction, r.type, r.status,
  r.owner_id::text AS "ownerId", r.written_by_id::text AS "writtenById", r.version,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.deleted_at AS "deletedAt", r.data,
  r.source_record_id::text AS "sourceRecordId", r.provenance`;

/** What a version row says the change was. */
export type VersionChange = 'created' | 'replaced' | 'patched' | 'imported' | 'deleted';

/** A record to create. */
export interface NewRecord {
  kind: RecordKind;
  id: string;
  learnerId: string;
  ownerId: string;
  data: Data;
  /** The version's change: 'created' (default) or 'imported'. */
  change?: 'created' | 'imported';
  /** The audit event's action: 'create' unless said. */
  action?: string;
  sourceRecordId?: string | null;
  provenance?: Data | null;
  /** For a learner: the grant its owner holds (responsible unless said). */
  access?: { basis: string; grants: string[] };
}

/** A new state of a stored record. */
export interface ChangedRecord {
  current: Pick<RecordRow, 'id' | 'kind' | 'learnerId' | 'ownerId' | 'version'> & { data: unknown };
  data: Data;
  change: 'replaced' | 'patched' | 'imported';
  /** The audit event's action: 'replace', 'patch' or 'import' after the change unless said. */
  action?: string;
  /** The version the write is conditional on: the current one unless said. */
  expectedVersion?: number;
  sourceRecordId?: string | null;
  provenance?: Data | null;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

/** What the alerts raised by record writes are decided by (config.ts). */
export interface AlertSettings {
  /** Attendance below this percentage raises `attendance-below-threshold`; exactly at it does not. */
  attendanceThreshold: number;
}
export const DEFAULT_ALERT_SETTINGS: AlertSettings = { attendanceThreshold: DEFAULT_ATTENDANCE_THRESHOLD };

const ACTION = { replaced: 'replace', patched: 'patch', imported: 'import' } as const;
const RESPONSIBLE = { basis: 'responsible', grants: GRANTS.responsible };

/**
 * The one rule of "nothing changed": the record as it would be stored equals the stored one. Such
 * a write writes nothing (no version, no feed entry, no audit event) and says `unchanged`.
 */
export const isUnchanged = (stored: unknown, next: Data) => isDeepStrictEqual(stored, next);

/**
 * The record store: the only code that writes a record, its versions, its identifiers, the access
 * grants to its learner, its change-feed entries and the audit events of its writes
 * (test/one-write-path.test.ts keeps it so). Every entry works in the caller's transaction and
 * takes a record that has already been validated and authorised by its service; the store owns
 * what every write does whatever its way in (single writes, bulk import, transfers, bundles):
 * - the names of organisations come from the register (by code), never from the writer;
 * - a write that changes nothing writes nothing and says so;
 * - a version row and a feed entry for every change, in the change's transaction;
 * - a learner's identifiers, unique per owner, and the school grant that follows the enrolment;
 * - the alerts a learner record raises (exclusions, attendance below the threshold), each once,
 *   after the grants so that everyone who may see the learner sees them.
 * There are two entries of each kind: a row at a time (create, update, remove) and set-based for
 * a block of records (createBlock, updateBlock), which test/record-store.test.ts holds equal.
 */
export class RecordStore {
  constructor(
    private readonly audit: AuditTrail,
    private readonly alerts: AlertSettings = DEFAULT_ALERT_SETTINGS,
  ) {}

  /** Raises the alerts of learner records as written (a no-op for those already raised). */
  private raiseLearnerAlerts(tx: Tx, learners: { id: string; version: number; data: Data }[]) {
    return raiseAlerts(tx, this.learnerAlerts(learners));
  }

  private learnerAlerts(learners: { id: string; version: number; data: Data }[]) {
    return learners.flatMap((l) =>
      learnerRecordAlerts(
        { id: l.id, version: l.version, data: l.data as AlertingLearner },
        this.alerts.attendanceThreshold,
      ),
    );
  }

  /** The records with the register's names; the register too, for what the write looks up next. */
  async normalise(tx: Tx, records: Data[]): Promise<{ records: Data[]; register: Register }> {
    const register = await registerOf(tx, records);
    return { records: records.map((r) => withRegisteredNames(r, register)), register };
  }

  /**
   * A new record in two statements: what the learner's identifiers clash with
   * (read first, so that a clash is answered with the learner who holds it), then one statement
   * that writes the record, its version, its feed entries (the owner's 'visible' first, then
   * 'created', then the school's 'visible', then the alerts it raises), the owner's and the
   * school's grants, the identifiers, the alerts and the audit event.
   */
  async create(tx: Tx, caller: Caller, record: NewRecord, given?: Register): Promise<RecordRow> {
    const run = through(tx);
    const write = await this.newRecordStatement(run, caller, record, given);
    const [row] = await run<RecordRow>(`${write.sql} SELECT ${ROW_COLUMNS} FROM r`, write.params);
    if (!row) throw new Error('The record was not written.');
    return row;
  }

  /**
   * create() outside any transaction, for a write that is nothing but the new record (a POST): the
   * same reads, then the same single statement, which commits whole or not at all, so there is no
   * BEGIN, no COMMIT and no interactive transaction to hold a connection between them. The
   * statement also gives back the record's representation as JSON text, built in the statement
   * (with the timestamps it wrote), and `also` may embed a statement of its own that stores that
   * text with the write (an Idempotency-Key's response): it is given the text's SQL expression
   * over the written row `r`, and the number of its first parameter.
   */
  async createAlone(
    sql: Sql,
    caller: Caller,
    record: NewRecord,
    also?: (representation: string, first: number) => { sql: string; params: unknown[] },
  ): Promise<{ representation: string }> {
    const write = await this.newRecordStatement(sql, caller, record);
    const text = representationSql(
      { id: record.id, version: 1, writtenById: caller.actingForId, data: write.data },
      'r.created_at',
      'r.updated_at',
      write.param,
    );
    const embedded = also?.(text, write.params.length + 1);
    if (embedded) write.params.push(...embedded.params);
    const [row] = await sql<{ representation: string }>(
      `${write.sql}${embedded ? `, k AS (${embedded.sql})` : ''} SELECT ${text} AS representation FROM r`,
      write.params,
    );
    if (!row) throw new Error('The record was not written.');
    return row;
  }

  /**
   * What a new record's write needs to know, in one statement: the register's organisations it
   * names, and, for a learner, which of its identifiers the owner already holds for another learner
   * (read first, so that a clash is answered with the learner who holds it).
   */
  private async newRecordReads(sql: Sql, record: NewRecord, isLearner: boolean, given?: Register) {
    // Identifiers are not organisation references, so those of the record as written are its own.
    const identifiers = isLearner ? identifiersOf(record.data) : [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const registerSql = given ? undefined : registerQuery([record.data], param);
    const takenSql = identifiers.length
      ? `SELECT system, value, learner_id::text AS "learnerId" FROM learner_identifier
         WHERE owner_id = ${param(record.ownerId)}::uuid AND learner_id <> ${param(record.id)}::uuid
           AND (system, value) IN (SELECT * FROM unnest(${param(identifiers.map((i) => i.system))}::text[], ${param(
             identifiers.map((i) => i.value),
           )}::text[]))`
      : undefined;
    if (!registerSql && !takenSql) return { register: given ?? new Map(), taken: [] };
    // As text, parsed here: the same on PostgreSQL and on PGlite (through Prisma).
    const agg = (query: string | undefined) =>
      query ? `(SELECT COALESCE(json_agg(q), '[]')::text FROM (${query}) q)` : `'[]'`;
    const [row] = await sql<{ register: string; taken: string }>(
      `SELECT ${agg(registerSql)} AS register, ${agg(takenSql)} AS taken`,
      params,
    );
    return {
      register: given ?? registerFrom(JSON.parse(row?.register ?? '[]')),
      taken: JSON.parse(row?.taken ?? '[]') as { system: string; value: string; learnerId: string }[],
    };
  }

  /** The reads of a new record, and the WITH clause that writes it (its record row is `r`). */
  private async newRecordStatement(sql: Sql, caller: Caller, record: NewRecord, given?: Register) {
    const { kind, id, learnerId, ownerId } = record;
    const access = kind === 'learner' ? (record.access ?? RESPONSIBLE) : undefined;
    const { register, taken } = await this.newRecordReads(sql, record, access !== undefined, given);
    const data = withRegisteredNames(record.data, register);
    const identifiers = access ? identifiersOf(data) : [];
    if (taken.length) throw identifierConflict(identifiers, taken);
    // The school the learner is enrolled at gets its grant (syncSchoolAccess for a learner with none
    // yet); the feed says it can see the learner unless it is the owner, who already can.
    const key = access ? schoolKey(data) : undefined;
    const school = key ? register.get(key) : undefined;
    const schoolId =
      school?.kind === 'school' && !(school.id === ownerId && access?.basis === 'school') ? school.id : null;
    const columns = indexedColumns(kind, data);
    // The alerts a new learner raises: a new record has none raised yet, so each is inserted, with
    // its feed entry after the record's own (as raiseAlerts() would write them afterwards).
    const alerts = access ? alertRows(this.learnerAlerts([{ id, version: 1, data }])) : [];
    const params: unknown[] = [];
    const param = (value: unknown, cast = '') => {
      params.push(value);
      return `$${params.length}${cast}`;
    };
    const $id = param(id, '::uuid');
    const $kind = param(kind);
    const $learner = param(learnerId, '::uuid');
    const $owner = param(ownerId, '::uuid');
    const $writer = param(caller.actingForId, '::uuid');
    const $school = param(schoolId, '::uuid');
    const isLearner = `${$kind} = 'learner'`;
    const event = this.audit.writeWith(
      caller,
      { action: record.action ?? 'create', recordKind: kind, recordId: id, recordVersion: 1, learnerId },
      params.length + 1,
    );
    params.push(...event.params);
    const text = `WITH r AS (INSERT INTO record (id, kind, learner_id, jurisdiction, type, status, owner_id, written_by_id, version, data, source_record_id, provenance)
                  VALUES (${$id}, ${$kind}, ${$learner}, ${param(columns.jurisdiction)}, ${param(columns.type)}, ${param(columns.status)}, ${$owner}, ${$writer}, 1,
                          ${param(JSON.stringify(data), '::jsonb')}, ${param(record.sourceRecordId ?? null, '::uuid')}, ${param(record.provenance ? JSON.stringify(record.provenance) : null, '::jsonb')})
                  RETURNING *),
            v AS (INSERT INTO record_version (record_id, version, kind, learner_id, data, changed_at, client_id, organisation_id, change)
                  SELECT id, 1, kind, learner_id, data, updated_at, ${param(caller.clientId)}, ${$writer}, ${param(record.change ?? 'created')} FROM r),
            a AS (INSERT INTO learner_access (id, learner_id, organisation_id, basis, grants)
                  SELECT gen_random_uuid(), ${$id}, o.org, o.basis, o.grants
                  FROM (VALUES (${$owner}, ${param(access?.basis ?? null, '::text')}, ${param(access?.grants ?? null, '::text[]')}), (${$school}, 'school', ${param(GRANTS.school, '::text[]')})) AS o(org, basis, grants)
                  WHERE ${isLearner} AND o.org IS NOT NULL),
            i AS (INSERT INTO learner_identifier (learner_id, owner_id, system, value)
                  SELECT ${$id}, ${$owner}, s, v FROM unnest(${param(
                    identifiers.map((i) => i.system),
                    '::text[]',
                  )}, ${param(
                    identifiers.map((i) => i.value),
                    '::text[]',
                  )}) AS u(s, v)),
            ${alertInsert(param(JSON.stringify(alerts), '::jsonb'), 'al')},
            c AS (INSERT INTO change (change, record_kind, record_id, learner_id, organisation_id, version, alert_id)
                  SELECT e.change, e.kind, e.record_id, e.learner_id, e.org, e.version, e.alert_id
                  FROM (SELECT 0 AS step, 0::bigint AS n, 'visible' AS change, 'learner' AS kind, ${$id} AS record_id, ${$learner} AS learner_id,
                               ${$owner} AS org, NULL::int AS version, NULL::uuid AS alert_id WHERE ${isLearner}
                        UNION ALL SELECT 1, 0, 'created', ${$kind}, ${$id}, ${$learner}, NULL, 1, NULL
                        UNION ALL SELECT 2, 0, 'visible', 'learner', ${$id}, ${$learner}, ${$school}, NULL, NULL
                                  WHERE ${isLearner} AND ${$school} IS NOT NULL AND ${$school} IS DISTINCT FROM ${$owner}
                        UNION ALL SELECT 3, x.n, 'alert', x.record_kind, x.record_id, x.learner_id, NULL, x.record_version, al.id
                                  FROM al JOIN x ON ${raisedFrom('al')}) e
                  ORDER BY e.step, e.n),
            e AS (${event.sql})`;
    return { sql: text, params, param, data };
  }

  /**
   * Writes the new state of a record, unless it equals the stored one. `authorise` runs once it is
   * known that something changes, before anything is written: a caller may send back a record it
   * may only read, as long as it changes nothing.
   */
  async update(
    tx: Tx,
    caller: Caller,
    change: ChangedRecord,
    authorise?: (data: Data) => void | Promise<void>,
  ): Promise<{ outcome: 'updated' | 'unchanged'; row?: RecordRow; data: Data }> {
    const register = await registerOf(tx, [change.data]);
    const data = withRegisteredNames(change.data, register);
    if (isUnchanged(change.current.data, data)) return { outcome: 'unchanged', data };
    await authorise?.(data);
    const { current } = change;
    const expected = change.expectedVersion ?? current.version;
    const row = await conditionalUpdate(tx, current.id, expected, {
      ...indexedColumns(current.kind as RecordKind, data),
      version: expected + 1,
      data: data as Prisma.InputJsonValue,
      writtenById: caller.actingForId,
      ...(change.sourceRecordId !== undefined ? { sourceRecordId: change.sourceRecordId } : {}),
      ...(change.provenance ? { provenance: change.provenance as Prisma.InputJsonValue } : {}),
    });
    await writeVersion(tx, caller, row, change.change);
    if (current.kind === 'learner') {
      await this.learnerChanged(tx, current, data, register);
      await this.raiseLearnerAlerts(tx, [{ id: current.id, version: row.version, data }]);
    }
    await this.audit.write(tx, caller, {
      action: change.action ?? ACTION[change.change],
      recordKind: current.kind,
      recordId: current.id,
      recordVersion: row.version,
      learnerId: current.learnerId,
    });
    return { outcome: 'updated', row, data };
  }

  /** Deletes a record: a version with no data, and a learner's identifiers freed. */
  async remove(
    tx: Tx,
    caller: Caller,
    current: Pick<RecordRow, 'id' | 'kind' | 'learnerId'>,
    expectedVersion: number,
  ): Promise<RecordRow> {
    const row = await conditionalUpdate(tx, current.id, expectedVersion, {
      version: expectedVersion + 1,
      deletedAt: new Date(),
      writtenById: caller.actingForId,
    });
    await writeVersion(tx, caller, row, 'deleted');
    if (current.kind === 'learner')
      await tx.learnerIdentifier.deleteMany({ where: { learnerId: current.id } });
    await this.audit.write(tx, caller, {
      action: 'delete',
      recordKind: current.kind,
      recordId: current.id,
      recordVersion: row.version,
      learnerId: current.learnerId,
    });
    return row;
  }

  /**
   * The set-based entry for new records: a statement per table for the whole block, which is what
   * makes a bulk import fast. The same outcome, table by table, as create() for each record.
   */
  async createBlock(tx: Tx, caller: Caller, kind: RecordKind, records: NewRecord[], given?: Register) {
    if (!records.length) return;
    if (records.some((r) => r.access && !isDeepStrictEqual(r.access, RESPONSIBLE)))
      throw new Error('createBlock gives a new learner its owner responsible grant only.');
    const register =
      given ??
      (await registerOf(
        tx,
        records.map((r) => r.data),
      ));
    const rows = records.map((r, n) => {
      const data = withRegisteredNames(r.data, register);
      return {
        n,
        id: r.id,
        learner_id: r.learnerId,
        owner_id: r.ownerId,
        source_record_id: r.sourceRecordId ?? null,
        provenance: r.provenance ?? null,
        change: r.change ?? 'created',
        data,
        ...indexedColumns(kind, data),
      };
    });
    // One statement: the rows' JSON is sent and parsed once for the record, its version, its
    // change-feed entries and (for a new learner) the owner's grant. A single INSERT into
    // `change`, ordered, puts each owner's 'visible' entry before the records it may then see.
    await tx.$executeRawUnsafe(
      `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb)
                    AS x(id uuid, learner_id uuid, jurisdiction text, type text, status text, owner_id uuid,
                         data jsonb, source_record_id uuid, provenance jsonb, change text, n bigint)),
            r AS (INSERT INTO record (id, kind, learner_id, jurisdiction, type, status, owner_id, written_by_id, version, data, source_record_id, provenance)
                  SELECT id, $2, learner_id, jurisdiction, type, status, owner_id, $3::uuid, 1, data, source_record_id, provenance FROM x),
            v AS (INSERT INTO record_version (record_id, version, kind, learner_id, data, changed_at, client_id, organisation_id, change)
                  SELECT id, 1, $2, learner_id, data, now(), $4, $3::uuid, change FROM x),
            a AS (INSERT INTO learner_access (id, learner_id, organisation_id, basis, grants)
                  SELECT gen_random_uuid(), id, owner_id, 'responsible', $5::text[] FROM x WHERE $2 = 'learner')
       INSERT INTO change (change, record_kind, record_id, learner_id, organisation_id, version)
       SELECT e.change, $2, e.id, e.learner_id, e.org, e.version
       FROM (SELECT 'visible' AS change, id, learner_id, owner_id AS org, NULL::int AS version, 0 AS step, n FROM x WHERE $2 = 'learner'
             UNION ALL SELECT 'created', id, learner_id, NULL::uuid, 1, 1, n FROM x) e
       ORDER BY e.step, e.n`,
      JSON.stringify(rows),
      kind,
      caller.actingForId,
      caller.clientId,
      GRANTS.responsible,
    );
    if (kind === 'learner') {
      await this.saveIdentifierBlock(
        tx,
        [],
        rows.map((r) => ({ learnerId: r.id, ownerId: r.owner_id, data: r.data })),
      );
      await this.enrolBlock(tx, rows, register);
      await this.raiseLearnerAlerts(
        tx,
        rows.map((r) => ({ id: r.id, version: 1, data: r.data })),
      );
    }
    await this.audit.write(
      tx,
      caller,
      ...records.map(
        (r): AuditedAccess => ({
          action: r.action ?? 'create',
          recordKind: kind,
          recordId: r.id,
          recordVersion: 1,
          learnerId: r.learnerId,
        }),
      ),
    );
  }

  /**
   * The set-based entry for changes to stored records: the same outcome, table by table, as
   * update() for each. Records that would not change are left alone and counted.
   */
  async updateBlock(
    tx: Tx,
    caller: Caller,
    kind: RecordKind,
    changes: ChangedRecord[],
    given?: Register,
  ): Promise<{ updated: number; unchanged: number }> {
    if (!changes.length) return { updated: 0, unchanged: 0 };
    const register =
      given ??
      (await registerOf(
        tx,
        changes.map((c) => c.data),
      ));
    const all = changes.map((c) => ({ ...c, data: withRegisteredNames(c.data, register) }));
    const writes = all.filter((c) => !isUnchanged(c.current.data, c.data));
    if (!writes.length) return { updated: 0, unchanged: all.length };
    const rows = writes.map((c, n) => {
      const expected = c.expectedVersion ?? c.current.version;
      return {
        n,
        id: c.current.id,
        learner_id: c.current.learnerId,
        expected,
        version: expected + 1,
        change: c.change,
        data: c.data,
        // As update(): a source record id replaces the stored one when given (null included),
        // provenance when given at all.
        set_source: c.sourceRecordId !== undefined,
        source_record_id: c.sourceRecordId ?? null,
        provenance: c.provenance ?? null,
        ...indexedColumns(kind, c.data),
      };
    });
    const [result] = await tx.$queryRawUnsafe<{ changed: number }[]>(
      `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb)
                    AS x(id uuid, learner_id uuid, expected int, version int, jurisdiction text, type text, status text,
                         data jsonb, change text, set_source boolean, source_record_id uuid, provenance jsonb, n bigint)),
            u AS (UPDATE record r SET jurisdiction = x.jurisdiction, type = x.type, status = x.status, version = x.version,
                         data = x.data, written_by_id = $3::uuid, updated_at = now(),
                         source_record_id = CASE WHEN x.set_source THEN x.source_record_id ELSE r.source_record_id END,
                         provenance = COALESCE(x.provenance, r.provenance)
                  FROM x WHERE r.id = x.id AND r.version = x.expected AND r.deleted_at IS NULL
                  RETURNING r.id),
            v AS (INSERT INTO record_version (record_id, version, kind, learner_id, data, changed_at, client_id, organisation_id, change)
                  SELECT x.id, x.version, $2, x.learner_id, x.data, now(), $4, $3::uuid, x.change FROM x JOIN u ON u.id = x.id),
            c AS (INSERT INTO change (change, record_kind, record_id, learner_id, version)
                  SELECT 'updated', $2, x.id, x.learner_id, x.version FROM x JOIN u ON u.id = x.id ORDER BY x.n)
       SELECT count(*)::int AS changed FROM u`,
      JSON.stringify(rows),
      kind,
      caller.actingForId,
      caller.clientId,
    );
    // Another writer changed one of these records since it was read.
    if (result?.changed !== writes.length) throw new ConcurrentChange();
    if (kind === 'learner') {
      const reidentified = writes.filter(
        (c) => !isDeepStrictEqual(identifiersOf(c.current.data as Data), identifiersOf(c.data)),
      );
      await this.saveIdentifierBlock(
        tx,
        reidentified.map((c) => c.current.id),
        reidentified.map((c) => ({ learnerId: c.current.id, ownerId: c.current.ownerId, data: c.data })),
      );
      // A learner who moved school: rare in a block, so a row at a time.
      for (const c of writes) {
        if (schoolKey(c.current.data as Data) !== schoolKey(c.data))
          await syncSchoolAccess(tx, c.current.id, c.data, register);
      }
      await this.raiseLearnerAlerts(
        tx,
        writes.map((c, n) => ({ id: c.current.id, version: rows[n]!.version, data: c.data })),
      );
    }
    await this.audit.write(
      tx,
      caller,
      ...writes.map(
        (c, n): AuditedAccess => ({
          action: c.action ?? ACTION[c.change],
          recordKind: kind,
          recordId: c.current.id,
          recordVersion: rows[n]!.version,
          learnerId: c.current.learnerId,
        }),
      ),
    );
    return { updated: writes.length, unchanged: all.length - writes.length };
  }

  /** What follows a learner's change: its identifiers, and the school grant when the enrolled school changed. */
  private async learnerChanged(tx: Tx, current: ChangedRecord['current'], data: Data, register: Register) {
    const before = current.data as Data;
    if (!isDeepStrictEqual(identifiersOf(before), identifiersOf(data))) {
      await tx.learnerIdentifier.deleteMany({ where: { learnerId: current.id } });
      await saveIdentifiers(tx, current.ownerId, current.id, data);
    }
    if (schoolKey(before) !== schoolKey(data)) await syncSchoolAccess(tx, current.id, data, register);
  }

  private async saveIdentifierBlock(
    tx: Tx,
    replaced: string[],
    learners: { learnerId: string; ownerId: string; data: Data }[],
  ) {
    if (replaced.length)
      await tx.$executeRawUnsafe(
        'DELETE FROM learner_identifier WHERE learner_id = ANY($1::uuid[])',
        replaced,
      );
    const pairs = learners.flatMap((l) => identifiersOf(l.data).map((i) => ({ ...i, l })));
    if (!pairs.length) return;
    await tx.$executeRawUnsafe(
      `INSERT INTO learner_identifier (learner_id, owner_id, system, value)
       SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])`,
      pairs.map((p) => p.l.learnerId),
      pairs.map((p) => p.l.ownerId),
      pairs.map((p) => p.system),
      pairs.map((p) => p.value),
    );
  }

  /** New learners' schools get their grant, in two statements for the block. */
  private async enrolBlock(tx: Tx, rows: { id: string; data: Data }[], register: Register) {
    const enrolled = rows.flatMap((r) => {
      const key = schoolKey(r.data);
      const school = key ? register.get(key) : undefined;
      return school?.kind === 'school' ? [{ learner: r.id, school: school.id }] : [];
    });
    if (!enrolled.length) return;
    await tx.$executeRawUnsafe(
      `INSERT INTO learner_access (id, learner_id, organisation_id, basis, grants)
       SELECT gen_random_uuid(), l, s, 'school', $3::text[] FROM unnest($1::uuid[], $2::uuid[]) AS u(l, s)`,
      enrolled.map((e) => e.learner),
      enrolled.map((e) => e.school),
      GRANTS.school,
    );
    await tx.$executeRawUnsafe(
      `INSERT INTO change (change, record_kind, record_id, learner_id, organisation_id)
       SELECT 'visible', 'learner', l, l, s FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS u(l, s, n) ORDER BY n`,
      enrolled.map((e) => e.learner),
      enrolled.map((e) => e.school),
    );
  }
}

/** A write found a record changed under it: the caller's read is stale. */
export class ConcurrentChange extends Error {
  constructor() {
    super('A record changed while it was being written.');
  }
}

/** The update of a record at the version the writer read, in one statement; refused if it moved on. */
async function conditionalUpdate(
  tx: Tx,
  id: string,
  expected: number,
  data: Prisma.RecordUpdateInput,
): Promise<RecordRow> {
  try {
    return await tx.record.update({ where: { id, version: expected, deletedAt: null }, data });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025')
      throw new ProblemError(
        'precondition-failed',
        `The record ${id} has changed since the version in If-Match; read it again and reapply your change.`,
      );
    throw error;
  }
}

/** The version row of a change and its feed entry, written in the change's transaction. */
async function writeVersion(tx: Tx, caller: Caller, row: RecordRow, change: VersionChange) {
  await logRecordChange(tx, {
    change: change === 'deleted' ? 'deleted' : row.version === 1 ? 'created' : 'updated',
    recordKind: row.kind,
    recordId: row.id,
    learnerId: row.learnerId,
    version: row.version,
  });
  await tx.recordVersion.create({
    data: {
      recordId: row.id,
      version: row.version,
      kind: row.kind,
      learnerId: row.learnerId,
      data: change === 'deleted' ? Prisma.DbNull : (row.data as Prisma.InputJsonValue),
      changedAt: row.updatedAt,
      clientId: caller.clientId,
      organisationId: caller.actingForId,
      change,
    },
  });
}

export function identifiersOf(input: Data): { system: string; value: string }[] {
  const list = input.identifiers;
  return Array.isArray(list)
    ? (list as { system: string; value: string }[]).map(({ system, value }) => ({ system, value }))
    : [];
}

/** A learner's identifiers, unique per owning organisation. */
async function saveIdentifiers(tx: Tx, ownerId: string, learnerId: string, input: Data) {
  const identifiers = identifiersOf(input);
  if (identifiers.length === 0) return;
  const taken = await tx.learnerIdentifier.findMany({
    where: { ownerId, learnerId: { not: learnerId }, OR: identifiers },
    select: { system: true, value: true, learnerId: true },
  });
  if (taken.length) throw identifierConflict(identifiers, taken);
  await tx.learnerIdentifier.createMany({
    data: identifiers.map(({ system, value }) => ({ learnerId, ownerId, system, value })),
  });
}

export function identifierConflict(
  identifiers: { system: string; value: string }[],
  taken: { system: string; value: string; learnerId: string }[],
) {
  const errors: ValidationIssue[] = identifiers.flatMap((id, i) => {
    const clash = taken.find((t) => t.system === id.system && t.value === id.value);
    if (taken.length && !clash) return [];
    return [
      {
        pointer: pointerOf('identifiers', i, 'value'),
        rule: 'identifier-unique',
        message: clash
          ? `Your organisation already holds ${id.system} '${id.value}' for learner ${clash.learnerId}.`
          : `Your organisation may already hold ${id.system} '${id.value}' for another learner.`,
      },
    ];
  });
  return new ProblemError(
    'identifier-conflict',
    'An identifier in the record already belongs to another of your learners.',
    { errors },
  );
}
