/**
 * The demo organisations: fictional authorities, schools and a vendor. LA codes 990 and 991, council
 * code S12000099, URNs 99000x/99001x and SEED codes 59990xx are not allocated to real organisations.
 */
import { exampleAuthorities } from '@celr/schema';
import { createOrganisation, type NewOrganisation } from '../admin/organisations.js';
import type { Database } from '../db/database.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export type OrgKey =
  | 'northbridge'
  | 'eastmere'
  | 'glenmoray'
  | 'eastmerePark'
  | 'northbridgePrimary'
  | 'glenmorayHigh'
  | 'glenmorayPrimary'
  | 'vendor'
  | 'operator';

/** An organisation as createOrganisation takes it, with its authority named by key. */
export interface DemoOrganisation extends Omit<NewOrganisation, 'authorityId'> {
  /** The authority a school sits in. */
  authority?: OrgKey;
}

/** The demo organisations, in the order they are created (authorities before their schools). */
export const DEMO_ORGANISATIONS: Record<OrgKey, DemoOrganisation> = {
  northbridge: {
    kind: 'local-authority',
    name: exampleAuthorities.england.name,
    jurisdiction: 'england',
    laCode: exampleAuthorities.england.code,
  },
  eastmere: {
    kind: 'local-authority',
    name: 'Eastmere County Council',
    jurisdiction: 'england',
    laCode: '991',
  },
  glenmoray: {
    kind: 'local-authority',
    name: exampleAuthorities.scotland.name,
    jurisdiction: 'scotland',
    laCode: exampleAuthorities.scotland.code,
  },
  eastmerePark: {
    kind: 'school',
    name: 'Eastmere Park Academy',
    jurisdiction: 'england',
    urn: '990001',
    authority: 'eastmere',
  },
  northbridgePrimary: {
    kind: 'school',
    name: 'Northbridge Primary',
    jurisdiction: 'england',
    urn: '990002',
    authority: 'northbridge',
  },
  glenmorayHigh: {
    kind: 'school',
    name: 'Glenmoray High School',
    jurisdiction: 'scotland',
    seedCode: '5999011',
    authority: 'glenmoray',
  },
  glenmorayPrimary: {
    kind: 'school',
    name: 'Glenmoray Primary School',
    jurisdiction: 'scotland',
    seedCode: '5999021',
    authority: 'glenmoray',
  },
  vendor: { kind: 'vendor', name: 'Example ePEP Ltd' },
  operator: { kind: 'operator', name: 'CELR demo operator' },
};

/** The vendor acts for these organisations (a `Delegation` from each). */
const DELEGATIONS: readonly { vendor: OrgKey; organisation: OrgKey }[] = [
  { vendor: 'vendor', organisation: 'northbridge' },
];

/** Creates the organisations, authorities before their schools; returns their ids. */
export async function createDemoOrganisations(db: PrismaClient): Promise<Record<OrgKey, string>> {
  const ids = {} as Record<OrgKey, string>;
  for (const [key, org] of Object.entries(DEMO_ORGANISATIONS) as [OrgKey, DemoOrganisation][]) {
    const { authority, ...data } = org;
    const row = await createOrganisation(db, {
      ...data,
      ...(authority ? { authorityId: ids[authority] } : {}),
    });
    ids[key] = row.id;
  }
  return ids;
}

export async function createDemoDelegations(db: PrismaClient, ids: Record<OrgKey, string>): Promise<void> {
  for (const d of DELEGATIONS) {
    await db.delegation.create({ data: { vendorId: ids[d.vendor], organisationId: ids[d.organisation] } });
  }
}

/**
 * The demo is there when any of its organisations is (they are created together, in one transaction).
 * Plain SQL, not Prisma: this runs at every start, where it was the first Prisma query, and Prisma's
 * first query loads and compiles its query compiler (about 0.1 s, and up to a second on a busy machine).
 */
export async function demoExists(sql: Database['sql']): Promise<boolean> {
  const orgs = Object.values(DEMO_ORGANISATIONS);
  const rows = await sql<{ found: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM organisation
        WHERE (kind = 'local-authority' AND la_code = ANY($1::text[])) OR urn = ANY($2::text[])
           OR seed_code = ANY($3::text[])) AS found`,
    [
      orgs.flatMap((o) => (o.kind === 'local-authority' && o.laCode ? [o.laCode] : [])),
      orgs.flatMap((o) => (o.urn ? [o.urn] : [])),
      orgs.flatMap((o) => (o.seedCode ? [o.seedCode] : [])),
    ],
  );
  return rows[0]?.found === true;
}

// --- as the records name them ------------------------------------------------------------------------

export type SchoolRef = { scheme: 'urn' | 'seed-code'; code: string; name: string };
export const school = (key: OrgKey): SchoolRef => {
  const org = DEMO_ORGANISATIONS[key];
  return org.urn
    ? { scheme: 'urn', code: org.urn, name: org.name }
    : { scheme: 'seed-code', code: org.seedCode!, name: org.name };
};

/** Schools the records name that are not CELR organisations in the demo (most schools are not, yet). */
export const OTHER_SCHOOLS = {
  northbridgeAcademy: { scheme: 'urn', code: '990003', name: 'Northbridge Academy' },
  eastmereVale: { scheme: 'urn', code: '990012', name: 'Eastmere Vale Primary' },
  harbourLane: { scheme: 'urn', code: '990014', name: 'Harbour Lane Primary' },
  millbrook: { scheme: 'urn', code: '990016', name: 'Millbrook Community School' },
  glenmorayAcademy: { scheme: 'seed-code', code: '5999012', name: 'Glenmoray Academy' },
  kilbrannan: { scheme: 'seed-code', code: '5999032', name: 'Kilbrannan Primary School' },
  strathmoray: { scheme: 'seed-code', code: '5999045', name: 'Strathmoray Primary School' },
} as const satisfies Record<string, SchoolRef>;

export const NORTHBRIDGE = exampleAuthorities.england;
export const EASTMERE = {
  scheme: 'la-code',
  code: DEMO_ORGANISATIONS.eastmere.laCode!,
  name: DEMO_ORGANISATIONS.eastmere.name,
} as const;
export const GLENMORAY = exampleAuthorities.scotland;
