import type { TSchema } from 'typebox';
import { JURISDICTIONS } from './common/primitives.js';
import { Problem, ValidationIssueSchema } from './common/problem.js';
import { records } from './records/index.js';
import { BundleManifest, TransferBundle } from './transfer/bundle.js';

/**
 * Every named schema CELR publishes, in one list: the JSON Schema files, the OpenAPI components
 * and the record reference are all made from it. Schemas refer to each other by name
 * (`{ $ref: 'LearnerInputEngland' }`); each emitter turns names into its own kind of reference.
 */
export interface NamedSchema {
  name: string;
  schema: TSchema;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A union by jurisdiction that refers to its variants by name instead of inlining them. */
function unionOf(base: TSchema, variantName: (j: string) => string): TSchema {
  const { anyOf: _inline, discriminator: _d, ...rest } = base as Record<string, unknown>;
  return {
    ...rest,
    anyOf: JURISDICTIONS.map((j) => ({ $ref: variantName(j) })),
    discriminator: {
      propertyName: 'jurisdiction',
      mapping: Object.fromEntries(JURISDICTIONS.map((j) => [j, variantName(j)])),
    },
  } as TSchema;
}

export function schemaCatalogue(): NamedSchema[] {
  const named: NamedSchema[] = [];
  for (const def of Object.values(records)) {
    for (const j of JURISDICTIONS) {
      named.push({ name: `${def.name}Input${cap(j)}`, schema: def.input[j] });
      named.push({ name: `${def.name}${cap(j)}`, schema: def.record[j] });
    }
    named.push({ name: `${def.name}Input`, schema: unionOf(def.Input, (j) => `${def.name}Input${cap(j)}`) });
    named.push({ name: def.name, schema: unionOf(def.Record, (j) => `${def.name}${cap(j)}`) });
    named.push({ name: `${def.name}Patch`, schema: def.Patch });
  }
  // Problem refers to ValidationIssue by name, so generated clients get one type for both.
  const problem = JSON.parse(JSON.stringify(Problem)) as { properties: { errors: { items: unknown } } };
  problem.properties.errors.items = { $ref: 'ValidationIssue' };
  named.push(
    { name: 'Problem', schema: problem as unknown as TSchema },
    { name: 'ValidationIssue', schema: ValidationIssueSchema },
  );
  named.push(
    { name: 'BundleManifest', schema: BundleManifest },
    { name: 'TransferBundle', schema: bundleByName() },
  );
  return named;
}

/** The bundle with its records referred to by name, as the files and the OpenAPI document want it. */
function bundleByName(): TSchema {
  const { properties: _, ...bundle } = TransferBundle as unknown as Record<string, unknown>;
  const content = TransferBundle.properties.content as unknown as Record<string, unknown>;
  const list = (name: string, key: 'plans' | 'meetings' | 'transitions') => ({
    ...(TransferBundle.properties.content.properties[key] as unknown as Record<string, unknown>),
    items: { $ref: name },
  });
  return {
    ...bundle,
    properties: {
      manifest: { $ref: 'BundleManifest', description: 'Who sends what to whom, and why.' },
      content: {
        ...content,
        properties: {
          learner: { $ref: 'Learner', description: 'The learner, as the sender holds them.' },
          plans: list('Plan', 'plans'),
          meetings: list('Meeting', 'meetings'),
          transitions: list('Transition', 'transitions'),
        },
      },
      // Every signed bundle carries it: without it here, the named schema refused what the API serves.
      signature: TransferBundle.properties.signature,
    },
  } as unknown as TSchema;
}

/** Rewrite every by-name reference (`$ref` and discriminator mappings) with `to(name)`. */
export function rewriteRefs<T>(schema: T, to: (name: string) => string): T {
  if (Array.isArray(schema)) return schema.map((s) => rewriteRefs(s, to)) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string' && !value.includes('/')) out[key] = to(value);
    else if (key === 'discriminator' && typeof value === 'object' && value !== null) {
      const d = value as { propertyName: string; mapping?: Record<string, string> };
      out[key] = {
        ...d,
        ...(d.mapping
          ? { mapping: Object.fromEntries(Object.entries(d.mapping).map(([k, v]) => [k, to(v)])) }
          : {}),
      };
    } else out[key] = rewriteRefs(value, to);
  }
  return out as T;
}

/** File name of a schema in the JSON Schema bundle: `LearnerInputEngland` -> `learner-input-england.schema.json`. */
export const schemaFileName = (name: string) =>
  `${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}.schema.json`;
