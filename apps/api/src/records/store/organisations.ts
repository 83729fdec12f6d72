import { ORGANISATION_SCHEMES } from '@celr/schema';
import type { Prisma } from '../../generated/prisma/client.js';

type Tx = Pick<Prisma.TransactionClient, '$queryRawUnsafe'>;
type Data = Record<string, unknown>;

/** An organisation of the register, as a record's references name it. */
export interface RegisteredOrganisation {
  id: string;
  kind: string;
  name: string;
}

/** The registered organisations a set of records names, by `scheme|code`. */
export type Register = Map<string, RegisteredOrganisation>;

interface Ref {
  scheme: string;
  code: string;
  name?: unknown;
}

const isRef = (v: unknown): v is Ref =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  typeof (v as Ref).scheme === 'string' &&
  typeof (v as Ref).code === 'string' &&
  Object.hasOwn(ORGANISATION_SCHEMES, (v as Ref).scheme);

export const refKey = (ref: { scheme?: string; code?: string }) => `${ref.scheme}|${ref.code}`;

/** Every organisation reference in a record, wherever the schema puts one. */
function collectRefs(value: unknown, into: Ref[]): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, into);
  } else if (typeof value === 'object' && value !== null) {
    if (isRef(value)) into.push(value);
    else for (const v of Object.values(value)) collectRefs(v, into);
  }
}

type RegisterRow = RegisteredOrganisation & {
  laCode: string | null;
  urn: string | null;
  seedCode: string | null;
};

/**
 * Looks up, in one query, the registered organisations the records name by code. Schemes the
 * register has no column for (LAESTAB, vendor names) are not looked up.
 */
export async function registerOf(tx: Tx, records: Data[]): Promise<Register> {
  const params: unknown[] = [];
  const query = registerQuery(records, (value) => {
    params.push(value);
    return `$${params.length}`;
  });
  if (!query) return new Map();
  return registerFrom(await tx.$queryRawUnsafe<RegisterRow[]>(query, ...params));
}

/**
 * The query of registerOf(), to embed in a statement of one's own (`param` adds a parameter and
 * returns its placeholder), or undefined when the records name nothing to look up.
 */
export function registerQuery(records: Data[], param: (value: unknown) => string): string | undefined {
  const refs: Ref[] = [];
  for (const r of records) collectRefs(r, refs);
  if (!refs.length) return undefined;
  const codes = (...schemes: string[]) => [
    ...new Set(refs.filter((r) => schemes.includes(r.scheme)).map((r) => r.code)),
  ];
  const la = codes('la-code', 'council-code');
  const urn = codes('urn');
  const seed = codes('seed-code');
  if (!la.length && !urn.length && !seed.length) return undefined;
  return `SELECT id::text, kind, name, la_code AS "laCode", urn, seed_code AS "seedCode" FROM organisation
     WHERE (kind = 'local-authority' AND la_code = ANY(${param(la)}::text[]))
        OR (kind = 'school' AND (urn = ANY(${param(urn)}::text[]) OR seed_code = ANY(${param(seed)}::text[])))`;
}

/** The register from the rows of registerQuery(). */
export function registerFrom(rows: readonly RegisterRow[]): Register {
  const register: Register = new Map();
  for (const { laCode, urn, seedCode, ...org } of rows) {
    if (laCode) {
      register.set(`la-code|${laCode}`, org);
      register.set(`council-code|${laCode}`, org);
    }
    if (urn) register.set(`urn|${urn}`, org);
    if (seedCode) register.set(`seed-code|${seedCode}`, org);
  }
  return register;
}

/**
 * The record with every reference to a registered organisation carrying the register's name: the
 * name of an organisation comes from its code, never from the writer. A reference to an
 * organisation the register does not hold keeps the name it was written with (there is nothing
 * to check it against). Returns the same object when nothing changes.
 */
export function withRegisteredNames<T>(value: T, register: Register): T {
  if (!register.size) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const n = withRegisteredNames(v, register);
      if (n !== v) changed = true;
      return n;
    });
    return (changed ? out : value) as T;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (isRef(value)) {
    const org = register.get(refKey(value));
    return (org && value.name !== org.name ? { ...value, name: org.name } : value) as T;
  }
  let out: Data | undefined;
  for (const [k, v] of Object.entries(value)) {
    const n = withRegisteredNames(v, register);
    if (n !== v) {
      out ??= { ...(value as Data) };
      out[k] = n;
    }
  }
  return (out ?? value) as T;
}
