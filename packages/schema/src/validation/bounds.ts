import type { TSchema } from 'typebox';
import { MAX_JSON_DEPTH } from '../exchange/json-limits.js';
import { pointerOf, type ValidationIssue } from './issue.js';

/**
 * At most this many issues are reported for one value. A body can break a rule thousands of times
 * (a list of 300,000 empty objects); listing each would cost memory in proportion to the body,
 * and nobody reads past the first hundred. When there are more, the last issue says so.
 */
export const MAX_ISSUES = 100;

/**
 * Characters that no stored text may hold: NUL, which PostgreSQL refuses in text and JSON
 * (SQLSTATE 22P05, 22021), and UTF-16 surrogates without their other half, which are not Unicode
 * characters at all and cannot be written as UTF-8.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what it must find
const BAD_CHARACTERS = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a string holds a character no CELR text may hold (rule `text-characters`). */
export const hasForbiddenCharacters = (text: string): boolean => BAD_CHARACTERS.test(text);

export const textCharactersIssue = (pointer: string, what = 'This text'): ValidationIssue => ({
  pointer,
  rule: 'text-characters',
  message: `${what} holds a NUL character (\\u0000) or half of a UTF-16 surrogate pair; neither can be stored.`,
});

export interface Bounds {
  issues: ValidationIssue[];
  /**
   * True when the value is too big to validate further: an array over its `maxItems`, a string
   * over its `maxLength`, or nesting over `MAX_JSON_DEPTH`. The caller then reports only these
   * issues, so no per-item rule ever runs over an oversized list.
   */
  oversized: boolean;
  /** Members the schema does not define (where it allows no others), counted across the value. */
  unknown: number;
}

type Node = Record<string, unknown> | undefined;

const jsonType = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : Number.isInteger(value)
        ? 'integer'
        : typeof value;

const typeMatches = (schema: Node, type: string) => {
  const t = schema?.type;
  const types = Array.isArray(t) ? t : [t];
  return types.includes(type) || (type === 'integer' && types.includes('number'));
};

/** Whether every member the branch fixes with `const` (a variant's tag, such as `scheme`) has that value. */
const tagsMatch = (schema: Node, value: unknown) =>
  Object.entries((schema?.properties ?? {}) as Record<string, Node>).every(
    ([name, member]) =>
      member?.const === undefined || (value as Record<string, unknown> | null)?.[name] === member.const,
  );

/**
 * The branch of a schema that applies to a value: the schema itself, or the `anyOf`/`oneOf` member
 * of the value's type (looking into nested alternatives), and among several objects the variant
 * whose `const` tag the value carries.
 */
function branchOf(schema: Node, value: unknown): Node {
  if (!schema) return undefined;
  const alternatives = (schema.anyOf ?? schema.oneOf) as Node[] | undefined;
  if (!Array.isArray(alternatives) || schema.type !== undefined) return schema;
  const type = jsonType(value);
  let first: Node;
  for (const alternative of alternatives) {
    const branch =
      alternative?.type === undefined && (alternative?.anyOf || alternative?.oneOf)
        ? branchOf(alternative, value)
        : typeMatches(alternative, type)
          ? alternative
          : undefined;
    if (!branch) continue;
    if (type !== 'object' || tagsMatch(branch, value)) return branch;
    first ??= branch;
  }
  return first;
}

/**
 * The checks whose cost does not depend on what else is wrong, made in one walk before any
 * per-item rule: nesting depth, every array against its `maxItems`, every string against its
 * `maxLength` (where the schema gives them), the number of members the schema does not define
 * (at most `MAX_ISSUES`), and every string and member name for characters
 * that cannot be stored. The walk allocates nothing unless it finds an issue, stops descending at
 * an oversized array, and stops collecting at `MAX_ISSUES`; members the schema does not define
 * are still walked (for depth and characters) but have no bounds.
 */
export function checkBounds(schema: TSchema | undefined, value: unknown): Bounds {
  const out: Bounds = { issues: [], oversized: false, unknown: 0 };
  walk(schema as Node, value, [], 0, out);
  return out;
}

function walk(schema: Node, value: unknown, path: (string | number)[], depth: number, out: Bounds): void {
  if (out.issues.length >= MAX_ISSUES) return;
  if (typeof value === 'string') {
    const max = branchOf(schema, value)?.maxLength;
    if (typeof max === 'number' && value.length > max) {
      out.oversized = true;
      out.issues.push({
        pointer: pointerOf(...path),
        rule: 'maxLength',
        message: `Must be at most ${max} characters long; this is ${value.length}.`,
      });
    } else if (BAD_CHARACTERS.test(value)) out.issues.push(textCharactersIssue(pointerOf(...path)));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_JSON_DEPTH) {
    out.oversized = true;
    out.issues.push({
      pointer: pointerOf(...path),
      rule: 'json-depth',
      message: `The value nests deeper than ${MAX_JSON_DEPTH} levels; no CELR document nests that deeply.`,
    });
    return;
  }
  const node = branchOf(schema, value);
  if (Array.isArray(value)) {
    const max = node?.maxItems;
    if (typeof max === 'number' && value.length > max) {
      out.oversized = true;
      out.issues.push({
        pointer: pointerOf(...path),
        rule: 'maxItems',
        message: `Must have at most ${max} items; this has ${value.length}.`,
      });
      return;
    }
    const items = typeof node?.items === 'object' ? (node.items as Node) : undefined;
    for (let i = 0; i < value.length && out.issues.length < MAX_ISSUES; i++) {
      path.push(i);
      walk(items, value[i], path, depth + 1, out);
      path.pop();
    }
    return;
  }
  const properties = node?.properties as Record<string, Node> | undefined;
  const additional =
    typeof node?.additionalProperties === 'object' ? (node.additionalProperties as Node) : undefined;
  const object = value as Record<string, unknown>;
  const closed = properties !== undefined && node?.additionalProperties === false;
  for (const key in object) {
    if (out.issues.length >= MAX_ISSUES) return;
    if (!Object.hasOwn(object, key)) continue;
    if (closed && !Object.hasOwn(properties, key) && ++out.unknown > MAX_ISSUES) {
      // Each unknown member costs the schema check time and an issue; past the cap, stop here.
      out.oversized = true;
      out.issues.push({
        pointer: pointerOf(...path),
        rule: 'unknown-property',
        message: `More than ${MAX_ISSUES} members are not properties of their objects.`,
      });
      return;
    }
    path.push(key);
    if (BAD_CHARACTERS.test(key))
      out.issues.push(textCharactersIssue(pointerOf(...path), 'This member name'));
    walk(
      properties && Object.hasOwn(properties, key) ? properties[key] : additional,
      object[key],
      path,
      depth + 1,
      out,
    );
    path.pop();
  }
}

/** At most `MAX_ISSUES` issues; when there were more, a last one says how many were found. */
export function capIssues(issues: ValidationIssue[]): ValidationIssue[] {
  if (issues.length <= MAX_ISSUES) return issues;
  return [
    ...issues.slice(0, MAX_ISSUES),
    {
      pointer: '',
      rule: 'too-many-issues',
      message: `At least ${issues.length} issues were found; only the first ${MAX_ISSUES} are listed. Fix them and validate again.`,
    },
  ];
}
