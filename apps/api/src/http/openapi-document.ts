import {
  exampleBundle,
  exampleCompliancePolicy,
  exampleLearnerIds,
  exampleTermDates,
  invalidExamples,
  type RecordKind,
  validate,
  validExamples,
} from '@celr/schema';
import { accessOf } from '../auth/policy.js';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency.js';
import { PROBLEM_TYPES, type ProblemType, problemTypeUri } from './problem.js';
import { API_RULES } from './rules.js';

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = Record<string, any>;

const COMPONENT = '#/components/schemas/';
const KINDS: Record<string, RecordKind> = {
  Learner: 'learner',
  Plan: 'plan',
  Meeting: 'meeting',
  Transition: 'transition',
};
const STATUS_PROBLEM: Record<string, ProblemType> = {
  '400': 'invalid-query',
  '401': 'unauthorised',
  '403': 'forbidden',
  '404': 'not-found',
  '405': 'method-not-allowed',
  '409': 'conflict',
  '410': 'gone',
  '412': 'precondition-failed',
  '413': 'payload-too-large',
  '414': 'uri-too-long',
  '415': 'unsupported-media-type',
  '428': 'precondition-required',
  '429': 'rate-limited',
  '431': 'headers-too-large',
};

const PATCH_EXAMPLES: Record<RecordKind, Json> = {
  learner: {
    preferredName: {
      summary: 'Change one member',
      value: { name: { given: 'Amara', family: 'Okafor-Lees', preferred: 'Mara' } },
    },
    removeHost: { summary: 'Remove a member with null', value: { hostAuthority: null } },
  },
  plan: { complete: { summary: 'Complete the plan', value: { status: 'completed', reviewDue: null } } },
  meeting: {
    held: {
      summary: 'Record that the meeting was held',
      value: { status: 'held', summary: 'Targets reviewed; tuition continues.' },
    },
  },
  transition: {
    completed: { summary: 'Record the move', value: { status: 'completed', actualDate: '2025-09-04' } },
  },
};

/** Every /v1 operation takes it; the authentication hook reads it, so it is documented here once. */
const ON_BEHALF_OF_PARAMETER = {
  name: 'celr-on-behalf-of',
  in: 'header',
  required: false,
  description:
    "Vendors only: the id of the organisation the vendor acts for. That organisation must have delegated to the vendor; the request then has its access, limited by the vendor client's scopes.",
  schema: { type: 'string', format: 'uuid', maxLength: 36 },
};

/** Example bodies of operations whose body is not a record. */
const BODY_EXAMPLES: Record<string, unknown> = {
  replaceCompliancePolicy: exampleCompliancePolicy,
  replaceTermDates: exampleTermDates,
  createTransfer: {
    learnerId: exampleLearnerIds.england,
    recipient: { scheme: 'la-code', code: '991' },
    reason: 'responsibility-moves',
    note: 'Long-term placement in Eastmere from January.',
  },
  rejectTransfer: { reason: 'We are not the authority for this placement; please send it to Westhaven.' },
  requestToken: {
    grant_type: 'client_credentials',
    client_id: 'demo-northbridge',
    client_secret: 'demo-northbridge-secret',
  },
};

const EXAMPLE_ID = '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10';
const EXAMPLE_ORG = '5c1d9e7a-3b2f-4a6e-8d0c-1f9e2b7a4c33';

function asRecord(value: object, id = EXAMPLE_ID) {
  return {
    id,
    meta: {
      version: 1,
      createdAt: '2025-09-30T09:12:44.120Z',
      updatedAt: '2025-09-30T09:12:44.120Z',
      recordedBy: { organisationId: EXAMPLE_ORG },
    },
    ...value,
  };
}

const examplesOf = (kind: RecordKind, shape: 'input' | 'record') =>
  Object.fromEntries(
    validExamples
      .filter((e) => e.kind === kind)
      .map((e) => [
        e.name,
        {
          summary: e.summary,
          value:
            shape === 'input'
              ? e.value
              : asRecord(e.value, kind === 'learner' ? EXAMPLE_ID : '7d2e4f10-8a3b-4c5d-9e6f-0a1b2c3d4e5f'),
        },
      ]),
  );

function validationProblemExample(kind: RecordKind, instance: string) {
  const example = invalidExamples.find((e) => e.kind === kind) ?? invalidExamples[0]!;
  const result = validate(example.kind, JSON.parse(JSON.stringify(example.value)), { today: '2026-01-01' });
  return {
    summary: example.summary,
    value: {
      type: problemTypeUri('validation'),
      title: PROBLEM_TYPES.validation.title,
      status: 422,
      detail: `${result.issues.length} field${result.issues.length === 1 ? ' is' : 's are'} not valid.`,
      instance,
      requestId: '3f0c6a52-2d7e-4f5b-9a1c-8e4d2b6f0a97',
      errors: result.issues,
    },
  };
}

/** What `detail` says in each kind of problem, as the API words it. */
const DETAILS: Partial<Record<ProblemType, string>> = {
  'bad-request': 'The body is not valid JSON: Unexpected end of JSON input',
  'invalid-query': '1 query parameter is not valid.',
  unauthorised: 'The access token has expired; request a new one from /oauth/token.',
  forbidden: "This operation needs the 'plans:write' scope; the token has: plans:read.",
  'not-found': 'The learner was not found.',
  conflict: 'The transfer is accepted; it can be accepted only while pending.',
  'identifier-conflict': 'An identifier in the record already belongs to another of your learners.',
  gone: 'The learner was deleted at 2026-01-05T10:00:00.000Z; its history is at /v1/learners/0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10/versions.',
  'precondition-failed':
    'The record has changed since the version in If-Match; read it again and reapply your change.',
  'precondition-required':
    "Send If-Match with the ETag you read, so that no one else's change is overwritten.",
  'payload-too-large': 'Request body is too large',
  'unsupported-media-type': 'Unsupported Media Type: application/xml',
  'rate-limited': 'Too many requests: at most 1200 per minute. Retry after the time in Retry-After.',
  unavailable: 'The database is not answering; retry shortly.',
  internal: 'Something went wrong on our side; the request id identifies it in our logs.',
};

const problemExample = (type: ProblemType, instance: string) => ({
  type: problemTypeUri(type),
  title: PROBLEM_TYPES[type].title,
  status: PROBLEM_TYPES[type].status,
  detail: DETAILS[type] ?? PROBLEM_TYPES[type].title,
  instance,
  requestId: '3f0c6a52-2d7e-4f5b-9a1c-8e4d2b6f0a97',
});

const ETAG = {
  description:
    'The version of the record: send it back in If-Match to change it, or If-None-Match to ask whether it changed.',
  schema: { type: 'string', maxLength: 20, example: '"v3"' },
};
const LOCATION = { description: 'Where the new resource is.', schema: { type: 'string', maxLength: 200 } };

const refName = (schema: Json | undefined) =>
  typeof schema?.$ref === 'string' && schema.$ref.startsWith(COMPONENT)
    ? schema.$ref.slice(COMPONENT.length)
    : undefined;

/**
 * Finishes the document @fastify/swagger emits: discriminator mappings become component
 * references, and every operation gets examples from @celr/schema's example records, including
 * the validation problem an invalid example really produces.
 */
/** OpenAPI's integer formats, which JSON Schema lacks: int32 unless the range needs more. */
function integerFormats(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) integerFormats(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Json;
  if (schema.type === 'integer' && !schema.format) {
    schema.format = typeof schema.maximum === 'number' && schema.maximum > 2147483647 ? 'int64' : 'int32';
  }
  for (const value of Object.values(schema)) integerFormats(value);
}

/** @fastify/rate-limit sends these on every response; the 429 adds Retry-After. */
const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': {
    description: 'Requests allowed per window for this client.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 1000000 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 1000000 },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the window resets.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86400 },
  },
};
const CORS_ORIGIN = {
  description:
    'Sent to browsers calling from an origin the operator allows (CELR_CORS_ORIGINS); absent otherwise.',
  schema: { type: 'string', maxLength: 200 },
};
const RETRY_AFTER = {
  description: 'Seconds to wait before retrying.',
  schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86400 },
};
const ALLOW = {
  description: 'The methods the path takes (RFC 9110 section 10.2.1).',
  schema: { type: 'string', maxLength: 100, example: 'GET, HEAD, PUT, PATCH, DELETE' },
};
const LINK = {
  description:
    'The next page as an RFC 8288 link, `</v1/learners?cursor=...>; rel="next"`: the same address as `next` in the body, sent while there is a next page.',
  schema: {
    type: 'string',
    maxLength: 2100,
    example: '</v1/learners?limit=50&cursor=eyJ1IjoiMjAyNS0wOS0zMCJ9>; rel="next"',
  },
};
/** The token endpoint answers every bad body with RFC 6749's 400 `invalid_request`, never a 422. */
const OAUTH_OPERATIONS = new Set(['requestToken']);
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: `${COMPONENT}Problem` } } },
});

function successDescription(operationId: string): string {
  if (operationId.startsWith('list'))
    return 'A page of results, oldest first; `next` links to the following page when there is one.';
  if (operationId === 'requestToken') return 'An access token.';
  if (operationId === 'live' || operationId === 'ready') return 'Up.';
  if (operationId.startsWith('create')) return 'Created.';
  return 'Done.';
}

/** The problem types (their URIs) sent with any of these statuses, in the order of PROBLEM_TYPES. */
function problemTypesOf(statuses: string[]): string[] {
  return (Object.keys(PROBLEM_TYPES) as ProblemType[])
    .filter((type) => statuses.includes(String(PROBLEM_TYPES[type].status)))
    .map(problemTypeUri);
}

export function finishOpenApiDocument(document: Json): Json {
  integerFormats(document);
  // Every problem type the API sends, with its status and title: the catalogue that the
  // operations' `x-celr-problem-types` name, and that the docs' error reference prints.
  document['x-celr-problem-types'] = (Object.keys(PROBLEM_TYPES) as ProblemType[]).map((type) => ({
    type: problemTypeUri(type),
    status: PROBLEM_TYPES[type].status,
    title: PROBLEM_TYPES[type].title,
  }));
  // The rule names of the API's own checks, beyond @celr/schema's, for the docs' error reference.
  document['x-celr-rules'] = Object.entries(API_RULES).map(([rule, { where, what }]) => ({
    rule,
    where,
    what,
  }));
  for (const schema of Object.values<Json>(document.components?.schemas ?? {})) {
    const mapping = schema.discriminator?.mapping as Record<string, string> | undefined;
    if (mapping)
      for (const [k, v] of Object.entries(mapping)) mapping[k] = `${COMPONENT}${v.replace(/#$/, '')}`;
  }
  for (const [path, operations] of Object.entries<Json>(document.paths ?? {})) {
    const instance = path.replace(/\{id\}/g, EXAMPLE_ID);
    for (const operation of Object.values<Json>(operations)) {
      if (path.startsWith('/v1/') && !path.startsWith('/v1/admin')) {
        operation.parameters = [...(operation.parameters ?? []), ON_BEHALF_OF_PARAMETER];
      }
      operation.responses ??= {};
      const responses = operation.responses as Json;
      responses['500'] ??= problemResponse('Internal error; quote the requestId when reporting it');
      if (operation.parameters?.some((p: Json) => ['path', 'query', 'header'].includes(p.in))) {
        responses['400'] ??= problemResponse('Malformed request or query parameter');
      }
      // What any request can meet before its operation runs (http/errors.ts, http/body-parsers.ts).
      if (operation.parameters?.some((p: Json) => p.in === 'path'))
        responses['414'] ??= problemResponse('A path parameter is longer than 100 characters');
      if (
        operation.requestBody?.content?.['application/json'] ||
        operation.requestBody?.content?.['application/merge-patch+json']
      ) {
        responses['400'] ??= problemResponse('The body is not JSON, or nests deeper than 64 levels');
        responses['415'] ??= problemResponse('The body is not of a media type the operation takes');
        if (!OAUTH_OPERATIONS.has(operation.operationId))
          responses['422'] ??= problemResponse('The body is not valid');
      }
      // A path answers a method it does not take with 405 and `Allow` (http/errors.ts); the
      // request line and headers together over 16 KiB get 431 before any route runs.
      responses['405'] ??= {
        ...problemResponse('The path does not take this method; `Allow` lists those it takes'),
        headers: { Allow: ALLOW },
      };
      responses['431'] ??= problemResponse('The request line and headers are too large');
      for (const parameter of operation.parameters ?? []) {
        // Optional in the route's schema so that its absence is answered 428 (http/etag.ts), not a
        // 400 from the schema; an operation that answers 428 without it requires it.
        if (parameter.in === 'header' && parameter.name === 'if-match' && responses['428'])
          parameter.required = true;
        // Checked by http/idempotency.ts, with its own problem, rather than by the route's schema.
        if (parameter.in === 'header' && parameter.name === 'idempotency-key')
          parameter.schema = { ...parameter.schema, minLength: 1, pattern: IDEMPOTENCY_KEY_PATTERN };
      }
      const id = String(operation.operationId);
      for (const [status, response] of Object.entries<Json>(responses)) {
        if (response.description === 'Default Response')
          response.description = status.startsWith('2') ? successDescription(id) : 'Problem';
        const recordHeaders =
          status === '201' && /^(create|upsert)/.test(id) && !id.includes('Transfer')
            ? { Location: LOCATION, ETag: ETAG }
            : status === '200' && /^(get|replace|patch|upsert)(Learner|Plan|Meeting|Transition)/.test(id)
              ? { ETag: ETAG }
              : {};
        // Lists with a `next` link in the body send it as a Link header too (http/pagination.ts).
        const paged =
          status === '200' && response.content?.['application/json']?.schema?.properties?.next !== undefined;
        response.headers = {
          ...recordHeaders,
          ...(paged ? { Link: LINK } : {}),
          ...(/^[24]/.test(status) ? RATE_LIMIT_HEADERS : {}),
          ...(status === '429' ? { 'Retry-After': RETRY_AFTER } : {}),
          'Access-Control-Allow-Origin': CORS_ORIGIN,
          ...response.headers,
        };
      }
      // What the docs print about the operation, published here so that they read it from the
      // document, never from the API's source: who may call it (the policy table's words) and
      // the problem types it can answer with (every type of each error status it documents).
      operation['x-celr-access'] = accessOf(id)?.who;
      operation['x-celr-problem-types'] = problemTypesOf(Object.keys(responses));
      for (const media of Object.values<Json>(operation.requestBody?.content ?? {})) {
        const name = refName(media.schema);
        const kind = name?.endsWith('Input') ? KINDS[name.slice(0, -5)] : undefined;
        if (kind) media.examples = examplesOf(kind, 'input');
        const patched = name?.endsWith('Patch') ? KINDS[name.slice(0, -5)] : undefined;
        if (patched) media.examples = PATCH_EXAMPLES[patched];
        if (name === 'TransferBundle') media.example = exampleBundle;
        const body = BODY_EXAMPLES[operation.operationId as string];
        if (body) media.example = body;
      }
      for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
        for (const media of Object.values<Json>(response.content ?? {})) {
          const name = refName(media.schema);
          if (name && KINDS[name]) media.examples = examplesOf(KINDS[name]!, 'record');
          if (name === 'TransferBundle') media.example = exampleBundle;
          const itemName = refName(media.schema?.properties?.items?.items);
          if (itemName && KINDS[itemName]) {
            media.example = {
              items: Object.values(examplesOf(KINDS[itemName]!, 'record')).map((e) => e.value),
            };
          }
          if (name === 'Problem') {
            const kind = Object.entries(KINDS).find(([, k]) => path.includes(`/${k}s`))?.[1] ?? 'learner';
            if (status === '422') media.examples = { validation: validationProblemExample(kind, instance) };
            else if (STATUS_PROBLEM[status])
              media.example = problemExample(STATUS_PROBLEM[status]!, instance);
          }
        }
      }
    }
  }
  return document;
}
