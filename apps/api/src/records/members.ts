/**
 * The top-level members of a JSON object's text, reordered, without parsing it: what the export does
 * to a stored record's text (`data::text`, as PostgreSQL writes a jsonb value) to return its fields
 * in the schema's order (representation.ts, presentedText; lists leave it to PostgreSQL, and it says
 * why). Parsing and serialising a 2 KB learner again costs Node about 30 µs, and sorting its members
 * in SQL (jsonb_each, string_agg) cost PostgreSQL as much; finding where each member starts and ends
 * is a scan of the text, 7 to 13 µs.
 *
 * The text must be a JSON object as JSON.stringify or PostgreSQL writes it: valid JSON, whitespace
 * only between tokens. Each member is returned as it stands in the text (`"key": value`'s key and
 * value, the separator made `:`), so the values are the same JSON text byte for byte.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The index after the string that opens at `at` (its closing quote included). */
function afterString(text: string, at: number): number {
  let quote = text.indexOf('"', at + 1);
  while (quote !== -1) {
    // A quote preceded by an odd number of backslashes is escaped.
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  throw new SyntaxError('Unterminated string in JSON text');
}

/** The index after the value that starts at `at`. */
function afterValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return afterString(text, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number, true, false or null: up to the next separator.
    let i = at;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = afterString(text, i) - 1;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
  }
  throw new SyntaxError('Unterminated object or array in JSON text');
}

/**
 * What the scan found of each member, six numbers a member in one array that every call reuses:
 * its rank, its place in the text, where its key starts and ends, where its value starts and ends.
 * Not an object and three strings a member: fifty learners have seven hundred members, and with
 * those the garbage collector's share of a profile of lists made this way went from 11 to 19 %.
 */
const found: number[] = [];
const WIDTH = 6;
const order: number[] = [];

/**
 * The members of the object `text` as `,"key":value` each, concatenated, ordered by `rank(key)`
 * (lower first; members of equal rank keep their order in the text). Empty for `{}`.
 */
export function membersInOrder(text: string, rank: (key: string) => number): string {
  found.length = 0;
  let i = text.indexOf('{') + 1;
  for (;;) {
    while (i < text.length && (isSpace(text.charCodeAt(i)) || text.charCodeAt(i) === COMMA)) i++;
    if (i >= text.length) throw new SyntaxError('Unterminated object in JSON text');
    if (text.charCodeAt(i) === CLOSE_BRACE) break;
    const keyStart = i;
    i = afterString(text, i);
    const keyEnd = i;
    while (i < text.length && text.charCodeAt(i) !== COLON) i++;
    if (i >= text.length) throw new SyntaxError('A member without a value in JSON text');
    i++;
    while (isSpace(text.charCodeAt(i))) i++;
    const valueStart = i;
    i = afterValue(text, i);
    // Keys of the schema are plain names; one with an escape is read as JSON.
    const key = text.slice(keyStart + 1, keyEnd - 1);
    const rankOfKey = rank(key.includes('\\') ? (JSON.parse(text.slice(keyStart, keyEnd)) as string) : key);
    found.push(rankOfKey, found.length / WIDTH, keyStart, keyEnd, valueStart, i);
  }
  // Insertion sort of the members by rank, then place: a record has a few dozen members at most.
  const count = found.length / WIDTH;
  order.length = 0;
  for (let m = 0; m < count; m++) {
    let at = order.length;
    while (at > 0 && found[order[at - 1]! * WIDTH]! > found[m * WIDTH]!) at--;
    order.splice(at, 0, m);
  }
  let out = '';
  for (const m of order) {
    const f = m * WIDTH;
    out += `,${text.slice(found[f + 2], found[f + 3])}:${text.slice(found[f + 4], found[f + 5])}`;
  }
  return out;
}
