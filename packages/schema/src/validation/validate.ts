import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { type CodeListId, codeLists, findDescriptor, jurisdictionListIds } from '../code-lists/index.js';
import { JURISDICTIONS, type Jurisdiction } from '../common/primitives.js';
import { type RecordInputs, type RecordKind, type Records, records } from '../records/index.js';
import { capIssues, checkBounds, MAX_ISSUES } from './bounds.js';
import { pointerToken, type ValidationIssue, type ValidationResult } from './issue.js';
import { checkRules } from './rules.js';

export type Shape = 'input' | 'record';

export interface ValidateOptions {
  /** `input` (default) for what a client sends; `record` for what the API returns. */
  shape?: Shape | undefined;
  /** ISO date used as "today" by rules about the future. Defaults to the current UTC date. */
  today?: string | undefined;
}

const compiled = new Map<string, Validator>();

/** The compiled validator of one kind, shape and jurisdiction; compiled once, on first use. */
export function compiledValidator(kind: RecordKind, shape: Shape, jurisdiction: Jurisdiction): Validator {
  const key = `${kind}:${shape}:${jurisdiction}`;
  let v = compiled.get(key);
  if (!v) {
    v = Compile(recordSchema(kind, shape, jurisdiction));
    compiled.set(key, v);
  }
  return v;
}

const recordSchema = (kind: RecordKind, shape: Shape, jurisdiction: Jurisdiction) =>
  (shape === 'input' ? records[kind].input : records[kind].record)[jurisdiction] as TSchema;

const todayUtc = () => new Date().toISOString().slice(0, 10);

/**
 * Validate a record against its schema and every CELR rule. Returns every issue (up to
 * `MAX_ISSUES`), each with a JSON pointer to the field and the rule it breaks; never throws on bad
 * input. Its cost is bounded: lists over their `maxItems`, strings over their `maxLength` and
 * nesting over `MAX_JSON_DEPTH` are reported before any per-item rule runs, and then alone.
 */
export function validate<K extends RecordKind>(
  kind: K,
  value: unknown,
  options: ValidateOptions = {},
): ValidationResult<K extends keyof RecordInputs ? RecordInputs[K] | Records[K] : never> {
  const shape = options.shape ?? 'input';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      issues: [{ pointer: '', rule: 'type', message: `A ${kind} must be a JSON object.` }],
    };
  }
  const jurisdiction = (value as { jurisdiction?: unknown }).jurisdiction;
  if (!JURISDICTIONS.includes(jurisdiction as Jurisdiction)) {
    return {
      ok: false,
      issues: [
        jurisdiction === undefined
          ? {
              pointer: '/jurisdiction',
              rule: 'required',
              message: "'jurisdiction' is required: `england` or `scotland`.",
            }
          : {
              pointer: '/jurisdiction',
              rule: 'enum',
              message: `'jurisdiction' must be \`england\` or \`scotland\`.`,
            },
      ],
    };
  }
  const j = jurisdiction as Jurisdiction;
  const bounds = checkBounds(recordSchema(kind, shape, j), value);
  if (bounds.oversized) return { ok: false, issues: capIssues(bounds.issues) };
  const validator = compiledValidator(kind, shape, j);
  // The rules run even when the schema fails, so one response lists every problem at once.
  const ruleIssues = checkRules(kind, value, { today: options.today ?? todayUtc() });
  if (bounds.issues.length === 0 && validator.Check(value) && ruleIssues.length === 0) {
    return { ok: true, value: value as never, issues: [] };
  }
  const issues = [...bounds.issues, ...schemaIssues(validator, value, j), ...ruleIssues];
  return { ok: false, issues: capIssues(dedupe(issues)) };
}

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

const branchValidators = new WeakMap<object, Validator>();

/**
 * TypeBox stops collecting errors at its `maxErrors` setting (8 by default, a guard against
 * unbounded work), which would hide all but the first few problems of a record. CELR reports
 * issues up to `MAX_ISSUES` (a few more are collected so that the count can say there were more);
 * the setting is raised for the call only and then restored.
 */
const MAX_SCHEMA_ERRORS = MAX_ISSUES * 2;

function errorsOf(validator: Validator, value: unknown): SchemaError[] {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_SCHEMA_ERRORS });
  try {
    return [...(validator.Errors(value) as Iterable<SchemaError>)];
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

function schemaIssues(validator: Validator, value: unknown, j: Jurisdiction, prefix = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const errors = errorsOf(validator, value);
  // A failed `oneOf` comes with the errors of every variant, all but one about a scheme the value
  // does not use; they are left out, and the variant its tag names is validated on its own below.
  const variantPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => `${e.schemaPath}/oneOf/`);
  for (const error of errors) {
    if (variantPaths.some((path) => error.schemaPath.startsWith(path))) continue;
    const pointer = prefix + error.instancePath;
    switch (error.keyword) {
      // The field-level reasons come from the variant the value's tag (`scheme`, `system`) names.
      // A tag that is missing or not allowed names none: the object's own properties report it.
      case 'oneOf': {
        const node = schemaAt(validator.Type() as TSchema, error.schemaPath);
        const target = valueAt(value, error.instancePath);
        const variant = taggedVariant(node?.oneOf, target);
        if (!variant) break;
        let v = branchValidators.get(variant);
        if (!v) {
          v = Compile(variant as TSchema);
          branchValidators.set(variant, v);
        }
        issues.push(...schemaIssues(v, target, j, pointer));
        break;
      }
      // Reported through the property itself ('boolean' below).
      case 'additionalProperties':
        break;
      case 'boolean': {
        const property = pointer.slice(pointer.lastIndexOf('/') + 1);
        issues.push({
          pointer,
          rule: 'unknown-property',
          message: `'${unescapeToken(property)}' is not a property of this object.`,
        });
        break;
      }
      case 'required':
        for (const name of (error.params.requiredProperties as string[]) ?? []) {
          issues.push({
            pointer: `${pointer}/${pointerToken(name)}`,
            rule: 'required',
            message: `'${name}' is required.`,
          });
        }
        break;
      case 'enum': {
        const node = schemaAt(validator.Type() as TSchema, error.schemaPath);
        const listId = node?.['x-code-list'] as CodeListId | undefined;
        const code = valueAt(value, error.instancePath);
        if (listId) {
          issues.push({ pointer, rule: 'code-list', message: codeListMessage(listId, code, j) });
        } else {
          const allowed = (error.params.allowedValues as unknown[]) ?? [];
          const message = allowed.length
            ? `Must be one of: ${allowed.map((a) => `'${a}'`).join(', ')}.`
            : 'No value is allowed here in this jurisdiction.';
          issues.push({ pointer, rule: 'enum', message });
        }
        break;
      }
      case 'format':
        issues.push({
          pointer,
          rule: 'format',
          message: formatMessage(
            String(error.params.format),
            valueAt(value, error.instancePath),
            error.message,
          ),
        });
        break;
      default:
        issues.push({ pointer, rule: error.keyword, message: sentence(error.message) });
    }
  }
  return issues;
}

function codeListMessage(listId: CodeListId, code: unknown, j: Jurisdiction): string {
  const list = codeLists[listId];
  const base = `'${shown(code)}' is not a code for ${j} in \`${listId}\` (${list.title}).`;
  if (typeof code !== 'string') return base;
  const own = findDescriptor(listId, code);
  if (own) return `${base} '${code}' (${own.label}) applies in ${own.jurisdiction} only.`;
  for (const lists of Object.values(jurisdictionListIds) as Record<Jurisdiction, CodeListId | null>[]) {
    if (lists[j] !== listId) continue;
    for (const other of JURISDICTIONS) {
      const otherList = lists[other];
      const found = other !== j && otherList ? findDescriptor(otherList, code) : undefined;
      if (found) return `${base} It is a ${other} code (\`${otherList}\`: ${found.label}).`;
    }
  }
  return base;
}

/**
 * A rejected value as text. Not String(value): JSON such as `{ "toString": 1 }` makes String()
 * throw, and the validator must never throw on bad input.
 */
function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** How each date and time format is written, for a message that says what to send instead. */
const FORMAT_SHAPES: Record<string, string> = {
  date: 'a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01',
  'date-time':
    'a valid date and time: write it as YYYY-MM-DDThh:mm:ssZ (RFC 3339, Z or an offset), e.g. 2026-01-05T10:00:00Z',
  time: 'a valid time: write it as hh:mm:ss, e.g. 09:30:00',
};

/** A value in the wrong format: what was sent and, for dates and times, how to write it. */
function formatMessage(format: string, value: unknown, fallback: string): string {
  const shape = FORMAT_SHAPES[format];
  if (!shape) return sentence(fallback);
  return `${typeof value === 'string' ? `'${value}'` : shown(value)} is not ${shape}.`;
}

type SchemaObject = Record<string, unknown> & { properties?: Record<string, { const?: unknown }> };

/**
 * The variant of a `oneOf` that a value's tag names: the one whose `const` member the value
 * carries, else the variant with no constant (every other value of the tag), else none.
 */
function taggedVariant(variants: unknown, value: unknown): SchemaObject | undefined {
  if (!Array.isArray(variants) || typeof value !== 'object' || value === null) return undefined;
  const constants = (v: SchemaObject) =>
    Object.entries(v.properties ?? {}).filter(([, member]) => member?.const !== undefined);
  const object = value as Record<string, unknown>;
  return (
    (variants as SchemaObject[]).find((v) =>
      constants(v).some(([name, member]) => object[name] === member.const),
    ) ?? (variants as SchemaObject[]).find((v) => constants(v).length === 0)
  );
}

const unescapeToken = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');
const sentence = (m: string) => `${m.charAt(0).toUpperCase()}${m.slice(1)}.`;

function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const token of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[unescapeToken(token)];
  }
  return node as Record<string, unknown> | undefined;
}

function valueAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const token of pointer.split('/').slice(1))
    node = (node as Record<string, unknown> | undefined)?.[unescapeToken(token)];
  return node;
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.pointer}\u0000${i.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const adHoc = new WeakMap<object, Validator>();

/**
 * Validate a value against any schema built from this package's parts (for example a request body
 * that is not a record), with issues in the same form as `validate`.
 */
export function checkSchema(schema: TSchema, value: unknown): ValidationIssue[] {
  const bounds = checkBounds(schema, value);
  if (bounds.oversized) return capIssues(bounds.issues);
  let v = adHoc.get(schema);
  if (!v) {
    v = Compile(schema);
    adHoc.set(schema, v);
  }
  if (v.Check(value)) return bounds.issues;
  return capIssues(dedupe([...bounds.issues, ...schemaIssues(v, value, 'england')]));
}

export function isRecordKind(value: string): value is RecordKind {
  return value in records;
}
