import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  applyMergePatch,
  pointerOf,
  type RecordKind,
  type ValidationIssue,
  type VersionChange,
  validate,
} from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import {
  assertIsResponsibleAuthority,
  assertMayWrite,
  assertSchoolFieldsOnly,
  grantFor,
  visibleSql,
  visibleTo,
} from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import { confirmCaller } from '../auth/caller-cache.js';
import { CALLER_EPOCH_SQL } from '../auth/resolve-caller.js';
import type { Database } from '../db/database.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { encodeCursor, type ListPosition } from '../http/cursor.js';
import { etagOf } from '../http/etag.js';
import { type IdempotencyRequest, idempotentStatement, isUniqueViolation } from '../http/idempotency.js';
import { notFound, ProblemError, validationProblem } from '../http/problem.js';
import { MAX_VERSIONS } from './limits.js';
import { FIELD_ORDER_JSON, isoSql, locationOf, present, presentedSql } from './representation.js';
import { type AlertSettings, identifierConflict, RecordStore, type WriteOutcome } from './store/index.js';

type Tx = Prisma.TransactionClient;

/** The record read, or 404 when the caller may not see it, or 410 when deleted (unless includeDeleted). */
function visibleOrThrow<T extends { deletedAt: Date | null }>(
  kind: RecordKind,
  id: string,
  row: T | undefined,
  includeDeleted = false,
): T {
  if (!row) throw notFound(`The ${kind}`);
  if (row.deletedAt && !includeDeleted) {
    throw new ProblemError(
      'gone',
      `The ${kind} was deleted at ${row.deletedAt.toISOString()}; its history is at ${locationOf(kind, id)}/versions.`,
    );
  }
  return row;
}
type RecordRow = Prisma.RecordGetPayload<object>;

const VISIBLE_RECORD = `
  SELECT r.id::text, r.kind, r.learner_id::text AS "learnerId", r.jurisdiction, r.type, r.status,
         r.owner_id::text AS "ownerId", r.written_by_id::text AS "writtenById", r.version,
         r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.deleted_at AS "deletedAt", r.data,
         r.source_record_id::text AS "sourceRecordId", r.provenance
  FROM record r
  WHERE r.id = $1::uuid AND r.kind = $2
    AND ${visibleSql('r.learner_id', '$3::uuid')}`;
type Data = Record<string, unknown>;

/**
 * A single-record read (RecordService.read), the hottest statement of the API: VISIBLE_RECORD with
 * the caller epoch of the same snapshot, and a row even when there is no record to return, so that a
 * caller cached before a revocation is checked again before any answer (confirmCaller()).
 */
export const READ_RECORD = `
  SELECT ${CALLER_EPOCH_SQL} AS "callerEpoch", r.id::text, r.kind, r.learner_id::text AS "learnerId",
         r.version, r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.deleted_at AS "deletedAt",
         r.written_by_id::text AS "writtenById", r.data
  FROM (SELECT 1) AS one
  LEFT JOIN record r ON r.id = $1::uuid AND r.kind = $2 AND ${visibleSql('r.learner_id', '$3::uuid')}`;
type ReadRow = Pick<
  RecordRow,
  'kind' | 'learnerId' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt' | 'writtenById' | 'data'
> & { id: string | null; callerEpoch: string | null };

/**
 * What a list returns of each record: its representation as JSON text (presentedSql), and what its
 * audit event and the next page's cursor need.
 */
const LISTED_COLUMNS = `r.id::text, r.learner_id::text AS "learnerId", r.version,
  ${isoSql('r.updated_at')} AS "updatedAt", ${presentedSql('$3')} AS json`;
export interface ListedRecord {
  id: string;
  learnerId: string;
  version: number;
  /** updated_at as toISOString() writes it. */
  updatedAt: string;
  /** The record as the API returns it, as JSON text. */
  json: string;
}

export interface ListFilters {
  limit: number;
  after?: ListPosition;
  learnerId?: string;
  type?: string;
  status?: string;
  updatedSince?: Date;
  identifier?: { system: string; value: string };
}

export interface WriteResult {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
  replayed?: boolean;
}

/**
 * Create, read, replace, patch, delete, list and history of the four record kinds. Every change
 * writes a new version row in the same transaction as the record, so history is never behind the
 * record, and every write is conditional on the version the caller read, so no update is lost.
 */
export class RecordService {
  private readonly store: RecordStore;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditTrail,
    private readonly sql: Database['sql'],
    alerts?: AlertSettings,
  ) {
    this.store = new RecordStore(audit, alerts);
  }

  async create(
    kind: RecordKind,
    caller: Caller,
    input: Data,
    idempotency?: IdempotencyRequest,
  ): Promise<WriteResult> {
    // No transaction: what is read first (the learner written to, the register, identifier
    // clashes) is read outside one, and everything the create writes, its Idempotency-Key's
    // response included, is one statement (RecordStore.createAlone), which commits whole or not
    // at all. Under READ COMMITTED a transaction around the reads would not have held them still
    // either; what must hold (unique identifiers and keys) is held by unique indexes.
    try {
      return await idempotentStatement(this.sql, idempotency, async (remember) => {
        assertValid(kind, input);
        if (kind === 'learner') await assertIsResponsibleAuthority(this.prisma, caller, input);
        const learnerId =
          kind === 'learner' ? randomUUID() : await this.writableLearner(this.prisma, caller, kind, input);
        const id = kind === 'learner' ? learnerId : randomUUID();
        const headers = { location: locationOf(kind, id), etag: etagOf(1), ...outcomeHeader('created') };
        const { representation } = await this.store.createAlone(
          this.sql,
          caller,
          { kind, id, learnerId, ownerId: caller.actingForId, data: input },
          remember?.({ statusCode: 201, headers }),
        );
        return { statusCode: 201, headers, body: JSON.parse(representation) };
      });
    } catch (error) {
      throw this.translate(error, input);
    }
  }

  async read(kind: RecordKind, caller: Caller, id: string) {
    const row = await this.auditDenied(caller, kind, id, 'read', async () => {
      const [read] = await this.sql<ReadRow>(READ_RECORD, [id, kind, caller.actingForId], 'celr_read_record');
      await confirmCaller(caller, read?.callerEpoch);
      return visibleOrThrow(kind, id, read?.id ? (read as ReadRow & { id: string }) : undefined);
    });
    await this.audit.read(caller, {
      action: 'read',
      recordKind: kind,
      recordId: id,
      recordVersion: row.version,
      learnerId: row.learnerId,
    });
    return row;
  }

  async replace(
    kind: RecordKind,
    caller: Caller,
    id: string,
    input: Data,
    ifMatch: number | '*',
  ): Promise<WriteResult> {
    return this.auditDenied(caller, kind, id, 'replace', () =>
      this.change(kind, caller, id, ifMatch, 'replaced', () => input),
    );
  }

  async patch(
    kind: RecordKind,
    caller: Caller,
    id: string,
    patch: Data,
    ifMatch: number | '*',
  ): Promise<WriteResult> {
    return this.auditDenied(caller, kind, id, 'patch', () =>
      this.change(kind, caller, id, ifMatch, 'patched', (current) => applyMergePatch(current, patch) as Data),
    );
  }

  async remove(
    kind: RecordKind,
    caller: Caller,
    id: string,
    ifMatch: number | '*' | undefined,
  ): Promise<void> {
    await this.auditDenied(caller, kind, id, 'delete', () =>
      this.prisma.$transaction(async (tx) => {
        const current = await this.visibleRecord(tx, kind, caller, id);
        const grant = await grantFor(tx, caller, current.learnerId);
        if (!grant) throw notFound(`The ${kind}`);
        assertMayWrite(grant, kind, 'delete');
        if (kind === 'learner') {
          const dependants = await tx.record.count({
            where: { learnerId: id, kind: { not: 'learner' }, deletedAt: null },
          });
          if (dependants > 0) {
            throw new ProblemError(
              'conflict',
              `The learner still has ${dependants} plan, meeting or transition records; delete those first.`,
            );
          }
        }
        const expected = ifMatch === undefined || ifMatch === '*' ? current.version : ifMatch;
        if (expected !== current.version) throw stale(id);
        await this.store.remove(tx, caller, current, expected);
      }),
    );
  }

  async list(kind: RecordKind, caller: Caller, filters: ListFilters) {
    // A page of a list is the second hottest read, so it is one hand-written statement outside
    // Prisma's engine (Database.sql), like visibleRecord(): the same rule of visibility (visibleSql),
    // served by the record indexes on (kind, <filter>, updated_at, id) (test/indexes.test.ts).
    const params: unknown[] = [kind, caller.actingForId, FIELD_ORDER_JSON];
    const param = (value: unknown, cast = '') => {
      params.push(value);
      return `$${params.length}${cast}`;
    };
    // Visibility goes through the learner's row (l), as Prisma's form of visibleTo() does: the
    // planner then checks each record's grant with the (organisation, learner) index of learner_access.
    const conditions = ['r.kind = $1', 'r.deleted_at IS NULL', visibleSql('l.id', '$2::uuid')];
    if (filters.learnerId) conditions.push(`r.learner_id = ${param(filters.learnerId, '::uuid')}`);
    if (filters.type) conditions.push(`r.type = ${param(filters.type)}`);
    if (filters.status) conditions.push(`r.status = ${param(filters.status)}`);
    if (filters.identifier) {
      const { system, value } = filters.identifier;
      conditions.push(
        `EXISTS (SELECT 1 FROM learner_identifier i WHERE i.learner_id = r.id AND i.system = ${param(system)} AND i.value = ${param(value)})`,
      );
    }
    if (filters.updatedSince)
      conditions.push(`r.updated_at >= ${param(filters.updatedSince, '::timestamptz')}`);
    const after = filters.after;
    if (after) {
      const at = param(after.updatedAt, '::timestamptz');
      conditions.push(
        `(r.updated_at > ${at} OR (r.updated_at = ${at} AND r.id > ${param(after.id, '::uuid')}))`,
      );
    }
    // The caller epoch of the same snapshot, as the single-record read returns it: a caller cached
    // before a revocation is checked again before any page is answered. The page is joined to the
    // epoch's one row, so an empty page still carries it (one row, without a record) and costs no
    // round trip of its own; a client polling with updatedSince gets empty pages most of the time.
    const rows = await this.sql<
      (ListedRecord | { [K in keyof ListedRecord]: null }) & { callerEpoch: string | null }
    >(
      `SELECT page.*, epoch.value AS "callerEpoch"
       FROM (SELECT ${CALLER_EPOCH_SQL} AS value) AS epoch
       LEFT JOIN LATERAL (
         SELECT ${LISTED_COLUMNS}
         FROM record r JOIN record l ON l.id = r.learner_id WHERE ${conditions.join(' AND ')}
         ORDER BY r.updated_at, r.id LIMIT ${param(filters.limit + 1, '::int')}
       ) AS page ON true`,
      params,
    );
    await confirmCaller(caller, rows[0]?.callerEpoch);
    const found = rows.filter((r): r is ListedRecord & { callerEpoch: string | null } => r.id !== null);
    const page = found.slice(0, filters.limit);
    const last = page.at(-1);
    await this.audit.read(
      caller,
      ...page.map((r) => ({
        action: 'list',
        recordKind: kind,
        recordId: r.id,
        recordVersion: r.version,
        learnerId: r.learnerId,
      })),
    );
    return {
      items: page,
      nextCursor:
        found.length > filters.limit && last
          ? encodeCursor({ updatedAt: new Date(last.updatedAt), id: last.id })
          : undefined,
    };
  }

  async versions(kind: RecordKind, caller: Caller, id: string) {
    const current = await this.auditDenied(caller, kind, id, 'history', () =>
      this.visibleRecord(this.prisma, kind, caller, id, { includeDeleted: true }),
    );
    const rows = await this.prisma.recordVersion.findMany({
      where: { recordId: id },
      orderBy: { version: 'asc' },
      take: MAX_VERSIONS,
      select: { version: true, change: true, changedAt: true, organisationId: true },
    });
    await this.audit.read(caller, {
      action: 'history',
      recordKind: kind,
      recordId: id,
      recordVersion: current.version,
      learnerId: current.learnerId,
    });
    return rows.map((r) => ({
      version: r.version,
      change: r.change as VersionChange,
      changedAt: r.changedAt.toISOString(),
      recordedBy: { organisationId: r.organisationId },
    }));
  }

  async version(kind: RecordKind, caller: Caller, id: string, version: number) {
    const current = await this.auditDenied(caller, kind, id, 'read-version', () =>
      this.visibleRecord(this.prisma, kind, caller, id, { includeDeleted: true }),
    );
    const row = await this.prisma.recordVersion.findUnique({
      where: { recordId_version: { recordId: id, version } },
    });
    if (!row) throw notFound(`Version ${version} of the ${kind}`);
    await this.audit.read(caller, {
      action: 'read-version',
      recordKind: kind,
      recordId: id,
      recordVersion: version,
      learnerId: current.learnerId,
    });
    if (row.data === null)
      throw new ProblemError('gone', `Version ${version} is the deletion of the ${kind}.`);
    const first = await this.prisma.recordVersion.findUniqueOrThrow({
      where: { recordId_version: { recordId: id, version: 1 } },
      select: { changedAt: true },
    });
    return present({
      id,
      version,
      createdAt: first.changedAt,
      updatedAt: row.changedAt,
      writtenById: row.organisationId,
      data: row.data,
    });
  }

  /**
   * Create or replace the learner the caller holds under an identifier, so an MIS can sync by UPN
   * or its own id without storing ours. Without If-Match the caller's copy wins; with it, the
   * usual precondition applies.
   */
  async upsertLearner(
    caller: Caller,
    system: string,
    value: string,
    input: Data,
    ifMatch: number | '*' | undefined,
    ifNoneMatch: boolean,
  ): Promise<WriteResult> {
    const identifiers = (input.identifiers as { system: string; value: string }[] | undefined) ?? [];
    if (!identifiers.some((i) => i.system === system && i.value === value)) {
      throw validationProblem([
        {
          pointer: '/identifiers',
          rule: 'identifier-in-path',
          message: `The body must include the identifier in the path ({ system: '${system}', value: '${value}' }).`,
        },
      ]);
    }
    const matches = await this.prisma.record.findMany({
      where: {
        kind: 'learner',
        deletedAt: null,
        ...visibleTo(caller),
        identifiers: { some: { system, value } },
      },
      select: { id: true, version: true },
      take: 2,
    });
    if (matches.length > 1) {
      throw new ProblemError(
        'conflict',
        `More than one learner you can see has ${system} '${value}'; update them by id.`,
      );
    }
    const match = matches[0];
    if (!match) {
      if (ifMatch !== undefined && ifMatch !== '*') throw stale('(none)');
      return this.create('learner', caller, input);
    }
    if (ifNoneMatch)
      throw new ProblemError(
        'precondition-failed',
        `A learner with ${system} '${value}' already exists (${locationOf('learner', match.id)}).`,
      );
    return this.replace('learner', caller, match.id, input, ifMatch ?? '*');
  }

  private async change(
    kind: RecordKind,
    caller: Caller,
    id: string,
    ifMatch: number | '*',
    change: 'replaced' | 'patched',
    next: (current: Data) => Data,
  ): Promise<WriteResult> {
    let input: Data | undefined;
    try {
      return await this.prisma.$transaction(async (tx) => {
        const current = await this.visibleRecord(tx, kind, caller, id);
        const grant = await grantFor(tx, caller, current.learnerId);
        if (!grant) throw notFound(`The ${kind}`);
        const expected = ifMatch === '*' ? current.version : ifMatch;
        if (expected !== current.version) throw stale(id);
        input = next(current.data as Data);
        assertValid(
          kind,
          input,
          change === 'patched' ? 'The record after applying the merge patch is not valid.' : undefined,
        );
        assertIdentityUnchanged(kind, current.data as Data, input);
        // Whether anything changes is decided before the write grant is checked: sending back a
        // record one may only read, unchanged, is not an error (as in a bulk import).
        const written = await this.store.update(
          tx,
          caller,
          { current, data: input, change, expectedVersion: expected },
          (next) => {
            assertMayWrite(grant, kind);
            if (kind === 'learner') assertSchoolFieldsOnly(grant, current.data as Data, next);
          },
        );
        const row = written.row ?? current;
        return {
          statusCode: 200,
          headers: { etag: etagOf(row.version), ...outcomeHeader(written.outcome) },
          body: present(row),
        };
      });
    } catch (error) {
      throw this.translate(error, input);
    }
  }

  /**
   * A request for a record the caller may not see is answered 404, as if it did not exist; the
   * learner's own audit trail still shows the attempt, so their authority can see who tried.
   */
  private async auditDenied<T>(
    caller: Caller,
    kind: RecordKind,
    id: string,
    action: string,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ProblemError && (error.type === 'not-found' || error.type === 'forbidden')) {
        const target = await this.prisma.record.findUnique({
          where: { id },
          select: { learnerId: true, kind: true },
        });
        if (target?.kind === kind) {
          await this.audit.read(caller, {
            action,
            recordKind: kind,
            recordId: id,
            learnerId: target.learnerId,
            outcome: 'denied',
          });
        }
      }
      throw error;
    }
  }

  private async writableLearner(
    tx: Tx | PrismaClient,
    caller: Caller,
    kind: RecordKind,
    input: Data,
  ): Promise<string> {
    const learnerId = String(input.learnerId);
    const learner = await tx.record.findFirst({
      where: { id: learnerId, kind: 'learner', deletedAt: null, ...visibleTo(caller) },
      select: { jurisdiction: true },
    });
    if (!learner) {
      throw validationProblem([
        {
          pointer: '/learnerId',
          rule: 'learner-exists',
          message: 'No learner with this id that your organisation can see.',
        },
      ]);
    }
    if (learner.jurisdiction !== input.jurisdiction) {
      throw validationProblem([
        {
          pointer: '/jurisdiction',
          rule: 'jurisdiction-mismatch',
          message: `The learner's records are in ${learner.jurisdiction}; a ${kind} for them is too.`,
        },
      ]);
    }
    const grant = await grantFor(tx, caller, learnerId);
    if (!grant) throw notFound('The learner');
    assertMayWrite(grant, kind);
    return learnerId;
  }

  private async visibleRecord(
    db: Tx | PrismaClient,
    kind: RecordKind,
    caller: Caller,
    id: string,
    options: { includeDeleted?: boolean } = {},
  ) {
    // The hottest query of the API, so it is one hand-written statement: the record, if the caller
    // holds an open grant for its learner (the same rule as visibleTo()). Outside a transaction it
    // skips Prisma's engine (Database.sql).
    const params = [id, kind, caller.actingForId];
    const [row] =
      db === this.prisma
        ? await this.sql<RecordRow>(VISIBLE_RECORD, params)
        : await db.$queryRawUnsafe<RecordRow[]>(VISIBLE_RECORD, ...params);
    return visibleOrThrow(kind, id, row, options.includeDeleted);
  }

  private translate(error: unknown, input: Data | undefined): unknown {
    if (isUniqueViolation(error, 'learner_identifier') && input) {
      const identifiers = (input.identifiers as { system: string; value: string }[] | undefined) ?? [];
      return identifierConflict(identifiers, []);
    }
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2034') {
      return new ProblemError('conflict', 'The change conflicted with a concurrent one; retry it.');
    }
    return error;
  }
}

/** Fields that say whose record it is cannot change by an ordinary write; transfers move them. */
export function assertIdentityUnchanged(kind: RecordKind, current: Data, next: Data) {
  const fixed = ['jurisdiction', ...(kind === 'learner' ? ['responsibleAuthority'] : ['learnerId'])];
  const issues: ValidationIssue[] = fixed
    .filter((f) => !isDeepStrictEqual(identity(current[f]), identity(next[f])))
    .map((f) => ({
      pointer: pointerOf(f),
      rule: 'immutable',
      message:
        f === 'responsibleAuthority'
          ? 'The responsible authority changes only through a transfer (POST /v1/transfers).'
          : `'${f}' cannot change once the record exists.`,
    }));
  if (issues.length) throw validationProblem(issues);
}

/** What identifies an organisation reference: its scheme and code; a corrected display name is not a change of owner. */
const identity = (v: unknown) =>
  v && typeof v === 'object' && 'scheme' in v
    ? { scheme: (v as { scheme?: unknown }).scheme, code: (v as unknown as { code?: unknown }).code }
    : v;

/**
 * Every write is validated here, whatever its way in (HTTP, demo data, imports, transfers), so no
 * path can store a record @celr/schema would reject.
 */
export function assertValid(kind: RecordKind, input: Data, detail?: string) {
  const result = validate(kind, input);
  if (!result.ok) throw validationProblem(result.issues, detail);
}

const stale = (id: string) =>
  new ProblemError(
    'precondition-failed',
    `The record ${id} has changed since the version in If-Match; read it again and reapply your change.`,
  );

/**
 * Says what a write did: `created`, `updated`, or `unchanged` when the record sent equals the
 * stored one (nothing was written: no version, no change-feed entry), the word a bulk import uses.
 */
export const outcomeHeader = (outcome: WriteOutcome) => ({ 'celr-write-outcome': outcome });
