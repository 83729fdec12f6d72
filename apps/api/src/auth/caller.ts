import { ORGANISATION_KINDS } from '@celr/schema';
/**
 * Who is calling: the API client and the organisation it acts for. Set by authentication on every
 * /v1 request; everything that decides access reads it from here.
 */
/** The kinds of organisation the standard names, and the platform operator, which only the API has. */
export const PLATFORM_ORGANISATION_KINDS = [...ORGANISATION_KINDS, 'operator'] as const;
export type OrganisationKind = (typeof PLATFORM_ORGANISATION_KINDS)[number];

export interface Caller {
  /** The OAuth `client_id`. */
  clientId: string;
  /** The organisation the client belongs to. */
  organisationId: string;
  organisationKind: OrganisationKind;
  /**
   * The organisation whose data the request is about: the client's own, or, for a vendor, the
   * organisation that delegated to it and is named in `CELR-On-Behalf-Of`.
   */
  actingForId: string;
  actingForKind: OrganisationKind;
  /**
   * The organisation acted for as authentication found it (with the caller, so as current as the
   * caller: the caller cache forgets both on any change to an organisation). Absent for a caller made
   * elsewhere (a job, a test), which then reads it from the database when needed.
   */
  actingFor?: { kind: OrganisationKind; laCode: string | null; name: string };
  scopes: ReadonlySet<string>;
  /** The request's id, carried into audit events. */
  requestId: string;
  /**
   * Set by authentication (src/auth/caller-cache.ts): the caller epoch this caller was resolved at,
   * and how to resolve it again. A statement that reads the epoch beside its rows hands what it saw
   * to confirmCaller(), so a change committed before the statement is never missed. Absent for a
   * caller made elsewhere (a job, a test), which is as current as its maker made it.
   */
  freshness?: CallerFreshness;
}

/** See Caller.freshness. */
export interface CallerFreshness {
  /** The caller epoch (text, as the database gives it) the caller was resolved at; null when unknown. */
  readonly epoch: string | null;
  /** The organisation named by `CELR-On-Behalf-Of`, as the request claimed it. */
  readonly onBehalfOf: string | undefined;
  /** Resolves the caller again as it is now (throwing 401 or 403) and updates it in place. */
  recheck(caller: Caller, seen: string | null): Promise<void>;
}

export const SCOPES = {
  'learners:read': 'Read learners the organisation may see',
  'learners:write': 'Create, change and delete learners',
  'plans:read': 'Read plans',
  'plans:write': 'Write plans',
  'meetings:read': 'Read meetings',
  'meetings:write': 'Write meetings',
  'transitions:read': 'Read transitions',
  'transitions:write': 'Write transitions',
  'transfers:read': 'Read the transfers the organisation sends and receives',
  'transfers:send': 'Send transfers to other organisations',
  'transfers:receive': 'Accept or reject transfers',
  'audit:read': "Read the audit trail of the organisation's learners",
  'webhooks:manage': "Manage the client's webhook subscriptions and see their deliveries",
  'compliance:manage': "Read and replace the authority's PEP compliance policy and term dates",
  admin: 'Manage organisations and clients',
} as const;
export type Scope = keyof typeof SCOPES;
