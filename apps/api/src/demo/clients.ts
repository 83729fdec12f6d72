/** The demo API clients: one per demo organisation, each with a fixed, documented secret. */
import { createClient } from '../admin/organisations.js';
import { verifySecret } from '../auth/secrets.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DEMO_ORGANISATIONS, type OrgKey } from './organisations.js';

/**
 * The demo API clients: one per organisation, with the organisation's default scopes. The secrets
 * are fixed and public (they are printed at every start), so never load the demo into a database
 * that holds real records; they are still stored only as scrypt hashes, like any other secret.
 */
export const DEMO_CLIENTS: readonly { org: OrgKey; clientId: string; secret: string }[] = [
  { org: 'northbridge', clientId: 'demo-northbridge', secret: 'demo-northbridge-secret' },
  { org: 'eastmere', clientId: 'demo-eastmere', secret: 'demo-eastmere-secret' },
  { org: 'glenmoray', clientId: 'demo-glenmoray', secret: 'demo-glenmoray-secret' },
  { org: 'eastmerePark', clientId: 'demo-school-eastmere-park', secret: 'demo-school-eastmere-park-secret' },
  {
    org: 'northbridgePrimary',
    clientId: 'demo-school-northbridge-primary',
    secret: 'demo-school-northbridge-primary-secret',
  },
  {
    org: 'glenmorayHigh',
    clientId: 'demo-school-glenmoray-high',
    secret: 'demo-school-glenmoray-high-secret',
  },
  {
    org: 'glenmorayPrimary',
    clientId: 'demo-school-glenmoray-primary',
    secret: 'demo-school-glenmoray-primary-secret',
  },
  { org: 'vendor', clientId: 'demo-vendor', secret: 'demo-vendor-secret' },
  { org: 'operator', clientId: 'demo-operator', secret: 'demo-operator-secret' },
];

export interface DemoClient {
  organisation: string;
  clientId: string;
  secret: string;
  scopes: string[];
}

/** Creates the demo clients, with the organisations' default scopes, in DEMO_CLIENTS order. */
export async function createDemoClients(
  db: PrismaClient,
  ids: Record<OrgKey, string>,
): Promise<DemoClient[]> {
  const clients: DemoClient[] = [];
  for (const c of DEMO_CLIENTS) {
    const org = DEMO_ORGANISATIONS[c.org];
    const created = await createClient(db, {
      organisationId: ids[c.org],
      name: `${org.name} (demo)`,
      clientId: c.clientId,
      secret: c.secret,
    });
    clients.push({
      organisation: org.name,
      clientId: created.clientId,
      secret: created.secret,
      scopes: created.scopes,
    });
  }
  return clients;
}

/** The demo clients that exist, are not revoked and still accept their demo secret, in DEMO_CLIENTS order. */
export async function existingDemoClients(prisma: PrismaClient): Promise<DemoClient[]> {
  const rows = await prisma.apiClient.findMany({
    where: { clientId: { in: DEMO_CLIENTS.map((c) => c.clientId) }, revokedAt: null },
    select: { clientId: true, secretHash: true, scopes: true, organisation: { select: { name: true } } },
  });
  const byId = new Map(rows.map((r) => [r.clientId, r]));
  // One at a time: each check is a scrypt of 16 MB, and nine at once would hold 64 MB (libuv's four
  // threads) at the start of every restart for a list that takes well under a second this way.
  const checked: Array<DemoClient | undefined> = [];
  for (const c of DEMO_CLIENTS) {
    const row = byId.get(c.clientId);
    checked.push(
      row && (await verifySecret(c.secret, row.secretHash))
        ? { organisation: row.organisation.name, clientId: c.clientId, secret: c.secret, scopes: row.scopes }
        : undefined,
    );
  }
  return checked.filter((c): c is DemoClient => c !== undefined);
}
