import type { Database } from '../db/database.js';
import { ProblemError } from '../http/problem.js';
import type { Caller, OrganisationKind } from './caller.js';

/** Who a token (or a job submitted with one) says is calling, before it is checked against the database. */
export interface Claimed {
  clientId: string;
  /** The client's organisation, as the token (or the job) recorded it. */
  organisationId: string;
  scopes: Iterable<string>;
  /**
   * The organisation a vendor acts for (`CELR-On-Behalf-Of`, or the job's), when not its own; given
   * as undefined when the header or the job has none.
   */
  onBehalfOf?: string | undefined;
  requestId: string;
}

/**
 * The caller epoch (migration caller_epoch), as text: how many changes clients, organisations and
 * delegations have seen. A statement that returns it beside what it reads saw both in one snapshot.
 */
export const CALLER_EPOCH_SQL = '(SELECT e.value::text FROM caller_epoch e WHERE e.id = 1)';

/** The organisation the caller acts for, as the access rules need it. */
export interface ActingFor {
  id: string;
  kind: OrganisationKind;
  laCode: string | null;
  name: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller as it is now, for a request and for a background job alike: the client must exist,
 * be unrevoked and still belong to the organisation it was issued for, and a vendor acting for
 * another organisation must still hold that organisation's delegation. One statement, so that
 * revoking a client or withdrawing a delegation takes effect at once, on every process. Throws
 * `unauthorised` (revoked client) or `forbidden` (no delegation) problems. Also returns the caller
 * epoch of the same snapshot, with which a cache knows later whether this answer can still be used.
 */
export async function resolveCaller(
  sql: Database['sql'],
  claimed: Claimed,
): Promise<{ caller: Caller; actingFor: ActingFor; epoch: string | null }> {
  const onBehalfOf = claimed.onBehalfOf;
  const wellFormed = onBehalfOf === undefined || UUID.test(onBehalfOf);
  const [row] = await sql<{
    revoked: boolean;
    organisationId: string;
    kind: OrganisationKind;
    actingForId: string | null;
    actingForKind: OrganisationKind | null;
    laCode: string | null;
    name: string | null;
    epoch: string | null;
  }>(
    `SELECT ${CALLER_EPOCH_SQL} AS epoch, c.revoked_at IS NOT NULL AS revoked, o.id::text AS "organisationId", o.kind,
            a.id::text AS "actingForId", a.kind AS "actingForKind", a.la_code AS "laCode", a.name
     FROM api_client c JOIN organisation o ON o.id = c.organisation_id
     LEFT JOIN organisation a ON CASE WHEN $2::uuid IS NULL THEN a.id = o.id
       ELSE a.id = $2::uuid AND EXISTS (SELECT 1 FROM delegation d
              WHERE d.vendor_id = o.id AND d.organisation_id = a.id AND d.revoked_at IS NULL) END
     WHERE c.client_id = $1`,
    [claimed.clientId, wellFormed ? (onBehalfOf ?? null) : null],
    'celr_resolve_caller',
  );
  if (!row || row.revoked || row.organisationId !== claimed.organisationId) {
    throw new ProblemError('unauthorised', 'The client behind this token has been revoked.', {
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
  if (onBehalfOf !== undefined && row.kind !== 'vendor') {
    throw new ProblemError(
      'forbidden',
      'Only vendor clients act on behalf of another organisation (celr-on-behalf-of).',
    );
  }
  if (!wellFormed || !row.actingForId) {
    throw new ProblemError('forbidden', `The organisation ${onBehalfOf} has not delegated to this vendor.`);
  }
  return {
    caller: {
      clientId: claimed.clientId,
      organisationId: row.organisationId,
      organisationKind: row.kind,
      actingForId: row.actingForId,
      actingForKind: row.actingForKind!,
      actingFor: { kind: row.actingForKind!, laCode: row.laCode, name: row.name! },
      scopes: new Set(claimed.scopes),
      requestId: claimed.requestId,
    },
    actingFor: { id: row.actingForId, kind: row.actingForKind!, laCode: row.laCode, name: row.name! },
    epoch: row.epoch,
  };
}
