import Type, { type TProperties, type TSchema } from 'typebox';
import { RecordMeta } from '../common/parts.js';
import { JURISDICTIONS, type Jurisdiction, RecordId } from '../common/primitives.js';

export const RECORD_KINDS = ['learner', 'plan', 'meeting', 'transition'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A record type in the four shapes a client meets: the input it sends (create and replace),
 * the merge patch it may send instead, and the record the API returns. Input and record exist
 * once per jurisdiction, because code lists differ by nation, and as a union discriminated by
 * `jurisdiction`, so TypeScript narrows on it and generated clients get one type per nation.
 */
export function defineRecord<E extends TProperties, S extends TProperties>(
  kind: RecordKind,
  description: string,
  fields: { england: E; scotland: S },
) {
  const name = pascal(kind);
  const inputOf = <P extends TProperties>(j: Jurisdiction, props: P) =>
    Type.Object(props, {
      additionalProperties: false,
      title: `${name}Input${pascal(j)}`,
      description: `${description} What a client sends to create or replace a ${kind} in ${pascal(j)}.`,
    });
  const recordOf = <P extends TProperties>(j: Jurisdiction, props: P) =>
    Type.Object(
      { id: RecordId, meta: RecordMeta, ...props },
      {
        additionalProperties: false,
        title: `${name}${pascal(j)}`,
        description: `${description} A ${kind} in ${pascal(j)} as the API returns it.`,
      },
    );
  const input = {
    england: inputOf('england', fields.england),
    scotland: inputOf('scotland', fields.scotland),
  };
  const record = {
    england: recordOf('england', fields.england),
    scotland: recordOf('scotland', fields.scotland),
  };
  const discriminator = (suffix: string) => ({
    propertyName: 'jurisdiction',
    mapping: Object.fromEntries(JURISDICTIONS.map((j) => [j, `${name}${suffix}${pascal(j)}`])),
  });
  return {
    kind,
    name,
    description,
    input,
    record,
    Input: Type.Union([input.england, input.scotland], {
      title: `${name}Input`,
      description: `${description} What a client sends to create or replace it; \`jurisdiction\` selects the nation's code lists.`,
      discriminator: discriminator('Input'),
    }),
    Record: Type.Union([record.england, record.scotland], {
      title: name,
      description,
      discriminator: discriminator(''),
    }),
    Patch: mergePatchSchema(name, input.england.properties, input.scotland.properties),
  };
}

/**
 * A JSON merge patch (RFC 7396) of a record's input. Any member may be set to `null` to remove it.
 * The patch is applied to the stored record and the result validated as a whole input, so this
 * schema only describes the top level: members that differ by jurisdiction keep their JSON type.
 */
function mergePatchSchema(name: string, england: TProperties, scotland: TProperties) {
  const properties: Record<string, TSchema> = {};
  for (const key of Object.keys(england)) {
    const a = england[key] as TSchema & { description?: string; type?: string };
    const b = scotland[key] as TSchema | undefined;
    const same = b !== undefined && JSON.stringify(a) === JSON.stringify(b);
    const base: TSchema = same ? stripOptional(a) : (eitherNation(a as never, b as never) as TSchema);
    properties[key] = {
      anyOf: [mergePatchMember(base as never), { type: 'null' }],
      description: a.description,
    } as unknown as TSchema;
  }
  return Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    title: `${name}Patch`,
    description: `A JSON merge patch (RFC 7396) for a ${name.toLowerCase()}: members present replace the stored ones, \`null\` removes one. The merged result must be a valid ${name}Input.`,
    properties,
    additionalProperties: false,
    minProperties: 1,
  });
}

type Json = Record<string, unknown>;
const keysOf = (schema: unknown) => Object.keys((schema as Json | undefined)?.properties ?? {}).join();

/**
 * A member whose schema differs by jurisdiction (its code lists differ) is described as either
 * nation's: a list's items and an object as one of the two shapes, which have the same members,
 * so that generated clients get their types and every array its `items`. A string keeps its type
 * and bound. The merged record is then validated in full, in its own jurisdiction.
 */
function eitherNation(england: TSchema & Json, scotland: (TSchema & Json) | undefined): Json {
  const type = (england.type as string | undefined) ?? 'string';
  const description = england.description;
  const both = (a: unknown, b: unknown): Json =>
    JSON.stringify(a) === JSON.stringify(b) ? (a as Json) : { anyOf: [a, b] };
  if (type === 'array' && scotland?.type === 'array' && keysOf(england.items) === keysOf(scotland.items))
    return { type, description, maxItems: england.maxItems, items: both(england.items, scotland.items) };
  if (type === 'object' && scotland?.type === 'object' && keysOf(england) === keysOf(scotland))
    return { ...both(stripOptional(england), stripOptional(scotland)), description };
  return {
    type,
    description,
    ...(type === 'string' ? { maxLength: (england.maxLength as number | undefined) ?? 200 } : {}),
    ...(type === 'array' ? { maxItems: england.maxItems, items: {} } : {}),
  };
}

/**
 * A member as a merge patch may send it. RFC 7396 merges an object member into the stored one, so
 * `{"name":{"preferred":"Con"}}` changes the preferred name and keeps the rest: within an object,
 * nothing is required and any member may be `null` (removed). A list is replaced whole, so its
 * items keep their schema. Described as the whole object, validating proxies and generated clients
 * refused (or made clients send) the members a patch leaves alone.
 */
function mergePatchMember(schema: Json): Json {
  if (Array.isArray(schema.anyOf))
    return { ...schema, anyOf: schema.anyOf.map((s) => mergePatchMember(s as Json)) };
  if (schema.type !== 'object' || typeof schema.properties !== 'object' || schema.properties === null)
    return schema;
  const { required: _required, ...rest } = schema;
  return {
    ...rest,
    properties: Object.fromEntries(
      Object.entries(schema.properties as Record<string, Json>).map(([key, member]) => [
        key,
        {
          anyOf: [mergePatchMember(stripOptional(member as never) as never), { type: 'null' }],
          ...(member.description ? { description: member.description } : {}),
        },
      ]),
    ),
  };
}

function stripOptional(schema: TSchema): TSchema {
  const copy = { ...(schema as Record<string, unknown>) };
  delete copy['~optional'];
  return copy as TSchema;
}
