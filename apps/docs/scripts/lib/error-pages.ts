/**
 * The error reference: problem types from apps/api/src/http/problem.ts and validation rule names
 * from @celr/schema (its README's table, checked against the rule names in its source) and from the
 * API's own checks. A type or rule with no explanation here is still listed, and the build warns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROBLEM_TYPES, type ProblemType, problemTypeUri } from '../../../api/src/http/problem.js';
import { cell, code, table } from './markdown.js';
import { GENERATED_HEADER, REPO_ROOT } from './paths.js';
import type { Pages } from './record-pages.js';

/** When each problem type is sent, in the words of someone calling the API. */
const WHEN: Record<ProblemType, string> = {
  validation:
    'The body breaks the schema or a CELR rule. `errors` lists every issue, each with `pointer`, `rule` and `message`.',
  'bad-request':
    'The request cannot be read: the body is not JSON, the `Idempotency-Key` is malformed, or the token request is incomplete (`invalid_request`, `invalid_scope`).',
  'invalid-query':
    'A query, path or header parameter is not valid, or a `cursor` is not one the API handed out. Each issue in `errors` also says where (`in`: `query`, `path` or `header`).',
  unauthorised:
    'No access token, an expired or invalid one, or (at `/oauth/token`) an unknown client, a wrong secret or a revoked client; the answer does not say which.',
  forbidden:
    "The token lacks the operation's scope, or your organisation may not make this change: a school writing fields it does not own, a vendor acting for an organisation that has not delegated to it, an organisation other than the responsible authority deleting a record.",
  'not-found':
    'No such record, or none your organisation may see: the two are deliberately the same answer, so that the API never reveals that a child exists.',
  gone: 'The record was deleted. Its history stays readable at `/versions`.',
  'method-not-allowed': 'The path exists but not with this method.',
  'not-acceptable': 'The `Accept` header asks for something other than JSON.',
  conflict:
    'The change conflicts with the current state, for example deleting a learner who still has plans, meetings or transitions.',
  'identifier-conflict':
    'Another of your learners already has one of the identifiers in the body. The issue in `errors` points at it.',
  'precondition-required': 'A replace or patch was sent without `If-Match`.',
  'precondition-failed':
    'The `If-Match` ETag is not the current version: someone changed the record since you read it.',
  'idempotency-key-reuse': 'The `Idempotency-Key` was used before with a different request.',
  'idempotency-key-in-use':
    'A request with the same `Idempotency-Key` is still being processed; retry shortly.',
  'payload-too-large':
    'The body is larger than the limit: 1 MiB for an ordinary request; for a bulk import, 256 MiB or 200,000 records. (The operator may have changed either.) Split a bulk file and send the parts as separate imports.',
  'unsupported-media-type':
    'The `Content-Type` is not `application/json` (or `application/merge-patch+json` for a patch, `application/x-www-form-urlencoded` for a token, `application/x-ndjson` for a bulk import).',
  'uri-too-long': 'A path parameter is longer than 100 characters: no id, code or identifier is that long.',
  'headers-too-large':
    'The request headers are larger than the server accepts (16 KiB in all). The connection is closed.',
  'request-timeout':
    'The request did not arrive in time (its headers or body were too slow). The connection is closed.',
  'rate-limited': 'Too many requests from your client. Wait for the seconds in `Retry-After`.',
  unavailable:
    'The API cannot reach its database, or is shutting down. Retry after the seconds in `Retry-After`.',
  internal: 'A fault on the server. The `requestId` in the problem identifies it in the operator’s logs.',
};

/** Rule names the API adds to those of @celr/schema, with what they mean. */
const API_RULES: Record<string, { where: string; what: string }> = {
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
    what: 'The webhook URL uses https (http only for 127.0.0.1, ::1 and localhost).',
  },
  'import-reason': {
    where: 'importing a bundle',
    what: "A school move is shared by a transfer, not imported: the school reads the authority's record.",
  },
  format: {
    where: '`Idempotency-Key` header; the `id` of a bulk import line',
    what: 'The key is 1 to 255 visible ASCII characters. A line’s `id` is the UUID of a CELR record (your own ids belong in `identifiers`).',
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
};

export interface Rule {
  rule: string;
  kind: string;
  what: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' || e.name === 'node_modules' ? [] : tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** `rule: '...'` literals in a source tree, with the files they are in. */
export function ruleNamesIn(dir: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of tsFiles(dir)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/rule: '([a-z0-9-]+)'/g)) {
      found.set(m[1]!, [...new Set([...(found.get(m[1]!) ?? []), relative(REPO_ROOT, file)])]);
    }
  }
  return found;
}

/** The table of rules JSON Schema cannot express, from packages/schema/README.md. */
export function schemaReadmeRules(): Rule[] {
  const readme = readFileSync(join(REPO_ROOT, 'packages/schema/README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Rules JSON Schema cannot express'));
  if (!section)
    throw new Error('packages/schema/README.md has no "Rules JSON Schema cannot express" section');
  return section
    .split('\n')
    .filter((l) => /^\|\s*`/.test(l))
    .map((l) => {
      const [rule, kind, what] = l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      return { rule: rule!.replace(/`/g, ''), kind: kind!, what: what! };
    });
}

/** Rules of @celr/schema that its README's table does not describe yet (transfer bundles, exchange lines). */
const SCHEMA_EXTRA: Record<string, { kind: string; what: string }> = {
  json: {
    kind: 'exchange file line',
    what: 'A line of an NDJSON file (`celr validate`, `celr import`, `POST /v1/bulk/import`) is valid JSON; the message gives the column.',
  },
  kind: {
    kind: 'exchange file line',
    what: 'A line says its kind (`{ "kind": "learner", "record": {...} }`, or a `kind` member) as one of `learner`, `plan`, `meeting`, `transition`, or the file’s kind is given (`--kind`, `?kind=`).',
  },
  'bundle-learner': {
    kind: 'transfer bundle',
    what: "The manifest and every record in the content are about the bundle's learner.",
  },
  'digest-mismatch': {
    kind: 'transfer bundle',
    what: "The content's SHA-256 (RFC 8785 canonical JSON) is the manifest's `contentDigest`: the bundle was not changed or damaged on the way.",
  },
};

/** JSON Schema keywords and the two CELR names for schema failures, as the schema README describes them. */
const SCHEMA_KEYWORDS: Record<string, string> = {
  required: 'A required member is missing; the pointer is where it should be.',
  type: 'The value has the wrong JSON type.',
  pattern: 'A string does not match its pattern (a UPN, a URN, an identifier system...).',
  format: 'A string is not a valid `date`, `date-time`, `uuid` or `email`.',
  minimum: 'A number is below its minimum.',
  maximum: 'A number is above its maximum.',
  minLength: 'A string is empty or shorter than allowed.',
  maxLength: 'A string is longer than allowed.',
  maxItems: 'A list has more items than allowed.',
  enum: 'A value is not one of the allowed values.',
  'unknown-property': "A property the schema does not define (JSON Schema's `additionalProperties`).",
  'code-list':
    "A code is not in the field's code list (JSON Schema's `enum`). The message says when the code belongs to the other nation's list.",
};

export function errorPages(warn: (message: string) => void): Pages {
  const pages: Pages = new Map();

  const problems = (Object.keys(PROBLEM_TYPES) as ProblemType[]).map((type) => {
    if (!WHEN[type]) warn(`problem type ${type} has no explanation in apps/docs/scripts/lib/error-pages.ts`);
    return [
      code(problemTypeUri(type)),
      String(PROBLEM_TYPES[type].status),
      cell(PROBLEM_TYPES[type].title),
      cell(WHEN[type] ?? ''),
    ];
  });
  pages.set(
    '_generated/problem-types.md',
    [GENERATED_HEADER, '', table(['type', 'Status', 'title', 'When'], problems), ''].join('\n'),
  );

  const readmeRules = schemaReadmeRules();
  const inSchema = ruleNamesIn(join(REPO_ROOT, 'packages/schema/src'));
  const documented = new Set([...readmeRules.map((r) => r.rule), ...Object.keys(SCHEMA_KEYWORDS)]);
  const extra = [...inSchema.keys()].filter((r) => !documented.has(r) && SCHEMA_EXTRA[r]);
  const undocumented = [...inSchema.keys()].filter((r) => !documented.has(r) && !SCHEMA_EXTRA[r]);
  for (const r of undocumented)
    warn(`rule ${r} (${inSchema.get(r)!.join(', ')}) is not in packages/schema/README.md`);
  pages.set(
    '_generated/schema-rules.md',
    [
      GENERATED_HEADER,
      '',
      table(
        ['rule', 'Kind', 'What it checks'],
        [
          ...readmeRules.map((r) => [code(r.rule), cell(r.kind), cell(r.what)]),
          ...extra.map((r) => [code(r), cell(SCHEMA_EXTRA[r]!.kind), cell(SCHEMA_EXTRA[r]!.what)]),
          ...undocumented.map((r) => [
            code(r),
            '',
            `Used in ${inSchema.get(r)!.map(code).join(', ')}; not described yet.`,
          ]),
        ],
      ),
      '',
    ].join('\n'),
  );
  pages.set(
    '_generated/schema-keywords.md',
    [
      GENERATED_HEADER,
      '',
      table(
        ['rule', 'Meaning'],
        Object.entries(SCHEMA_KEYWORDS).map(([rule, what]) => [code(rule), cell(what)]),
      ),
      '',
    ].join('\n'),
  );

  const inApi = ruleNamesIn(join(REPO_ROOT, 'apps/api/src'));
  const apiOnly = [...inApi.keys()].filter((r) => !readmeRules.some((x) => x.rule === r) || API_RULES[r]);
  for (const r of apiOnly)
    if (!API_RULES[r]) warn(`API rule ${r} (${inApi.get(r)!.join(', ')}) has no explanation`);
  pages.set(
    '_generated/api-rules.md',
    [
      GENERATED_HEADER,
      '',
      table(
        ['rule', 'Where', 'What it checks'],
        apiOnly
          .sort()
          .map((r) => [
            code(r),
            cell(API_RULES[r]?.where ?? inApi.get(r)!.join(', ')),
            cell(API_RULES[r]?.what ?? 'Not described yet.'),
          ]),
      ),
      '',
    ].join('\n'),
  );
  return pages;
}
