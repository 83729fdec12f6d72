/** The demo API clients: one per demo organisation, each with a fixed, documented secret. */
import { createClient } from '../admin/organisations.js';
import type { Database } from '../db/database.js';
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

/**
 * The demo clients that exist, are not revoked and still have their demo secret, in DEMO_CLIENTS order.
 * A client's secret changes only by rotation (admin/organisations.ts, rotateSecret), which stamps
 * secretRotatedAt; a client whose secret was never rotated since it was created still has the secret the
 * demo gave it. Checking that instead of the secret itself spares every restart nine scrypt checks of
 * 16 MB each (half a second on an idle machine, seconds on a busy one).
 */
export async function existingDemoClients(sql: Database['sql']): Promise<DemoClient[]> {
  // Plain SQL, as demoExists: it runs at every start (organisations.ts says why).
  const rows = await sql<{ client_id: string; scopes: string[]; unrotated: boolean; name: string }>(
    `SELECT c.client_id, c.scopes, c.secret_rotated_at = c.created_at AS unrotated, o.name
       FROM api_client c JOIN organisation o ON o.id = c.organisation_id
      WHERE c.client_id = ANY($1::text[]) AND c.revoked_at IS NULL`,
    [DEMO_CLIENTS.map((c) => c.clientId)],
  );
  const byId = new Map(rows.map((r) => [r.client_id, r]));
  return DEMO_CLIENTS.flatMap((c): DemoClient[] => {
    const row = byId.get(c.clientId);
    if (!row?.unrotated) return [];
    return [{ organisation: row.name, clientId: c.clientId, secret: c.secret, scopes: row.scopes }];
  });
}
