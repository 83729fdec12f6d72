/**
 * The CELR API on a real socket for the SDK and CLI tests: its own database (in-memory PGlite, or a
 * fresh PostgreSQL database when DATABASE_URL is set), listening on a free port, with a local
 * authority, a school and a vendor that the authority has delegated to, and a client for each.
 */
import type { AddressInfo } from 'node:net';
import { type AppConfig, createClient, createOrganisation, startTestApp } from '@celr/api';

export async function startApi(overrides: Partial<AppConfig> = {}) {
  const started = await startTestApp({
    // The tests send a few hundred requests a minute; 429s are simulated where they are tested.
    rateLimit: { max: 100_000, windowMs: 60_000 },
    ...overrides,
  });
  const { app, db } = started;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const { prisma } = db;
  const northbridge = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: 'Northbridge Borough Council',
    jurisdiction: 'england',
    laCode: '990',
  });
  const eastmere = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: 'Eastmere County Council',
    jurisdiction: 'england',
    laCode: '991',
  });
  const vendor = await createOrganisation(prisma, { kind: 'vendor', name: 'Example ePEP Ltd' });
  await prisma.delegation.create({ data: { vendorId: vendor.id, organisationId: northbridge.id } });
  const orgs = { northbridge, eastmere, vendor };

  const clients = {
    northbridge: await createClient(prisma, {
      organisationId: northbridge.id,
      name: 'Northbridge SDK tests',
    }),
    eastmere: await createClient(prisma, { organisationId: eastmere.id, name: 'Eastmere SDK tests' }),
    vendor: await createClient(prisma, { organisationId: vendor.id, name: 'Vendor SDK tests' }),
  };

  return {
    baseUrl,
    app,
    db,
    orgs,
    clients,
    /** Environment for the `celr` CLI and the examples, as one organisation's client. */
    env(org: keyof typeof clients, extra: Record<string, string> = {}): Record<string, string> {
      return {
        CELR_API_URL: baseUrl,
        CELR_CLIENT_ID: clients[org].clientId,
        CELR_CLIENT_SECRET: clients[org].secret,
        ...extra,
      };
    },
    async close() {
      await started.close();
    },
  };
}
export type RunningApi = Awaited<ReturnType<typeof startApi>>;
