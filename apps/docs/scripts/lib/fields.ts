/**
 * The fields of every record, walked from the per-jurisdiction schemas of @celr/schema. The record
 * reference pages are printed from this list, and the docs test checks the built pages against it.
 */
import {
  type CodeListId,
  codeLists,
  RECORD_KINDS,
  type RecordKind,
  records,
  validExamples,
} from '@celr/schema';

export const JURISDICTIONS = ['england', 'scotland'] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** The parts of a JSON Schema node the walk reads. */
export interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  examples?: unknown[];
  'x-code-list'?: string;
}

/** How one field looks in one jurisdiction. */
export interface FieldVariant {
  /** The type in words, e.g. `string (date)`, `integer, 0 to 1000`, `code`. */
  type: string;
  /** The code list of a coded field (or of the items of an array of codes). */
  codeList?: CodeListId;
  /** Allowed values of an enumeration that is not a code list. */
  values?: string[];
  description: string;
  /** The value in the jurisdiction's example record, when it has one. */
  example?: unknown;
  hasExample: boolean;
}

export interface Field {
  /** Dotted path; `[]` marks the items of an array: `careStatus.legalStatus`, `attendance[].period.start`. */
  path: string;
  /** Required within the object that holds it (a nested field is only required when its parent is present). */
  required: boolean;
  /** Present in each jurisdiction's schema (a field may exist in one only). */
  variants: Partial<Record<Jurisdiction, FieldVariant>>;
}

const CODE_LIST_SUFFIX = / Code from the `[^`]+` list \(.*\)\.$/;

/** The description without the sentence CodeField appends (the reference shows the list in the type column). */
export const plainDescription = (node: SchemaNode) => (node.description ?? '').replace(CODE_LIST_SUFFIX, '');

function typeOf(node: SchemaNode): Pick<FieldVariant, 'type' | 'codeList' | 'values'> {
  if (node.const !== undefined) return { type: `constant ${JSON.stringify(node.const)}` };
  if (node['x-code-list'] && Object.hasOwn(codeLists, node['x-code-list'])) {
    return { type: 'code', codeList: node['x-code-list'] as CodeListId };
  }
  if (node.enum) return { type: 'one of', values: node.enum.map(String) };
  if (node.type === 'array') {
    const item = node.items ? typeOf(node.items) : { type: 'any' };
    const of = item.type === 'object' ? 'objects' : item.codeList ? 'codes' : `${item.type} values`;
    const bound = node.maxItems !== undefined ? `, at most ${node.maxItems}` : '';
    return { ...item, type: `array of ${of}${bound}` };
  }
  if (node.type === 'string') {
    const parts = [node.format ? `string (${node.format})` : 'string'];
    if (node.pattern && !node.format) parts.push('pattern');
    if (node.maxLength !== undefined && !node.format) {
      parts.push(
        node.minLength
          ? `${node.minLength} to ${node.maxLength} characters`
          : `up to ${node.maxLength} characters`,
      );
    }
    return { type: parts.join(', ') };
  }
  if (node.type === 'integer' || node.type === 'number') {
    const range =
      node.minimum !== undefined && node.maximum !== undefined
        ? `, ${node.minimum} to ${node.maximum.toLocaleString('en-GB')}`
        : '';
    return { type: `${node.type}${range}` };
  }
  return { type: node.type ?? 'any' };
}

/** Every value at a path in a value: arrays are searched item by item. */
export function valuesAt(value: unknown, segments: string[]): unknown[] {
  if (segments.length === 0) return [value];
  const [head, ...rest] = segments as [string, ...string[]];
  const isArray = head.endsWith('[]');
  const key = isArray ? head.slice(0, -2) : head;
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return [];
  const next = (value as Record<string, unknown>)[key];
  if (isArray) return Array.isArray(next) ? next.flatMap((item) => valuesAt(item, rest)) : [];
  return valuesAt(next, rest);
}

export function exampleValue(kind: RecordKind, jurisdiction: Jurisdiction, path: string) {
  const example = validExamples.find((e) => e.kind === kind && e.name === jurisdiction);
  const found = example ? valuesAt(example.value, path.split('.')) : [];
  return found.length ? { hasExample: true, example: found[0] } : { hasExample: false };
}

function walk(
  node: SchemaNode,
  prefix: string,
  visit: (path: string, node: SchemaNode, required: boolean) => void,
) {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    visit(path, child, node.required?.includes(key) ?? false);
    if (child.properties) walk(child, path, visit);
    if (child.type === 'array' && child.items?.properties) walk(child.items, `${path}[]`, visit);
  }
}

/** The fields a client writes for a kind of record, in schema order, merged across the jurisdictions. */
export function recordFields(kind: RecordKind): Field[] {
  return mergedFields(kind, (j) => records[kind].input[j] as SchemaNode);
}

/** The fields the API adds to what a client writes (`id`, `meta`, ...). */
export function serverFields(kind: RecordKind): Field[] {
  const written = new Set(recordFields(kind).map((f) => f.path));
  return mergedFields(kind, (j) => records[kind].record[j] as SchemaNode).filter((f) => !written.has(f.path));
}

function mergedFields(kind: RecordKind, schemaOf: (j: Jurisdiction) => SchemaNode): Field[] {
  const byPath = new Map<string, Field>();
  for (const j of JURISDICTIONS) {
    walk(schemaOf(j), '', (path, node, required) => {
      const field = byPath.get(path) ?? { path, required, variants: {} };
      field.required ||= required;
      field.variants[j] = {
        ...typeOf(node),
        description: plainDescription(node),
        ...exampleValue(kind, j, path),
      };
      byPath.set(path, field);
    });
  }
  return [...byPath.values()];
}

/** Every field path of every record kind, as the reference prints them. */
export function allRecordFields(): Record<RecordKind, string[]> {
  return Object.fromEntries(RECORD_KINDS.map((k) => [k, recordFields(k).map((f) => f.path)])) as Record<
    RecordKind,
    string[]
  >;
}

/** Which record fields take their values from each code list, for the code list pages. */
export function codeListUsage(): Map<
  CodeListId,
  { kind: RecordKind; path: string; jurisdiction: Jurisdiction }[]
> {
  const usage = new Map<CodeListId, { kind: RecordKind; path: string; jurisdiction: Jurisdiction }[]>();
  for (const kind of RECORD_KINDS) {
    for (const field of recordFields(kind)) {
      for (const j of JURISDICTIONS) {
        const list = field.variants[j]?.codeList;
        if (!list) continue;
        usage.set(list, [...(usage.get(list) ?? []), { kind, path: field.path, jurisdiction: j }]);
      }
    }
  }
  return usage;
}
