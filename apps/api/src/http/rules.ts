/**
 * The rule names the API's own checks put in a problem's `errors` (beyond those of @celr/schema),
 * with where each applies and what it means. Published in the OpenAPI document (`x-celr-rules`),
 * which the docs' error reference prints; test/openapi.test.ts checks that every rule the API's
 * source sends is here.
 */
export const API_RULES: Record<string, { where: string; what: string }> = {
  'identifier-in-path': {
    where: '`PUT /v1/learners-by-identifier/{system}/{value}`',
    what: 'The body must carry the identifier named in the path.',
  },
  'identifier-unique': {
    where: 'learner writes',
    what: 'No two of your learners share an identifier (`system` and `value`). Sent with `identifier-conflict` (409).',
  },
  immutable: {
    where: 'replace and patch',
    what: '`jurisdiction`, the learner a record belongs to and a learner’s responsible authority do not change by an ordinary write.',
  },
  'learner-exists': {
    where: 'plan, meeting and transition writes',
    what: '`learnerId` names a learner your organisation can see.',
  },
  'jurisdiction-mismatch': {
    where: 'plan, meeting and transition writes',
    what: 'A plan, meeting or transition has the jurisdiction of its learner.',
  },
  'not-school-owned': {
    where: 'learner writes by a school',
    what: 'A school changes only the fields it owns (attendance, attainment, exclusions, additional needs). Sent with `forbidden` (403).',
  },
  'responsible-authority-is-caller': {
    where: 'creating a learner',
    what: 'The authority creating a learner names itself as `responsibleAuthority`. Sent with `forbidden` (403).',
  },
  cursor: { where: 'list operations', what: 'A `cursor` is one the API handed out in a `next` link.' },
  'learner-record': {
    where: 'sending a transfer',
    what: 'The plans, meetings and transitions a transfer includes are records of its learner.',
  },
  'learner-match': {
    where: 'importing a bundle',
    what: "The bundle's learner is not matched to a different learner you already hold under one of its identifiers.",
  },
  'recipient-exists': {
    where: 'sending a transfer',
    what: 'The recipient is an organisation registered with CELR, of the kind the transfer needs.',
  },
  'recipient-not-sender': { where: 'sending a transfer', what: 'A transfer goes to another organisation.' },
  'recipient-is-caller': {
    where: 'importing a bundle',
    what: 'A bundle is imported by the organisation it is addressed to.',
  },
  url: { where: 'webhook subscriptions', what: 'The webhook URL is an absolute URL.' },
  'url-credentials': {
    where: 'webhook subscriptions',
    what: 'The webhook URL carries no user name or password.',
  },
  'https-required': {
    where: 'webhook subscriptions',
    what: 'The webhook URL uses https (http only to this machine: 127.0.0.1, ::1, localhost, where the operator allows loopback).',
  },
  'public-address-required': {
    where: 'webhook subscriptions',
    what: 'The webhook URL does not point at a private, loopback, link-local, unique-local or otherwise internal address, in any spelling (`2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`), nor at `localhost`, unless the operator allows that range (`CELR_WEBHOOK_ALLOW_TARGETS`).',
  },
  'import-reason': {
    where: 'importing a bundle',
    what: "A school move is shared by a transfer, not imported: the school reads the authority's record.",
  },
  format: {
    where: '`Idempotency-Key` header; the `id` of a bulk import line',
    what: 'The key is 1 to 255 visible ASCII characters. A line’s `id` is the UUID of a CELR record (your own ids belong in `identifiers`).',
  },
  'reserved-id': {
    where: '`PUT /v1/authorities/{organisationId}/compliance-policy`',
    what: "An authority's own policy has an id of its own, not a default policy's (`england-dfe-2018`, `scotland-lac-regulations-2009`): reports name the policy that decided a status by id and version.",
  },
  'authority-jurisdiction': {
    where: '`PUT /v1/authorities/{organisationId}/compliance-policy`',
    what: "The policy's `jurisdiction` is the authority's.",
  },
  'calendar-range': {
    where: '`asOf` of `GET /v1/reports/pep-compliance` and `GET /v1/reports/cohort`',
    what: 'The day is one the bank-holiday calendars cover (England and Wales, Scotland: 2024 to 2027), since deadlines are counted in working days.',
  },
  'not-empty': {
    where: '`POST /v1/bulk/import`',
    what: 'The file has at least one record: a file of blank lines is refused (422) and no job is made.',
  },
  scope: {
    where: 'bulk import lines',
    what: 'The token that sent the import has the write scope of the line’s kind (`plans:write` for a plan).',
  },
  'identifier-ambiguous': {
    where: 'bulk import lines',
    what: 'A learner line’s identifiers belong to more than one learner you can see: send it with the `id` of the one to replace.',
  },
  type: { where: 'any body', what: 'The body is a JSON object (a patch: a non-empty one).' },
  'line-too-long': {
    where: 'bulk import lines',
    what: 'A line is at most 1 MiB (`CELR_BULK_MAX_LINE_BYTES`). A longer one is never read whole: it fails, and the rest of the file is imported.',
  },
  'database-refused': {
    where: 'bulk import lines',
    what: 'The database refused to store the line although it passed validation. The line’s block was written again a line at a time, so only this line failed.',
  },
  'line-unprocessable': {
    where: 'bulk import lines',
    what: 'Processing the line failed in a way no rule foresaw; only this line failed. Check it, and tell the operator if it looks right.',
  },
  'line-crashed-worker': {
    where: 'bulk import lines',
    what: 'The process running the import ended while it had this line in hand (reading it, or writing it a second time). The line is skipped so it cannot stop the import again; nothing of it was written. If it is a good record, send it again.',
  },
  'authority-exists': {
    where: '`POST /v1/admin/organisations`',
    what: '`authorityId` is the id of a registered organisation.',
  },
  'header-repeated': {
    where: '`celr-on-behalf-of` header',
    what: 'The header is sent once, with one organisation id.',
  },
  'json-depth': {
    where: 'any JSON body; bulk import lines',
    what: 'The body nests at most 64 levels deep; deeper text is refused before it is parsed (400).',
  },
  'text-characters': {
    where: 'any body, bulk import line, query or path parameter',
    what: 'No text holds NUL (`\\u0000`) or half of a UTF-16 surrogate pair: neither can be stored.',
  },
  maximum: {
    where: 'any write',
    what: 'A number is within the range the database stores (sent when validation did not catch it).',
  },
  reference: {
    where: 'any write',
    what: 'The request refers to something that exists (sent when it was removed while the request ran).',
  },
  constraint: { where: 'any write', what: 'The stored data keeps its integrity rules.' },
  data: { where: 'any write', what: 'A value can be stored as its field needs.' },
  'token-key': {
    where: '`POST /v1/admin/keys/rotate`',
    what: 'A token signing key belongs to the deployment: it names no `organisationId`.',
  },
  'private-key': {
    where: '`POST /v1/admin/bundle-senders`',
    what: 'The JWKS registered for a bundle sender holds public keys only.',
  },
  jwk: {
    where: '`POST /v1/admin/bundle-senders`',
    what: 'Each key of the JWKS is a usable P-256 (ES256) public key.',
  },
  'no-bundle-key': {
    where: '`POST /v1/admin/bundle-senders`',
    what: 'The JWKS holds at least one ES256 key for signing bundles.',
  },
};
