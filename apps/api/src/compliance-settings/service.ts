import {
  type CompliancePolicy,
  capIssues,
  defaultCompliancePolicies,
  type Jurisdiction,
  pointerOf,
  type TermDates,
  type ValidationIssue,
  validateCompliancePolicy,
  validateTermDates,
} from '@celr/schema';
import type { AuditTrail } from '../audit/audit-trail.js';
import { writeAdministrativeEvent } from '../audit/audit-trail.js';
import type { Caller } from '../auth/caller.js';
import type { Database } from '../db/database.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { notFound, ProblemError, validationProblem } from '../http/problem.js';

/**
 * An authority's compliance settings: its PEP compliance policy and its term dates, each stored as
 * a list of versions (authority_setting). A change adds a version and never rewrites one, so the
 * report can say which version decided a status and the history stays for anyone who asks why.
 *
 * Term dates are one document per authority rather than one row per school year: the schema's
 * TermDates is the unit its validator checks (terms in order, not overlapping, breaks inside their
 * term) and the unit the calendar counts school days and terms over, and a deadline near the end
 * of the summer term runs into the next year's autumn term; one document keeps those checks whole
 * and a change to either year is one version.
 */
export const SETTING_KINDS = ['compliance-policy', 'term-dates'] as const;
export type SettingKind = (typeof SETTING_KINDS)[number];

export type SettingDocument<K extends SettingKind> = K extends 'compliance-policy'
  ? CompliancePolicy
  : TermDates;

export interface StoredSetting<K extends SettingKind = SettingKind> {
  organisationId: string;
  version: number;
  changedAt: string;
  document: SettingDocument<K>;
}

/** Who makes a change: an API caller, or `celr-admin` on the database (no client). */
export type Changer = { caller: Caller } | { admin: { requestId: string } };

/** Versions listed at most (newest first): a policy changes a few times a year. */
export const MAX_LISTED_VERSIONS = 100;

interface Row {
  organisationId: string;
  kind: SettingKind;
  version: number;
  document: unknown;
  createdAt: Date;
}

const WHAT: Record<SettingKind, string> = {
  'compliance-policy': 'compliance policy',
  'term-dates': 'term dates',
};

/** The issues of a setting document, pointers into the body; capped as every validation answer is. */
export function validateSetting(
  kind: SettingKind,
  document: unknown,
  authority: { jurisdiction: string | null },
): ValidationIssue[] {
  if (kind === 'term-dates') return validateTermDates(document);
  const issues = validateCompliancePolicy(document);
  if (issues.length) return issues;
  const policy = document as CompliancePolicy;
  // The report names a policy by id and version; a stored one under a default's id would be
  // mistaken for the default.
  if (Object.values(defaultCompliancePolicies).some((d) => d.id === policy.id))
    issues.push({
      pointer: pointerOf('id'),
      rule: 'reserved-id',
      message: `'${policy.id}' is the id of a default policy; give the authority's own policy an id of its own.`,
    });
  if (authority.jurisdiction && policy.jurisdiction !== authority.jurisdiction)
    issues.push({
      pointer: pointerOf('jurisdiction'),
      rule: 'authority-jurisdiction',
      message: `The authority is in ${authority.jurisdiction}; its policy is for ${authority.jurisdiction}.`,
    });
  return capIssues(issues);
}

export class ComplianceSettings {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit?: AuditTrail,
  ) {}

  /**
   * The authority a caller asks about, when it may manage it: the authority itself (or a vendor it
   * delegated to, which acts for it), or the platform operator, for any authority. Anyone
   * else, and an organisation that is not a local authority, gets 404, as for every resource that is
   * not the caller's.
   */
  async authorityFor(
    caller: Caller,
    organisationId: string,
  ): Promise<{ id: string; name: string; jurisdiction: string | null }> {
    const mayManage = caller.actingForKind === 'operator' || caller.actingForId === organisationId;
    const org = mayManage
      ? await this.prisma.organisation.findUnique({
          where: { id: organisationId },
          select: { id: true, name: true, kind: true, jurisdiction: true },
        })
      : null;
    if (org?.kind !== 'local-authority') throw notFound('The authority');
    return { id: org.id, name: org.name, jurisdiction: org.jurisdiction };
  }

  async current<K extends SettingKind>(
    organisationId: string,
    kind: K,
  ): Promise<StoredSetting<K> | undefined> {
    const row = await this.prisma.authoritySetting.findFirst({
      where: { organisationId, kind },
      orderBy: { version: 'desc' },
    });
    return row ? toStored<K>(row as Row) : undefined;
  }

  async versions<K extends SettingKind>(organisationId: string, kind: K): Promise<StoredSetting<K>[]> {
    const rows = await this.prisma.authoritySetting.findMany({
      where: { organisationId, kind },
      orderBy: { version: 'desc' },
      take: MAX_LISTED_VERSIONS,
    });
    return rows.map((r) => toStored<K>(r as Row));
  }

  /**
   * Stores a new version. The document is validated against the schema's validator (and, for a
   * policy, the authority's jurisdiction); a policy's `version` is set to the stored version, which
   * goes up by one with each change, whatever the body said, so the two can never disagree.
   * `ifMatch`: the version the change was made from (412 when another change came first);
   * `'*'`: there must be a stored version.
   */
  async replace<K extends SettingKind>(
    changer: Changer,
    organisationId: string,
    kind: K,
    document: unknown,
    ifMatch?: number | '*',
  ): Promise<StoredSetting<K>> {
    const authority = await this.prisma.organisation.findUnique({
      where: { id: organisationId },
      select: { kind: true, jurisdiction: true },
    });
    if (authority?.kind !== 'local-authority') throw notFound('The authority');
    const issues = validateSetting(kind, document, authority);
    if (issues.length) throw validationProblem(issues);
    const requestId = 'caller' in changer ? changer.caller.requestId : changer.admin.requestId;
    const clientId = 'caller' in changer ? changer.caller.clientId : null;
    // Two changes at once both read the same latest version; the primary key lets one insert win and
    // the other fail (P2002), answered as a conflict rather than a lost update.
    try {
      return await this.prisma.$transaction(async (tx) => {
        const latest = await tx.authoritySetting.findFirst({
          where: { organisationId, kind },
          orderBy: { version: 'desc' },
          select: { version: true },
        });
        const current = latest?.version ?? 0;
        if (ifMatch !== undefined && (ifMatch === '*' ? current === 0 : ifMatch !== current))
          throw new ProblemError(
            'precondition-failed',
            current === 0
              ? `The authority has no stored ${WHAT[kind]} yet.`
              : `The authority's ${WHAT[kind]} is at version ${current}; read it again and reapply your change.`,
          );
        const version = current + 1;
        const stored = (
          kind === 'compliance-policy' ? { ...(document as CompliancePolicy), version } : document
        ) as Prisma.InputJsonValue;
        const row = await tx.authoritySetting.create({
          data: { organisationId, kind, version, document: stored, clientId, requestId },
        });
        await this.audited(tx, changer, organisationId, kind, version);
        return toStored<K>(row as Row);
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002')
        throw new ProblemError(
          'conflict',
          `Another change to the ${WHAT[kind]} was made at the same time; retry.`,
        );
      throw error;
    }
  }

  /** One event per change, in its transaction: who changed which authority's setting to which version. */
  private async audited(
    tx: Prisma.TransactionClient,
    changer: Changer,
    organisationId: string,
    kind: SettingKind,
    version: number,
  ) {
    if ('caller' in changer) {
      if (!this.audit) throw new Error('ComplianceSettings needs the audit trail to record API changes.');
      await this.audit.write(tx, changer.caller, {
        action: 'replace',
        recordKind: kind,
        recordId: organisationId,
        recordVersion: version,
      });
    } else {
      await writeAdministrativeEvent(tx, {
        requestId: changer.admin.requestId,
        clientId: null,
        organisationId,
        action: 'replace',
        recordKind: kind,
        recordId: organisationId,
      });
    }
  }

  /**
   * What the report applies to the children of these authorities: each one's latest stored policy
   * (when it is for the child's jurisdiction) and term dates. One statement for any number.
   */
  static async effective(db: Database, authorityIds: string[]): Promise<Map<string, EffectiveSettings>> {
    const result = new Map<string, EffectiveSettings>();
    if (!authorityIds.length) return result;
    const rows = await db.sql<Row & { name: string }>(
      `SELECT DISTINCT ON (s.organisation_id, s.kind)
              s.organisation_id::text AS "organisationId", s.kind, s.version, s.document, o.name
       FROM authority_setting s JOIN organisation o ON o.id = s.organisation_id
       WHERE s.organisation_id = ANY($1::uuid[])
       ORDER BY s.organisation_id, s.kind, s.version DESC`,
      [authorityIds],
    );
    for (const row of rows) {
      const entry = result.get(row.organisationId) ?? {
        authority: { id: row.organisationId, name: row.name },
      };
      if (row.kind === 'compliance-policy') entry.policy = row.document as CompliancePolicy;
      else entry.termDates = { version: row.version, document: row.document as TermDates };
      result.set(row.organisationId, entry);
    }
    return result;
  }
}

export interface EffectiveSettings {
  authority: { id: string; name: string };
  policy?: CompliancePolicy;
  termDates?: { version: number; document: TermDates };
}

/** The policy for a child of this jurisdiction: the authority's stored one if it is for it, else the default. */
export function policyOf(
  settings: EffectiveSettings | undefined,
  jurisdiction: Jurisdiction,
): CompliancePolicy {
  const stored = settings?.policy;
  return stored && stored.jurisdiction === jurisdiction ? stored : defaultCompliancePolicies[jurisdiction];
}

function toStored<K extends SettingKind>(row: Row): StoredSetting<K> {
  return {
    organisationId: row.organisationId,
    version: row.version,
    changedAt: row.createdAt.toISOString(),
    document: row.document as SettingDocument<K>,
  };
}
