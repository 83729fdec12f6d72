import type { Scope } from './caller.js';

/**
 * Who may call each operation, in one table keyed by operationId. Routes take their scope from
 * here, the app refuses to start with a route that is missing, the access matrix test walks it,
 * and the docs print it. What a caller may see inside an operation is decided by the learner's
 * access grants (src/auth/access.ts).
 */
export interface OperationAccess {
  scope?: Scope;
  public?: true;
  /** Any client with a valid token, whatever its scopes (the caller's own details). */
  anyClient?: true;
  /**
   * Public to the token check, but the client authenticates with its id and secret instead
   * (RFC 6749 section 2.3.1): the token endpoint. Its OpenAPI security names that scheme.
   */
  clientSecret?: true;
  /** Who may do it, in words; printed in the docs. */
  who: string;
}

const seeOnly = (what: string): OperationAccess['who'] =>
  `Any organisation that can see the learner: their responsible authority, a host authority they were shared with, the school they are on roll at, or a vendor acting for one of these. ${what}`;

const recordOperations = (
  plural: 'learners' | 'plans' | 'meetings' | 'transitions',
  Name: string,
  writers: string,
) => ({
  [`list${Name}s`]: {
    scope: `${plural}:read`,
    who: seeOnly('Others get an empty list, never an error that would reveal the record exists.'),
  },
  [`get${Name}`]: { scope: `${plural}:read`, who: seeOnly('Anyone else gets 404.') },
  [`list${Name}Versions`]: { scope: `${plural}:read`, who: seeOnly('Anyone else gets 404.') },
  [`get${Name}Version`]: { scope: `${plural}:read`, who: seeOnly('Anyone else gets 404.') },
  [`create${Name}`]: { scope: `${plural}:write`, who: writers },
  [`replace${Name}`]: { scope: `${plural}:write`, who: writers },
  [`patch${Name}`]: { scope: `${plural}:write`, who: writers },
  [`delete${Name}`]: { scope: `${plural}:write`, who: 'The responsible authority only.' },
});

/**
 * An authority's compliance settings: the authority itself (or its vendor), or the platform operator.
 * The operator's clients hold `compliance:manage` too, rather than these operations also taking
 * `admin`: an admin scope allowed on paths outside /v1/admin is what OWASP's API5 check refuses.
 */
const complianceSettingOperations = (Name: string, what: string): Record<string, OperationAccess> => {
  const who = `The authority, for its own ${what} (or a vendor it delegated to, given the scope); the platform operator, for any authority. Anyone else gets 404.`;
  return Object.fromEntries(
    [`get${Name}`, `replace${Name}`, `list${Name}Versions`].map((id) => [
      id,
      { scope: 'compliance:manage', who },
    ]),
  );
};

export const OPERATIONS: Record<string, OperationAccess> = {
  requestToken: { public: true, clientSecret: true, who: 'Any API client, with its client id and secret.' },
  getJwks: { public: true, who: 'Anyone (public keys only).' },
  getMe: {
    anyClient: true,
    who: 'Any client, about itself: its organisation, its scopes and, for a vendor, who delegated to it.',
  },
  live: { public: true, who: 'Anyone (no data).' },
  ready: { public: true, who: 'Anyone (no data).' },
  ...recordOperations(
    'learners',
    'Learner',
    'Create: a local authority, naming itself as the responsible authority. Change: the responsible authority; the school the learner is on roll at, for the fields a school owns (attendance, attainment, exclusions, additional needs).',
  ),
  ...recordOperations(
    'plans',
    'Plan',
    'The responsible authority; a host authority whose share includes plans; the school the learner is on roll at.',
  ),
  ...recordOperations(
    'meetings',
    'Meeting',
    'The responsible authority; a host authority whose share includes meetings; the school the learner is on roll at.',
  ),
  ...recordOperations(
    'transitions',
    'Transition',
    'The responsible authority; a host authority whose share includes transitions.',
  ),
  upsertLearnerByIdentifier: {
    scope: 'learners:write',
    who: 'As createLearner when no learner has the identifier, as replaceLearner when one does.',
  },
  listLearnerPlans: { scope: 'plans:read', who: seeOnly('Anyone else gets 404.') },
  listLearnerMeetings: { scope: 'meetings:read', who: seeOnly('Anyone else gets 404.') },
  listLearnerTransitions: { scope: 'transitions:read', who: seeOnly('Anyone else gets 404.') },
  createTransfer: {
    scope: 'transfers:send',
    who: "The learner's responsible authority (or a vendor acting for it), for a school move as for any other: the enrolment is the authority's.",
  },
  listTransfers: {
    scope: 'transfers:read',
    who: 'The sender and the recipient see their own transfers; no one else sees them.',
  },
  getTransfer: { scope: 'transfers:read', who: 'The sender and the recipient; anyone else gets 404.' },
  getTransferHistory: { scope: 'transfers:read', who: 'The sender and the recipient; anyone else gets 404.' },
  getTransferBundle: { scope: 'transfers:read', who: 'The sender and the recipient; anyone else gets 404.' },
  acceptTransfer: { scope: 'transfers:receive', who: 'The recipient, while the transfer is pending.' },
  rejectTransfer: { scope: 'transfers:receive', who: 'The recipient, while the transfer is pending.' },
  cancelTransfer: { scope: 'transfers:send', who: 'The sender, while the transfer is pending.' },
  importBundle: { scope: 'transfers:receive', who: 'The organisation the bundle is addressed to.' },
  listChanges: {
    scope: 'learners:read',
    who: "Every organisation, for what it may see: changes to learners while they were visible to it, and when they became visible or hidden. Nothing about other organisations' learners.",
  },
  listAlerts: {
    scope: 'learners:read',
    who: seeOnly(
      'Only alerts about learners the organisation can see now; others get an empty list, never an error that would reveal the learner exists.',
    ),
  },
  getAlert: { scope: 'learners:read', who: seeOnly('Anyone else gets 404.') },
  createBulkImport: {
    scope: 'learners:write',
    who: 'Any organisation, for what it may write: each line needs the write scope of its kind and follows the access rules of a single write (learners are created by their responsible authority; schools write the fields they own; plans, meetings and transitions follow their learner).',
  },
  getBulkImport: {
    scope: 'learners:write',
    who: 'The client that submitted the import; anyone else gets 404.',
  },
  listBulkImportErrors: {
    scope: 'learners:write',
    who: 'The client that submitted the import; anyone else gets 404.',
  },
  exportRecords: {
    scope: 'learners:read',
    who: seeOnly(
      'Each kind exported needs its read scope; the file holds only learners the organisation can see, and their records.',
    ),
  },
  getPepComplianceReport: {
    scope: 'learners:read',
    who: seeOnly(
      "The report holds only the learners the organisation can see (a school its pupils); others get an empty report. It also needs the 'plans:read' scope.",
    ),
  },
  getCohortReport: {
    scope: 'learners:read',
    who: seeOnly(
      "The report holds only the learners the organisation can see (a school its pupils); others get an empty report. It also needs the 'plans:read' scope.",
    ),
  },
  listAuditEvents: {
    scope: 'audit:read',
    who: "The learner's responsible authority, for that learner; anyone else gets 404.",
  },
  ...complianceSettingOperations('CompliancePolicy', 'PEP compliance policy'),
  ...complianceSettingOperations('TermDates', 'term dates'),
  createWebhookSubscription: {
    scope: 'webhooks:manage',
    who: 'Any client, for the organisation it acts for: it receives only the changes that organisation may see (as listChanges).',
  },
  listWebhookSubscriptions: {
    scope: 'webhooks:manage',
    who: "The client's own subscriptions, for the organisation it acts for; no one else's.",
  },
  getWebhookSubscription: {
    scope: 'webhooks:manage',
    who: 'The client that created it; anyone else gets 404.',
  },
  deleteWebhookSubscription: {
    scope: 'webhooks:manage',
    who: 'The client that created it; anyone else gets 404.',
  },
  listWebhookDeliveries: {
    scope: 'webhooks:manage',
    who: 'The client that created the subscription; anyone else gets 404.',
  },
  replayWebhookDelivery: {
    scope: 'webhooks:manage',
    who: 'The client that created the subscription; anyone else gets 404.',
  },
  rotateWebhookSecret: {
    scope: 'webhooks:manage',
    who: 'The client that created the subscription; anyone else gets 404.',
  },
  listOrganisations: { scope: 'admin', who: 'The platform operator.' },
  createOrganisation: { scope: 'admin', who: 'The platform operator.' },
  createApiClient: { scope: 'admin', who: 'The platform operator.' },
  rotateClientSecret: { scope: 'admin', who: 'The platform operator.' },
  revokeApiClient: { scope: 'admin', who: 'The platform operator.' },
  listSigningKeys: { scope: 'admin', who: 'The platform operator.' },
  rotateSigningKey: { scope: 'admin', who: 'The platform operator.' },
  registerBundleSender: { scope: 'admin', who: 'The platform operator.' },
  listBundleSenders: { scope: 'admin', who: 'The platform operator.' },
  removeBundleSender: { scope: 'admin', who: 'The platform operator.' },
  createDelegation: {
    scope: 'admin',
    who: 'The platform operator, when an organisation asks for a vendor to act for it.',
  },
  revokeDelegation: {
    scope: 'admin',
    who: 'The platform operator, when the organisation withdraws its delegation.',
  },
};

export function accessOf(operationId: string | undefined): OperationAccess | undefined {
  return operationId ? OPERATIONS[operationId] : undefined;
}

/** The security scheme of the token endpoint's client authentication (see app.ts). */
export const CLIENT_SECRET_SCHEME = 'clientSecret';

/**
 * The OpenAPI `security` of an operation: the client's id and secret for the token endpoint, none
 * for another public one, a token with no particular scope for one any client may call, else the
 * OAuth scope it needs.
 */
export function securityOf(rule: OperationAccess): Record<string, string[]>[] {
  // HTTP Basic, or none: RFC 6749 section 2.3.1 also lets the id and secret come in the body, which
  // the token endpoint takes. Saying Basic alone, a validating proxy (Prism) refused body credentials.
  if (rule.clientSecret) return [{ [CLIENT_SECRET_SCHEME]: [] }, {}];
  return rule.public ? [] : [{ oauth2: rule.anyClient ? [] : [rule.scope!] }];
}
