/**
 * What CELR's OpenAPI document declares each operation answers, and whether a response matches it.
 * The kit carries the document it was built with (dist/openapi.json, copied from the reference
 * API's committed apps/api/openapi.json at build time): a server under test never has to serve
 * one, and a server cannot pass by serving a looser one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives as the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/** One way a response departs from its declared schema. */
export interface SchemaViolation {
  /** `METHOD /path/template` as the document names it. */
  operation: string;
  status: number;
  /** Where in the body (RFC 6901); empty for the body itself. */
  pointer: string;
  /** The JSON Schema keyword that does not hold (`required`, `type`, `additionalProperties`...). */
  rule: string;
  message: string;
}

/** What checking one response found: the operation it answered, and how it departs, if it does. */
export interface SchemaCheck {
  operation: string;
  status: number;
  violations: SchemaViolation[];
}

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  /** Literal segments: a path matching two templates belongs to the more literal one. */
  literals: number;
}

type Document = {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>
  >;
};

const DOCUMENT_ID = 'https://celr.invalid/openapi.json';

/** Where the document is: beside the built kit, or the reference API's, when the kit runs from source. */
export function documentPath(): string {
  const candidates = [
    fileURLToPath(new URL('./openapi.json', import.meta.url)),
    fileURLToPath(new URL('../../../apps/api/openapi.json', import.meta.url)),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`The kit's copy of the CELR OpenAPI document is missing (${candidates[0]}).`);
  return found;
}

const pointerOf = (path: string[]) =>
  `#/${path.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

/**
 * The responses the document declares, compiled one operation and status at a time, on first use
 * (the document is large; a run touches a few dozen of its responses).
 */
export class DeclaredResponses {
  private readonly ajv: Ajv2020;
  private readonly operations: Operation[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: Document) {
    // strict off: the document carries OpenAPI's own keywords (example, discriminator, x-...).
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    // OpenAPI's numeric formats: the bounds beside them already say what they mean.
    for (const format of ['int32', 'int64', 'float', 'double'])
      this.ajv.addFormat(format, { type: 'number', validate: () => true });
    this.ajv.addSchema(document as object, DOCUMENT_ID);
    this.operations = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m))
        .map((method) => ({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(
            `^${template
              .split('/')
              .map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
              .join('/')}$`,
          ),
          literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
        })),
    );
  }

  static load(path = documentPath()): DeclaredResponses {
    return new DeclaredResponses(JSON.parse(readFileSync(path, 'utf8')) as Document);
  }

  /** The operation a request was sent to, or undefined for a path the document does not have. */
  operation(method: string, path: string): Operation | undefined {
    const pathname = path.split('?')[0] ?? path;
    return this.operations
      .filter((o) => o.method === method && o.pattern.test(pathname))
      .sort((a, b) => b.literals - a.literals)[0];
  }

  /**
   * Checks a response's body against what the document declares for its operation, status and
   * media type. Nothing to check (undefined) for a path the document does not have or a body that
   * is not JSON (an NDJSON export, a CSV report, no body): those are the other tests' to judge.
   */
  check(
    method: string,
    path: string,
    status: number,
    contentType: string,
    body: unknown,
  ): SchemaCheck | undefined {
    const op = this.operation(method, path);
    const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    // Only JSON bodies: an NDJSON export's lines or a CSV report are not one JSON value.
    if (!op || body === undefined || !/^application\/([\w.-]+\+)?json$/.test(mediaType)) return undefined;
    const operation = `${op.method} ${op.template}`;
    const responses = this.document.paths[op.template]?.[op.method.toLowerCase()]?.responses ?? {};
    const declaredAs = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    const declared = declaredAs ? responses[declaredAs] : undefined;
    if (!declaredAs || !declared) {
      return {
        operation,
        status,
        violations: [
          {
            operation,
            status,
            pointer: '',
            rule: 'status-declared',
            message: `${operation} does not declare a ${status} answer`,
          },
        ],
      };
    }
    const content = declared.content ?? {};
    // The media type sent, or the document's one JSON media type (a problem sent as plain JSON
    // is the problem tests' to judge; its body is still held to the problem schema).
    const key =
      (mediaType in content ? mediaType : undefined) ??
      Object.keys(content).find((m) => m === 'application/json' || m.endsWith('+json'));
    if (!key || !(content[key] as { schema?: unknown } | undefined)?.schema)
      return { operation, status, violations: [] };
    const validate = this.validator(op, declaredAs, key);
    if (validate(body)) return { operation, status, violations: [] };
    return {
      operation,
      status,
      violations: (validate.errors ?? []).map((e) => ({
        operation,
        status,
        pointer: e.instancePath,
        rule: e.keyword,
        message: `${e.instancePath || '(the body)'} ${e.message ?? e.keyword}${
          e.keyword === 'additionalProperties'
            ? `: ${(e.params as { additionalProperty?: string }).additionalProperty}`
            : ''
        }`,
      })),
    };
  }

  private validator(op: Operation, status: string, mediaType: string): ValidateFunction {
    const ref = `${DOCUMENT_ID}${pointerOf(['paths', op.template, op.method.toLowerCase(), 'responses', status, 'content', mediaType, 'schema'])}`;
    let fn = this.compiled.get(ref);
    if (!fn) {
      fn = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, fn);
    }
    return fn;
  }
}
