/**
 * The API reference (site/reference/api), one page per operation of the committed OpenAPI document,
 * and the tables printed from it: who may call each operation (its `x-celr-access`, which the API
 * writes from its policy table), its scope (its `security`) and the OAuth scopes (the oauth2
 * scheme's). The docs read the document only, never the API's source.
 */
import { cell, code, table, text } from './markdown.js';
import { documentFor, type Operation, operationsOf, tagsOf } from './openapi.js';
import { GENERATED_HEADER } from './paths.js';
import type { Pages } from './record-pages.js';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked generically
type Json = Record<string, any>;

const tagAnchor = (tag: string) => tag.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Every operation says who may call it; the API writes it from the policy table it enforces. */
export function checkAccessCoversDocument(doc: Json): void {
  const missing = operationsOf(doc).filter((o) => !o.access);
  if (missing.length) {
    throw new Error(
      `apps/api/openapi.json has no x-celr-access for ${missing.map((o) => o.operationId).join(', ')} (run npm run openapi -w @celr/api)`,
    );
  }
}

/** The OAuth scopes the document's oauth2 scheme defines, with what each allows. */
export function scopesOf(doc: Json): Record<string, string> {
  return doc.components?.securitySchemes?.oauth2?.flows?.clientCredentials?.scopes ?? {};
}

/** A token with no scope in its security requirement: any client may call it (`getMe`). */
const scopeOf = (op: Operation) =>
  op.public
    ? 'none (public)'
    : op.scopes.length
      ? op.scopes.map(code).join(', ')
      : 'none (any client with a token)';

function operationPage(doc: Json, op: Operation): string {
  return [
    '---',
    `title: ${JSON.stringify(op.summary)}`,
    'aside: false',
    'outline: false',
    '---',
    GENERATED_HEADER,
    '',
    '<script setup>',
    `import spec from './specs/${op.operationId}.json';`,
    '</script>',
    '',
    `# ${text(op.summary)}`,
    '',
    `<p class="celr-operation-line"><span class="celr-method celr-method-${op.method.toLowerCase()}">${op.method}</span> <code>${op.path}</code></p>`,
    '',
    `- **Operation id:** ${code(op.operationId)}`,
    `- **Scope:** ${scopeOf(op)}`,
    `- **Who may call it:** ${text(op.access ?? '')} See [Organisations and access](../../concepts/access).`,
    `- **Problem types it can answer with:** ${op.problemTypes.map(code).join(', ') || 'none'} (see [Errors](../../concepts/errors)).`,
    '',
    `<OAOperation operation-id="${op.operationId}" :spec="spec" hide-branding />`,
    '',
    '## All responses {#all-responses}',
    '',
    `Every status this operation answers with. Errors are RFC 9457 problem documents (${code('application/problem+json')}); their ${code('type')} says what went wrong, as the [errors](../../concepts/errors) page explains.`,
    '',
    table(['Status', 'Meaning', 'Body'], responseRows(doc, op)),
    '',
  ].join('\n');
}

function responseRows(doc: Json, op: Operation): string[][] {
  const responses = (doc.paths[op.path][op.method.toLowerCase()].responses ?? {}) as Json;
  return Object.entries<Json>(responses).map(([status, response]) => {
    const bodies = Object.entries<Json>(response.content ?? {}).map(([mediaType, media]) => {
      const examples = [media.example, ...Object.values<Json>(media.examples ?? {}).map((e) => e.value)];
      const types = [
        ...new Set(examples.map((e) => e?.type).filter((t): t is string => typeof t === 'string')),
      ];
      const schema = typeof media.schema?.$ref === 'string' ? media.schema.$ref.split('/').pop() : undefined;
      return [
        code(mediaType),
        schema ? `(${schema})` : '',
        types.length ? `with type ${types.map(code).join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' ');
    });
    return [code(status), cell(response.description ?? ''), bodies.join('<br>') || 'none'];
  });
}

function apiIndex(doc: Json): string {
  const ops = operationsOf(doc);
  return [
    '---',
    'title: "API reference"',
    '---',
    GENERATED_HEADER,
    '',
    `# API reference`,
    '',
    `${text(doc.info?.description ?? '')} Version ${code(doc.info?.version ?? '')}, OpenAPI ${code(doc.openapi)}.`,
    '',
    `Every page here is printed from the OpenAPI document the API itself emits and the repository commits (${code('apps/api/openapi.json')}). Download it as [openapi.json](/openapi.json){target="_self" download="celr-openapi.json"}; a running API also serves its own copy at ${code('/openapi.json')}. Paths are relative to the API's base URL, ${code('http://localhost:3000')} for ${code('npm start')}. Every ${code('/v1')} operation needs an access token: see [Getting started](../../getting-started) and [Security](../../concepts/security).`,
    '',
    ...tagsOf(doc).flatMap((tag) => {
      const inTag = ops.filter((o) => o.tag === tag.name);
      if (!inTag.length) return [];
      return [
        `## ${text(tag.name)} {#${tagAnchor(tag.name)}}`,
        '',
        text(tag.description ?? ''),
        '',
        table(
          ['Operation', 'Method and path', 'Scope'],
          inTag.map((o) => [
            `[${text(o.summary)}](./${o.operationId})`,
            `${o.method} ${code(o.path)}`,
            scopeOf(o),
          ]),
        ),
        '',
      ];
    }),
  ].join('\n');
}

/** The table of who may call each operation, grouped by tag, for the access concept page. */
function accessTable(doc: Json): string {
  const ops = operationsOf(doc);
  return [
    GENERATED_HEADER,
    '',
    ...tagsOf(doc).flatMap((tag) => {
      const inTag = ops.filter((o) => o.tag === tag.name);
      if (!inTag.length) return [];
      return [
        `### ${text(tag.name)} {#access-${tagAnchor(tag.name)}}`,
        '',
        table(
          ['Operation', 'Scope', 'Who may call it'],
          inTag.map((o) => [
            `[${code(o.operationId)}](../reference/api/${o.operationId})<br>${o.method} ${code(o.path)}`,
            scopeOf(o),
            cell(o.access ?? ''),
          ]),
        ),
        '',
      ];
    }),
  ].join('\n');
}

function scopesTable(doc: Json): string {
  const ops = operationsOf(doc);
  return [
    GENERATED_HEADER,
    '',
    table(
      ['Scope', 'What it allows', 'Operations'],
      Object.entries(scopesOf(doc)).map(([scope, what]) => {
        const using = ops.filter((o) => !o.public && o.scopes.includes(scope));
        return [
          code(scope),
          cell(what),
          using.length
            ? using.map((o) => `[${code(o.operationId)}](../reference/api/${o.operationId})`).join(', ')
            : 'none yet (reserved for transfers, which are [coming](./transfers))',
        ];
      }),
    ),
    '',
  ].join('\n');
}

export function apiPages(doc: Json): { pages: Pages; specs: Map<string, Json> } {
  checkAccessCoversDocument(doc);
  const pages: Pages = new Map();
  const specs = new Map<string, Json>();
  pages.set('reference/api/index.md', apiIndex(doc));
  for (const op of operationsOf(doc)) {
    pages.set(`reference/api/${op.operationId}.md`, operationPage(doc, op));
    specs.set(`reference/api/specs/${op.operationId}.json`, documentFor(doc, op.operationId));
  }
  pages.set('_generated/access-table.md', accessTable(doc));
  pages.set('_generated/scopes.md', scopesTable(doc));
  return { pages, specs };
}

export function apiSidebar(doc: Json) {
  const ops = operationsOf(doc);
  return tagsOf(doc)
    .map((tag) => ({
      text: tag.name,
      collapsed: true,
      items: ops
        .filter((o) => o.tag === tag.name)
        .map((o) => ({
          text: `<span class="celr-method celr-method-${o.method.toLowerCase()}">${o.method}</span> ${o.summary}`,
          link: `/reference/api/${o.operationId}`,
        })),
    }))
    .filter((g) => g.items.length);
}
