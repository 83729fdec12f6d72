/** The committed OpenAPI document, read for the API reference pages and the sidebar. */
import { readFileSync } from 'node:fs';
import { OPENAPI_FILE } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked generically
type Json = Record<string, any>;

/** Where `npm start` serves the reference API; the code samples on the reference pages use it. */
export const LOCAL_API = 'http://localhost:3000';

export const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'] as const;

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  summary: string;
  description?: string;
  tag: string;
  scopes: string[];
  public: boolean;
  /** Who may call it, in words (`x-celr-access`, from the API's policy table). */
  access?: string;
  /** The URIs of the problem types it can answer with (`x-celr-problem-types`). */
  problemTypes: string[];
}

export function readOpenApi(file = OPENAPI_FILE): Json {
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

/** Every operation, in the document's order. */
export function operationsOf(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op?.operationId) continue;
      const security = (op.security ?? doc.security ?? []) as Record<string, string[]>[];
      out.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? op.operationId,
        description: op.description,
        tag: op.tags?.[0] ?? 'Other',
        // Only the oauth2 scheme takes an access token; the token endpoint's own scheme is the
        // client's id and secret, which any client has.
        scopes: security.flatMap((s) => s.oauth2 ?? []),
        public: !security.some((s) => s.oauth2 !== undefined),
        access: op['x-celr-access'],
        problemTypes: op['x-celr-problem-types'] ?? [],
      });
    }
  }
  return out;
}

/** Tags in the document's order, with their descriptions. */
export function tagsOf(doc: Json): { name: string; description?: string }[] {
  return (doc.tags ?? []) as { name: string; description?: string }[];
}

/**
 * A document holding one operation and only the components it refers to (transitively), so that
 * each reference page loads a few kilobytes of the specification rather than all of it.
 */
export function documentFor(doc: Json, operationId: string): Json {
  const op = operationsOf(doc).find((o) => o.operationId === operationId);
  if (!op) throw new Error(`No operation ${operationId} in the OpenAPI document`);
  const item = doc.paths[op.path] as Json;
  const {
    get: _g,
    put: _p,
    post: _o,
    patch: _a,
    delete: _d,
    head: _h,
    options: _x,
    trace: _t,
    ...shared
  } = item;
  const paths = { [op.path]: { ...shared, [op.method.toLowerCase()]: item[op.method.toLowerCase()] } };

  const schemas: Json = {};
  const pending = collectRefs(paths);
  while (pending.length) {
    const name = pending.pop()!;
    if (name in schemas) continue;
    const schema = doc.components?.schemas?.[name];
    if (!schema)
      throw new Error(`${operationId} refers to #/components/schemas/${name}, which does not exist`);
    schemas[name] = schema;
    pending.push(...collectRefs(schema));
  }
  return {
    openapi: doc.openapi,
    info: doc.info,
    // The committed document's server is relative ('/'); code samples need a base URL, and the one
    // every reader can run is the reference API that `npm start` serves.
    servers: [{ url: LOCAL_API, description: 'The reference API started by npm start' }],
    tags: tagsOf(doc).filter((t) => t.name === op.tag),
    paths,
    components: { securitySchemes: doc.components?.securitySchemes, schemas },
  };
}

function collectRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        out.push(v.slice('#/components/schemas/'.length));
      } else if (k === 'mapping' && v && typeof v === 'object') {
        for (const target of Object.values(v)) {
          if (typeof target === 'string' && target.startsWith('#/components/schemas/')) {
            out.push(target.slice('#/components/schemas/'.length));
          }
        }
      } else collectRefs(v, out);
    }
  }
  return out;
}
