/**
 * Property-based tests of the validator: records generated from the schemas (test/support/arbitrary.ts)
 * are valid, and records broken in the ways clients break them are rejected, with issues that
 * point at the broken field, and without the validator ever throwing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JURISDICTIONS, RECORD_KINDS, type RecordKind, records, validate } from '../src/index.js';
import { type Schema, validRecord } from './support/arbitrary.js';

/**
 * Runs per property, kind and jurisdiction: the file runs in a few seconds. Set CELR_PROPERTY_RUNS
 * for a longer hunt, e.g. `CELR_PROPERTY_RUNS=5000 npx vitest run test/properties.test.ts`.
 */
const RUNS = Number(process.env.CELR_PROPERTY_RUNS ?? 100);

type Path = (string | number)[];
type Json = Record<string, unknown>;

const cases = RECORD_KINDS.flatMap((kind) => JURISDICTIONS.map((jurisdiction) => ({ kind, jurisdiction })));

describe.each(cases)('$kind records in $jurisdiction', ({ kind, jurisdiction }) => {
  const schema: object = records[kind].input[jurisdiction];
  const valid = validRecord(kind, jurisdiction);

  it('generated records are valid, and still are after a JSON round trip', () => {
    fc.assert(
      fc.property(valid, (value) => {
        const result = validate(kind, value);
        expect(result.issues).toEqual([]);
        expect(result.ok).toBe(true);
        const copy = JSON.parse(JSON.stringify(value));
        expect(copy).toEqual(value);
        expect(validate(kind, copy).issues).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('unknown properties at any depth are each reported at their pointer, however many', () => {
    const mutated = valid.chain((value) => {
      const objects = [[], ...pathsIn(value)].filter((p) => isObject(at(value, p)) && typed(schema, p));
      const addition = fc.constantFrom(...objects).chain((path) => {
        const known = Object.keys((schemaAt(schema, path)?.properties ?? {}) as Json);
        return fc.record({
          path: fc.constant(path),
          key: unknownKey.filter((k) => !known.includes(k)),
          extra: fc.jsonValue({ maxDepth: 2 }),
        });
      });
      // More than TypeBox's default of 8 errors, so a cap on reported issues would show.
      const additions = fc.uniqueArray(addition, {
        minLength: 1,
        maxLength: 12,
        selector: ({ path, key }) => pointer([...path, key]),
      });
      return fc.record({ value: fc.constant(value), additions });
    });
    fc.assert(
      fc.property(mutated, ({ value, additions }) => {
        const copy = structuredClone(value);
        for (const { path, key, extra } of additions) {
          // defineProperty, so that keys such as __proto__ become own properties, as JSON.parse makes them.
          Object.defineProperty(at(copy, path), key, {
            value: extra,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        const result = validate(kind, copy);
        expect(result.ok).toBe(false);
        for (const { path, key } of additions) {
          expect(result.issues).toContainEqual(
            expect.objectContaining({ pointer: pointer([...path, key]), rule: 'unknown-property' }),
          );
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a missing required property is reported at its pointer', () => {
    const mutated = valid.chain((value) => {
      const required = pathsIn(value).filter((p) => {
        const key = p.at(-1);
        const parent = schemaAt(schema, p.slice(0, -1));
        return typeof key === 'string' && ((parent?.required ?? []) as string[]).includes(key);
      });
      return fc.record({ value: fc.constant(value), path: fc.constantFrom(...required) });
    });
    fc.assert(
      fc.property(mutated, ({ value, path }) => {
        const copy = structuredClone(value);
        delete (at(copy, path.slice(0, -1)) as Json)[path.at(-1) as string];
        const result = validate(kind, copy);
        expect(result.ok).toBe(false);
        expect(result.issues).toContainEqual(
          expect.objectContaining({ pointer: pointer(path), rule: 'required' }),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('a leaf of the wrong JSON type is rejected, with an issue at or around it', () => {
    const mutated = valid.chain((value) => {
      const leaves = pathsIn(value).filter(
        (p) => jsonType(at(value, p)) !== 'object' && jsonType(at(value, p)) !== 'array' && typed(schema, p),
      );
      return fc.constantFrom(...leaves).chain((path) =>
        fc.record({
          value: fc.constant(value),
          path: fc.constant(path),
          replacement: fc.jsonValue().filter((r) => jsonType(r) !== jsonType(at(value, path))),
        }),
      );
    });
    fc.assert(
      fc.property(mutated, ({ value, path, replacement }) => {
        const copy = setAt(structuredClone(value), path, replacement);
        const result = validate(kind, copy);
        expect(result.ok).toBe(false);
        const changed = pointer(path);
        const related = (p: string) =>
          p === changed || changed.startsWith(`${p}/`) || p.startsWith(`${changed}/`);
        expect(result.issues.map((i) => i.pointer).filter((p) => related(p) && p !== '')).not.toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('records with subtrees replaced by any JSON never throw, and every issue points into the value', () => {
    const mutated = valid.chain((value) => {
      const paths = pathsIn(value);
      return fc.record({
        value: fc.constant(value),
        replacements: fc.array(fc.tuple(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 })), {
          minLength: 1,
          maxLength: 3,
        }),
      });
    });
    fc.assert(
      fc.property(mutated, ({ value, replacements }) => {
        let copy: unknown = structuredClone(value);
        for (const [path, replacement] of replacements) copy = setAt(copy, path, replacement);
        expectIssuesInside(kind, copy);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('any JSON value at all', () => {
  it.each(RECORD_KINDS)('validate(%s, value) never throws, and every issue points into the value', (kind) => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expectIssuesInside(kind, value)),
      { numRuns: RUNS * 2 },
    );
  });
});

// -----------------------------------------------------------------------------------------------
// Helpers: JSON paths, pointers and schemas, written here rather than taken from src/validation
// so that the tests do not share the code they check.
// -----------------------------------------------------------------------------------------------

/** Keys that no CELR schema defines, including ones that trip up naive code and JSON pointers. */
const unknownKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a/b', 'x~1', '~', ''),
);

/** Rules that report a member that is absent, at the place it should be. */
const MISSING_MEMBER_RULES = new Set(['required', 'required-when-completed']);

/** Validation never throws; each issue's pointer resolves in the value, or its parent does for a missing member. */
function expectIssuesInside(kind: RecordKind, value: unknown) {
  const result = validate(kind, value);
  if (result.ok) return;
  expect(result.issues.length).toBeGreaterThan(0);
  for (const issue of result.issues) {
    const path = parsePointer(issue.pointer);
    const target = MISSING_MEMBER_RULES.has(issue.rule) ? path.slice(0, -1) : path;
    expect(resolves(value, target), `${issue.pointer} (${issue.rule}) does not resolve`).toBe(true);
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every location in a JSON value except the root. */
function pathsIn(value: unknown, path: Path = []): Path[] {
  const children: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isObject(value)
      ? Object.entries(value)
      : [];
  return children.flatMap(([key, child]) => [[...path, key], ...pathsIn(child, [...path, key])]);
}

function at(value: unknown, path: Path): unknown {
  let node = value;
  for (const key of path) node = typeof node === 'object' && node !== null ? (node as Json)[key] : undefined;
  return node;
}

/** Replace the value at `path`; the root when the path is empty; nothing when the parent is gone. */
function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const parent = at(value, path.slice(0, -1)) as Json | undefined;
  if (typeof parent === 'object' && parent !== null) parent[path.at(-1)!] = replacement;
  return value;
}

/**
 * Whether every step of the path has a schema with a type. Below a schema without one (a review
 * item's `value`, which holds whatever was sent) any JSON is valid, so mutations there prove nothing.
 */
function typed(schema: object, path: Path): boolean {
  for (let i = 1; i <= path.length; i++) {
    const node = schemaAt(schema, path.slice(0, i));
    if (node && node.type === undefined && !('anyOf' in node) && !('enum' in node) && !('const' in node))
      return false;
  }
  return true;
}

/** The schema of the value at `path`, following `properties` and `items`. */
function schemaAt(schema: object, path: Path): Schema | undefined {
  let node = schema as Schema | undefined;
  for (const key of path) {
    node = typeof key === 'number' ? (node?.items as Schema) : ((node?.properties as Json)?.[key] as Schema);
  }
  return node;
}

/** RFC 6901: `~` is written `~0` and `/` is written `~1`. */
const pointer = (path: Path) =>
  path.map((k) => `/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
const parsePointer = (p: string): string[] =>
  p === ''
    ? []
    : p
        .slice(1)
        .split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));

function resolves(value: unknown, tokens: string[]): boolean {
  let node = value;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= node.length) return false;
      node = node[Number(token)];
    } else if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else return false;
  }
  return true;
}
