/**
 * fast-check arbitraries derived from CELR's schemas.
 *
 * `arbitraryOf(schema)` reads a TypeBox / JSON Schema object and returns an arbitrary of values
 * that the schema accepts. It covers the keywords CELR's schemas use, and throws on any other so
 * that a new keyword is noticed rather than silently ignored.
 *
 * JSON Schema cannot say everything CELR checks (check letters, dates against each other, sums),
 * so `validRecord(kind, jurisdiction)` adds a small fix-up per kind that makes a generated record
 * satisfy the rules in src/validation/rules.ts as well.
 */
import fc from 'fast-check';
import { LA_CHILD_ID_AUTHORITY_PATTERN, LA_CHILD_ID_SYSTEM } from '../../src/common/identifier.js';
import type { Jurisdiction } from '../../src/common/primitives.js';
import { upnCheckLetter } from '../../src/identifiers/upn.js';
import { type RecordKind, records } from '../../src/records/index.js';

/** A schema as a plain object: TypeBox schemas are JSON Schema objects. */
export type Schema = Readonly<Record<string, unknown>>;
type Json = Record<string, unknown>;

export interface DeriveOptions {
  /** Range of `format: date` and `format: date-time` values, inclusive (ISO dates). */
  dates: { min: string; max: string };
  /** Arrays get at most this many items, whatever `maxItems` allows, to keep runs fast. */
  maxItems: number;
  /** Free text gets at most this many characters, whatever `maxLength` allows. */
  maxTextLength: number;
  /**
   * Arbitraries that replace the derived one at a location, by JSON pointer from the root;
   * array items are `*` (e.g. `/attendance/*\/period`).
   */
  overrides: Record<string, fc.Arbitrary<unknown>>;
}

export const defaultOptions: DeriveOptions = {
  dates: { min: '2000-01-01', max: '2020-12-31' },
  maxItems: 3,
  maxTextLength: 12,
  overrides: {},
};

class UnsupportedSchema extends Error {}
const unsupported = (path: string, what: string): never => {
  throw new UnsupportedSchema(`arbitraryOf: ${what} at '${path || '/'}' is not supported`);
};

/**
 * An arbitrary of values the schema accepts, or `undefined` when no value does (e.g. `enum: []`).
 */
export function arbitraryOf(
  schemaObject: object,
  options: Partial<DeriveOptions> = {},
  path = '',
): fc.Arbitrary<unknown> | undefined {
  const schema = schemaObject as Schema;
  const opts = { ...defaultOptions, ...options };
  const override = opts.overrides[path];
  if (override) return override;

  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.length ? fc.constantFrom(...schema.enum) : undefined;
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf.map((s) => arbitraryOf(s as Schema, opts, path));
    const satisfiable = branches.filter((b): b is fc.Arbitrary<unknown> => b !== undefined);
    return satisfiable.length ? fc.oneof(...satisfiable) : undefined;
  }
  if ('$ref' in schema) return unsupported(path, '$ref');

  switch (schema.type) {
    case 'object':
      return objectArbitrary(schema, opts, path);
    case 'array':
      return arrayArbitrary(schema, opts, path);
    case 'string':
      return stringArbitrary(schema, opts, path);
    case 'integer':
    case 'number':
      return numberArbitrary(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case undefined:
      // No type at all (TypeBox's Unknown): any JSON value is allowed.
      // Normalised through JSON, as values arriving over HTTP are (fast-check may produce -0).
      return fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    default:
      return unsupported(path, `type ${JSON.stringify(schema.type)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Objects, with `oneOf` variants tagged by a `const` property (and at most one for every other value)
// ---------------------------------------------------------------------------------------------

/** A `oneOf` variant `{ properties: { p: { const: c }, ...constraints } }`. */
interface Conditional {
  property: string;
  value: unknown;
  /** The variant's other property schemas, which add to the object's own. */
  constraints: Record<string, Schema>;
}

/**
 * The tagged variants of an object's `oneOf`. The variant with no constant, when there is one,
 * must only say that its tag is none of the others' (`not: { enum }`): it is the object with any
 * other tag, which `objectArbitrary` generates as the rest.
 */
function conditionalsOf(schema: Schema, path: string): Conditional[] {
  if ('allOf' in schema || 'if' in schema) return unsupported(path, 'allOf or if/then');
  const conditionals: Conditional[] = [];
  for (const variant of (schema.oneOf ?? []) as Schema[]) {
    const properties = (variant.properties ?? {}) as Record<string, Schema>;
    const tags = Object.entries(properties).filter(([, p]) => 'const' in p);
    if (tags.length === 1) {
      const [[property, tag]] = tags as [[string, Schema]];
      const { [property]: _, ...constraints } = properties;
      conditionals.push({ property, value: tag.const, constraints });
      continue;
    }
    const rest = Object.values(properties);
    const onlyExcludes =
      tags.length === 0 &&
      rest.length === 1 &&
      Object.keys(rest[0]!).every((k) => ['type', 'maxLength', 'not', 'description'].includes(k));
    if (!onlyExcludes) return unsupported(path, 'a oneOf variant without one const tag');
  }
  return conditionals;
}

function objectArbitrary(schema: Schema, opts: DeriveOptions, path: string) {
  if (schema.additionalProperties !== false) return unsupported(path, 'an object open to any property');
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const conditionals = conditionalsOf(schema, path);
  const discriminators = new Set(conditionals.map((c) => c.property));
  if (discriminators.size > 1) return unsupported(path, 'oneOf tagged by more than one property');
  const [discriminator] = discriminators;
  if (discriminator === undefined) return recordOf(properties, required, opts, path);

  // One branch per variant, with its constraints added to the base property schemas...
  const branches = conditionals.map(({ value, constraints }) => {
    const narrowed: Record<string, Schema> = { ...properties, [discriminator]: { const: value } };
    for (const [key, extra] of Object.entries(constraints)) narrowed[key] = { ...properties[key], ...extra };
    return recordOf(narrowed, new Set([...required, discriminator]), opts, path);
  });
  // ...and one where no variant's tag holds: the tag takes any other value (none, for a scheme
  // whose every value has its variant).
  const values = conditionals.map((c) => c.value);
  const base = properties[discriminator] ?? {};
  const rest = Array.isArray(base.enum)
    ? recordOf(
        { ...properties, [discriminator]: { ...base, enum: base.enum.filter((v) => !values.includes(v)) } },
        required,
        opts,
        path,
      )
    : recordOf(properties, required, opts, path)?.filter((o) => !values.includes(o[discriminator]));
  const arbitraries = [...branches, rest].filter((a): a is fc.Arbitrary<Json> => a !== undefined);
  return arbitraries.length ? fc.oneof(...arbitraries) : undefined;
}

function recordOf(
  properties: Record<string, Schema>,
  required: Set<string>,
  opts: DeriveOptions,
  path: string,
): fc.Arbitrary<Json> | undefined {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) {
    const arbitrary = arbitraryOf(property, opts, `${path}/${key}`);
    if (arbitrary) model[key] = arbitrary;
    else if (required.has(key)) return undefined; // a required property no value satisfies
  }
  return fc.record(model, {
    requiredKeys: Object.keys(model).filter((k) => required.has(k)),
    noNullPrototype: true,
  });
}

// ---------------------------------------------------------------------------------------------
// Arrays, strings, numbers
// ---------------------------------------------------------------------------------------------

function arrayArbitrary(schema: Schema, opts: DeriveOptions, path: string) {
  if (typeof schema.items !== 'object' || schema.items === null)
    return unsupported(path, 'array without items');
  const items = arbitraryOf(schema.items as Schema, opts, `${path}/*`);
  const minLength = (schema.minItems as number | undefined) ?? 0;
  if (!items) return minLength === 0 ? fc.constant([]) : undefined;
  const maxLength = Math.min((schema.maxItems as number | undefined) ?? opts.maxItems, opts.maxItems);
  return fc.array(items, { minLength, maxLength: Math.max(minLength, maxLength) });
}

/** JSON Schema counts string length in code points, not UTF-16 units. */
const codePoints = (s: string) => [...s].length;

function stringArbitrary(schema: Schema, opts: DeriveOptions, path: string): fc.Arbitrary<string> {
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = (schema.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY;
  const fits = (s: string) => codePoints(s) >= minLength && codePoints(s) <= maxLength;

  if (typeof schema.format === 'string') {
    // A pattern beside a format narrows it (e.g. date-times without RFC 9557 suffixes): generate
    // from the format and keep what the pattern accepts.
    const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined;
    return formatArbitrary(schema.format, opts, path).filter((s) => fits(s) && (!pattern || pattern.test(s)));
  }
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  return fc
    .string({
      unit: 'grapheme',
      minLength,
      maxLength: Math.max(minLength, Math.min(maxLength, opts.maxTextLength)),
    })
    .filter(fits);
}

function formatArbitrary(format: string, opts: DeriveOptions, path: string): fc.Arbitrary<string> {
  switch (format) {
    case 'date':
      return dateArbitrary(opts.dates.min, opts.dates.max);
    case 'date-time':
      return dateTimeArbitrary(opts.dates.min, opts.dates.max);
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
    case 'uri':
      return fc.webUrl();
    default:
      return unsupported(path, `format '${format}'`);
  }
}

function numberArbitrary(schema: Schema): fc.Arbitrary<number> {
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  // fast-check takes an absent bound as "no bound", but not an explicit undefined.
  const bounds = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  if (schema.type === 'integer') return fc.integer(bounds);
  // JSON has no -0 that survives a round trip (JSON.stringify(-0) is "0"), so none is generated.
  return fc
    .double({ ...bounds, noNaN: true, noDefaultInfinity: true })
    .map((n) => (Object.is(n, -0) ? 0 : n));
}

const DAY = 86_400_000;
const utc = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`);

/** ISO calendar dates (`YYYY-MM-DD`) from `min` to `max`, inclusive. */
export function dateArbitrary(min: string, max: string): fc.Arbitrary<string> {
  return fc
    .integer({ min: utc(min) / DAY, max: utc(max) / DAY })
    .map((day) => new Date(day * DAY).toISOString().slice(0, 10));
}

/**
 * RFC 3339 date-times from `min` to `max`, in UTC (`Z`) or with an offset, with or without
 * milliseconds, as MIS exports write them. The local date is what the rules compare.
 */
export function dateTimeArbitrary(min: string, max: string): fc.Arbitrary<string> {
  const offsets = [0, 0, 60, -300, 330]; // minutes east of UTC
  return fc
    .tuple(fc.integer({ min: utc(min), max: utc(max) + DAY - 1 }), fc.constantFrom(...offsets), fc.boolean())
    .map(([ms, offset, millis]) => {
      // Write the local time for that offset; the date part is kept in range by clamping.
      const local = Math.min(Math.max(ms + offset * 60_000, utc(min)), utc(max) + DAY - 1);
      const time = new Date(local).toISOString().slice(0, millis ? 23 : 19);
      if (offset === 0) return `${time}Z`;
      const sign = offset > 0 ? '+' : '-';
      const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
      const mm = String(Math.abs(offset) % 60).padStart(2, '0');
      return `${time}${sign}${hh}:${mm}`;
    });
}

// ---------------------------------------------------------------------------------------------
// CELR records: the schema-derived arbitrary plus the rules JSON Schema cannot express
// ---------------------------------------------------------------------------------------------

/** Dates of birth come from before the range of every other date, so no date precedes birth. */
export const DATE_OF_BIRTH_RANGE = { min: '1985-01-01', max: '1999-12-31' };

/** Valid input records of one kind and jurisdiction, as a client would send them. */
export function validRecord(kind: RecordKind, jurisdiction: Jurisdiction): fc.Arbitrary<Json> {
  const overrides: Record<string, fc.Arbitrary<unknown>> = kind === 'learner'
    ? { '/dateOfBirth': dateArbitrary(DATE_OF_BIRTH_RANGE.min, DATE_OF_BIRTH_RANGE.max) }
    : {};
  const arbitrary = arbitraryOf(records[kind].input[jurisdiction], { overrides });
  if (!arbitrary) throw new Error(`No ${kind} in ${jurisdiction} satisfies the schema`);
  return arbitrary.map((value) => {
    const record = value as Json;
    fixUps[kind](record);
    fixPeriods(record);
    return record;
  });
}

/**
 * Per-kind fix-ups, each naming the rule of src/validation/rules.ts it satisfies. They change
 * the generated value in place. Rules that the date ranges already satisfy are only noted:
 * every date is in 2000-2020, so none is in the future (`date-not-in-future`, including a held
 * meeting), and dates of birth are before 2000, so nothing precedes birth (`date-order`).
 */
const fixUps: Record<RecordKind, (record: Json) => void> = {
  learner(record) {
    const jurisdiction = record.jurisdiction as Jurisdiction;
    if (Array.isArray(record.identifiers))
      record.identifiers = fixIdentifiers(record.identifiers, jurisdiction);
    // `jurisdiction-mismatch`: the responsible authority is named by the nation's own scheme.
    const authority = record.responsibleAuthority as Json;
    const code = String(authority.code);
    if (jurisdiction === 'england' && authority.scheme !== 'la-code') {
      Object.assign(authority, { scheme: 'la-code', code: code.slice(-3) });
    }
    if (jurisdiction === 'scotland' && authority.scheme !== 'council-code') {
      Object.assign(authority, { scheme: 'council-code', code: `S12000${code.slice(-3)}` });
    }
    // `attendance-sessions`: attended and absent sessions never add up to more than possible.
    for (const summary of (record.attendance ?? []) as Json[]) {
      let left = summary.possibleSessions as number;
      for (const key of ['attendedSessions', 'authorisedAbsenceSessions', 'unauthorisedAbsenceSessions']) {
        summary[key] = Math.min(summary[key] as number, left);
        left -= summary[key] as number;
      }
    }
  },
  plan(record) {
    // `date-order`: a review is not due before the plan starts.
    const start = (record.period as Json).start as string;
    if (typeof record.reviewDue === 'string' && record.reviewDue < start) record.reviewDue = start;
  },
  meeting(record) {
    // `date-order`: the next meeting is not due before this one.
    const day = (record.scheduledFor as string).slice(0, 10);
    if (typeof record.nextMeetingDue === 'string' && record.nextMeetingDue < day) record.nextMeetingDue = day;
  },
  transition(record) {
    // `required-when-completed`: a completed transition says when it happened.
    if (record.status === 'completed' && record.actualDate === undefined) {
      record.actualDate = record.plannedDate ?? '2010-09-01';
    }
  },
};

function fixIdentifiers(identifiers: Json[], jurisdiction: Jurisdiction): Json[] {
  const seen = new Set<unknown>();
  const fixed: Json[] = [];
  for (const identifier of identifiers) {
    const value = identifier.value as string;
    // `upn-check-letter`: the first letter is the DfE check letter of the other twelve.
    if (identifier.system === 'upn') identifier.value = upnCheckLetter(value) + value.slice(1);
    // `uln-check-digit`: the last digit is the check digit of the first nine.
    if (identifier.system === 'uln') identifier.value = withUlnCheckDigit(value);
    // `nhs-number-check-digit`: the last digit is the modulus 11 check digit of the first nine.
    if (identifier.system === 'nhs-number') identifier.value = withNhsCheckDigit(value);
    // `la-child-id-authority`: an authority's child id names the authority by its code.
    const la = LA_CHILD_ID_SYSTEM.exec(identifier.system as string);
    if (la && !LA_CHILD_ID_AUTHORITY_PATTERN.test(la[1] ?? '')) {
      identifier.system = `la-child-id:${jurisdiction === 'england' ? '990' : 'S12000099'}`;
    }
    // `identifier-unique-system`: at most one value per system.
    if (seen.has(identifier.system)) continue;
    seen.add(identifier.system);
    fixed.push(identifier);
  }
  return fixed;
}

/** A ULN with its check digit: weights 10..2 over the first nine digits, 10 - (sum mod 11). */
function withUlnCheckDigit(uln: string): string {
  const digits = [...uln.slice(0, 9)].map(Number);
  const remainder = () => digits.reduce((sum, d, i) => sum + d * (10 - i), 0) % 11;
  // A remainder of 0 has no check digit; changing the ninth digit (weight 2) changes it.
  if (remainder() === 0) digits[8] = ((digits[8] ?? 0) + 1) % 10;
  return `${digits.join('')}${10 - remainder()}`;
}

/** An NHS number with its check digit; first nine digits whose check would be 10 are moved off it. */
function withNhsCheckDigit(nhsNumber: string): string {
  const digits = [...nhsNumber.slice(0, 9)].map(Number);
  const check = () => 11 - (digits.reduce((sum, d, i) => sum + d * (10 - i), 0) % 11);
  // Changing the ninth digit (weight 2) changes the sum, so the check is no longer 10.
  if (check() === 10) digits[8] = ((digits[8] ?? 0) + 1) % 10;
  return `${digits.join('')}${check() % 11}`;
}

/** `period-order`: every `{ start, end }` anywhere in the record ends on or after its start. */
function fixPeriods(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const o = value as Json;
  if (typeof o.start === 'string' && typeof o.end === 'string' && o.end < o.start) {
    [o.start, o.end] = [o.end, o.start];
  }
  for (const child of Object.values(o)) fixPeriods(child);
}
