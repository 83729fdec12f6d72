import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createClient, createOrganisation } from '../../src/admin/organisations.js';
import { buildApp } from '../../src/app.js';
import type { Scope } from '../../src/auth/caller.js';
import type { AppConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { startTestApp } from '../../src/testing.js';

/**
 * An API on its own database (in-memory PGlite, or a fresh PostgreSQL database when DATABASE_URL
 * is set), with organisations of every kind and one client each.
 */
export async function startTestApi(overrides: Partial<AppConfig> = {}) {
  const started = await startTestApp(overrides);
  const { app, db, config } = started;
  await app.ready();
  const orgs = await createOrganisations(db);
  const clients = new Map<string, { clientId: string; secret: string }>();
  const tokens = new Map<string, string>();

  const api = {
    app,
    db,
    config,
    orgs,
    /** Creates another app instance on the same database: a second API process. */
    async secondProcess() {
      // PGlite is embedded in one process, so there the second app shares the first one's database.
      const otherDb = started.url ? await openDatabase({ url: started.url, poolSize: 5 }) : db;
      const other = await buildApp({ db: otherDb, config });
      if (otherDb !== db) other.addHook('onClose', () => otherDb.close());
      await other.ready();
      return other;
    },
    async client(org: keyof typeof orgs, scopes?: Scope[]) {
      const key = `${org}:${scopes?.join(' ') ?? '*'}`;
      let client = clients.get(key);
      if (!client) {
        client = await createClient(db.prisma, {
          organisationId: orgs[org].id,
          name: `${org} test client`,
          scopes,
        });
        clients.set(key, client);
      }
      return client;
    },
    async token(org: keyof typeof orgs, scopes?: Scope[]): Promise<string> {
      const key = `${org}:${scopes?.join(' ') ?? '*'}`;
      const cached = tokens.get(key);
      if (cached) return cached;
      const { clientId, secret } = await api.client(org, scopes);
      const res = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
      });
      if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
      const token = res.json().access_token as string;
      tokens.set(key, token);
      return token;
    },
    /**
     * A request as an organisation's client. Tests pass their helpers' optional payload, headers and
     * scopes straight on, so each may be given as undefined: then it is not sent.
     */
    async as(
      org: keyof typeof orgs,
      options: Omit<InjectOptions, 'payload' | 'headers'> & {
        payload?: InjectOptions['payload'] | undefined;
        headers?: InjectOptions['headers'] | undefined;
        scopes?: Scope[] | undefined;
      },
      target: FastifyInstance = app,
    ): Promise<LightMyRequestResponse> {
      const { scopes, headers, payload, ...rest } = options;
      return target.inject({
        ...rest,
        ...(payload !== undefined ? { payload } : {}),
        headers: { authorization: `Bearer ${await api.token(org, scopes)}`, ...headers },
      });
    },
    async close() {
      await started.close();
    },
  };
  return api;
}
export type TestApi = Awaited<ReturnType<typeof startTestApi>>;

async function createOrganisations(db: Database) {
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
  const glenmoray = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: 'Glenmoray Council',
    jurisdiction: 'scotland',
    laCode: 'S12000099',
  });
  const school = await createOrganisation(prisma, {
    kind: 'school',
    name: 'Eastmere Park Academy',
    jurisdiction: 'england',
    urn: '990001',
    authorityId: eastmere.id,
  });
  const otherSchool = await createOrganisation(prisma, {
    kind: 'school',
    name: 'Northbridge Primary',
    jurisdiction: 'england',
    urn: '990002',
    authorityId: northbridge.id,
  });
  const vendor = await createOrganisation(prisma, { kind: 'vendor', name: 'Example ePEP Ltd' });
  const operator = await createOrganisation(prisma, { kind: 'operator', name: 'CELR operator' });
  // The vendor runs Northbridge's ePEP, so Northbridge has delegated to it.
  await prisma.delegation.create({ data: { vendorId: vendor.id, organisationId: northbridge.id } });
  return { northbridge, eastmere, glenmoray, school, otherSchool, vendor, operator };
}
