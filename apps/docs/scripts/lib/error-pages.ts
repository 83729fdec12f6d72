/**
 * The error reference: problem types from the OpenAPI document's catalogue (`x-celr-problem-types`,
 * which the API writes from its own list) and validation rule names from @celr/schema (its README's
 * table, checked against the rule names in its source) and from the API's own checks (the
 * document's `x-celr-rules`). A type or rule with no explanation here is still listed, and the
 * build warns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cell, code, table } from './markdown.js';
import { GENERATED_HEADER, REPO_ROOT } from './paths.js';
import type { Pages } from './record-pages.js';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked generically
type Json = Record<string, any>;

/** A problem type as the document's catalogue lists it. */
interface ProblemTypeEntry {
  type: string;
  status: number;
  title: string;
}
const PROBLEM_URI = 'urn:celr:problem:';

/** When each problem type is sent (by its name, the end of its URI), in the words of someone calling the API. */
const WHEN: Record<string, string> = {
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

export function errorPages(doc: Json, warn: (message: string) => void): Pages {
  const pages: Pages = new Map();

  const catalogue = (doc['x-celr-problem-types'] ?? []) as ProblemTypeEntry[];
  if (!catalogue.length) throw new Error('apps/api/openapi.json has no x-celr-problem-types catalogue');
  const problems = catalogue.map(({ type, status, title }) => {
    const name = type.startsWith(PROBLEM_URI) ? type.slice(PROBLEM_URI.length) : type;
    if (!WHEN[name]) warn(`problem type ${name} has no explanation in apps/docs/scripts/lib/error-pages.ts`);
    return [code(type), String(status), cell(title), cell(WHEN[name] ?? '')];
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

  // The API's own rules, as its document publishes them (the API's tests keep the list complete).
  const apiRules = (doc['x-celr-rules'] ?? []) as { rule: string; where: string; what: string }[];
  if (!apiRules.length) throw new Error('apps/api/openapi.json has no x-celr-rules');
  pages.set(
    '_generated/api-rules.md',
    [
      GENERATED_HEADER,
      '',
      table(
        ['rule', 'Where', 'What it checks'],
        [...apiRules]
          .sort((a, b) => a.rule.localeCompare(b.rule))
          .map((r) => [code(r.rule), cell(r.where), cell(r.what)]),
      ),
      '',
    ].join('\n'),
  );
  return pages;
}
