import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { membersInOrder } from '../src/records/members.js';

/** What membersInOrder should give: the members, parsed, ordered by rank (stable), as JSON text. */
function expected(object: Record<string, unknown>, rank: (key: string) => number): string {
  const keys = Object.keys(object)
    .map((key, index) => ({ key, index }))
    .sort((a, b) => rank(a.key) - rank(b.key) || a.index - b.index);
  return keys.map(({ key }) => `,${JSON.stringify(key)}:${JSON.stringify(object[key])}`).join('');
}

/** The text as PostgreSQL writes a jsonb value: a space after every `:` and `,` between tokens. */
const spaced = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(spaced).join(', ')}]`
    : value !== null && typeof value === 'object'
      ? `{${Object.entries(value)
          .map(([k, v]) => `${JSON.stringify(k)}: ${spaced(v)}`)
          .join(', ')}}`
      : JSON.stringify(value);

// Keys and strings of any UTF-16 (quotes, backslashes, control characters, lone surrogates).
const text = fc.string({ unit: 'binary', maxLength: 12 });
const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<unknown>;
const object = fc.dictionary(text, fc.oneof(json, text), { maxKeys: 12 });
const rankFor = (keys: string[]) => (key: string) => {
  const at = keys.indexOf(key);
  return at === -1 ? 999 : at;
};

describe('membersInOrder', () => {
  it('gives the members of any object in rank order, each value the same JSON text', () => {
    fc.assert(
      fc.property(object, fc.array(text, { maxLength: 6 }), (value, order) => {
        const rank = rankFor(order);
        const members = membersInOrder(JSON.stringify(value), rank);
        expect(members).toBe(expected(value, rank));
        // The members make the same object again.
        expect(JSON.parse(`{${members.slice(1)}}`)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it("reads PostgreSQL's spacing, keeping each value's own text", () => {
    fc.assert(
      fc.property(object, fc.array(text, { maxLength: 6 }), (value, order) => {
        const rank = rankFor(order);
        const members = membersInOrder(spaced(value), rank);
        const again = JSON.parse(`{${members.slice(1)}}`) as Record<string, unknown>;
        expect(again).toEqual(JSON.parse(JSON.stringify(value)));
        expect(members).toBe(
          Object.keys(value)
            .map((key, index) => ({ key, index }))
            .sort((a, b) => rank(a.key) - rank(b.key) || a.index - b.index)
            .map(({ key }) => `,${JSON.stringify(key)}:${spaced(value[key])}`)
            .join(''),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('gives nothing for an empty object, and refuses text that ends inside a value', () => {
    expect(membersInOrder('{}', () => 0)).toBe('');
    expect(membersInOrder('{ }', () => 0)).toBe('');
    expect(() => membersInOrder('{"a": "b', () => 0)).toThrow(SyntaxError);
    expect(() => membersInOrder('{"a": {"b": [1, 2}', () => 0)).toThrow(SyntaxError);
    expect(() => membersInOrder('{"a": 1', () => 0)).toThrow(SyntaxError);
    expect(() => membersInOrder(`{"a"`, () => 0)).toThrow(SyntaxError);
  });

  it('keeps escaped quotes and backslashes inside strings', () => {
    const value = { z: 'say "hi"\\', a: ['\\"', { '"k"': '\\\\' }], m: '}]{[,:' };
    const rank = rankFor(['a', 'm', 'z']);
    expect(membersInOrder(JSON.stringify(value), rank)).toBe(expected(value, rank));
  });
});
