import { type CodeListId, findDescriptor } from '../code-lists/index.js';
import { codesFor } from '../common/code.js';
import type { Jurisdiction } from '../common/primitives.js';
import { records } from '../records/index.js';
import { pointerOf } from '../validation/issue.js';
import { CROSSWALK, SAME_LIST_CROSSWALK } from './crosswalk.js';

type Json = Record<string, unknown>;
type Path = (string | number)[];

export interface ReviewItem {
  pointer: string;
  value: unknown;
  list?: string;
  label?: string;
  reason: string;
  raisedOn: string;
}

export interface Conversion {
  /** The learner's fields, in the target jurisdiction. */
  value: Json;
  /** Codes replaced by their counterpart. */
  mapped: { pointer: string; from: string; to: string; list: string }[];
  /** Values set aside, also appended to `value.review`. */
  review: ReviewItem[];
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  'x-code-list'?: CodeListId;
}

/**
 * Move a learner's fields from one nation's code lists to the other's. A code with a counterpart
 * (see crosswalk.ts) is replaced; one without is removed from its field, with the smallest
 * enclosing part the schema lets go of (the field itself when optional, otherwise the object or
 * list item holding it), and kept unchanged in `review` with its original place, list and label.
 * Nothing is dropped.
 */
export function convertLearner(input: Json, to: Jurisdiction, today: string): Conversion {
  const from = input.jurisdiction as Jurisdiction;
  const value = structuredClone(input);
  value.jurisdiction = to;
  const conversion: Conversion = { value, mapped: [], review: [] };
  if (from === to) return conversion;
  const removals: { path: Path; list: CodeListId; code: string }[] = [];
  const source = records.learner.input[from] as unknown as SchemaNode;
  const target = records.learner.input[to] as unknown as SchemaNode;

  const walk = (
    node: unknown,
    s: SchemaNode | undefined,
    t: SchemaNode | undefined,
    path: Path,
    parents: { s: SchemaNode; key: string | number }[],
  ) => {
    if (!s || !t) return;
    const sourceList = s['x-code-list'];
    const targetList = t['x-code-list'];
    if (sourceList && targetList && typeof node === 'string') {
      if (codesFor(targetList, to).includes(node)) return;
      const counterpart =
        sourceList === targetList
          ? SAME_LIST_CROSSWALK[sourceList]?.[node]
          : CROSSWALK[sourceList]?.to === targetList
            ? CROSSWALK[sourceList]?.codes[node]
            : undefined;
      if (counterpart && codesFor(targetList, to).includes(counterpart)) {
        setAt(value, path, counterpart);
        conversion.mapped.push({
          pointer: pointerOf(...path),
          from: node,
          to: counterpart,
          list: targetList,
        });
        return;
      }
      removals.push({ path: removablePath(path, parents), list: sourceList, code: node });
      return;
    }
    if (Array.isArray(node) && s.items && t.items) {
      for (const [i, item] of node.entries())
        walk(item, s.items, t.items, [...path, i], [...parents, { s, key: i }]);
    } else if (node && typeof node === 'object' && s.properties && t.properties) {
      for (const [key, child] of Object.entries(node as Json)) {
        walk(child, s.properties[key], t.properties[key], [...path, key], [...parents, { s, key }]);
      }
    }
  };
  walk(input, source, target, [], []);

  // Remove from the end of the document first, so that list indices still name what was sent.
  const unique = new Map(removals.map((r) => [pointerOf(...r.path), r]));
  const ordered = [...unique.values()].sort((a, b) => comparePaths(b.path, a.path));
  for (const removal of ordered) {
    if (ordered.some((other) => other !== removal && isPrefix(other.path, removal.path))) continue;
    const original = getAt(input, removal.path);
    removeAt(value, removal.path);
    const descriptor = findDescriptor(removal.list, removal.code);
    conversion.review.push({
      pointer: pointerOf(...removal.path),
      value: original,
      list: removal.list,
      ...(descriptor?.label !== undefined ? { label: descriptor.label } : {}),
      reason: `'${removal.code}' (${removal.list}) has no counterpart in ${to}'s code lists; choose the ${to} code and remove this item.`,
      raisedOn: today,
    });
  }
  // Report in the order the values stood in the sending record.
  const order = documentOrder(input);
  conversion.review.sort((a, b) => (order.get(a.pointer) ?? 0) - (order.get(b.pointer) ?? 0));
  if (conversion.review.length)
    value.review = [...((value.review as ReviewItem[] | undefined) ?? []), ...conversion.review];
  return conversion;
}

/** The path to remove so that the record stays valid: the field, or the nearest optional part holding it. */
function removablePath(path: Path, parents: { s: SchemaNode; key: string | number }[]): Path {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = parents[depth - 1]!;
    const key = path[depth - 1]!;
    if (typeof key === 'number' || !parent.s.required?.includes(key)) return path.slice(0, depth);
  }
  return path.slice(0, 1);
}

function documentOrder(root: unknown): Map<string, number> {
  const order = new Map<string, number>();
  const visit = (node: unknown, path: Path) => {
    order.set(pointerOf(...path), order.size);
    if (Array.isArray(node)) for (const [i, child] of node.entries()) visit(child, [...path, i]);
    else if (node && typeof node === 'object')
      for (const [k, child] of Object.entries(node)) visit(child, [...path, k]);
  };
  visit(root, []);
  return order;
}

const isPrefix = (prefix: Path, path: Path) =>
  prefix.length < path.length && prefix.every((p, i) => p === path[i]);
function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return typeof a[i] === 'number' && typeof b[i] === 'number'
      ? (a[i] as number) - (b[i] as number)
      : String(a[i]).localeCompare(String(b[i]));
  }
  return a.length - b.length;
}
function getAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (node, key) => (node as Record<string | number, unknown> | undefined)?.[key],
    root,
  );
}
function setAt(root: Json, path: Path, v: unknown) {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1)!] = v;
}
function removeAt(root: Json, path: Path) {
  const parent = getAt(root, path.slice(0, -1));
  const key = path.at(-1)!;
  if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
  else if (parent && typeof parent === 'object') delete (parent as Json)[key as string];
}
