/**
 * The world the CTF command tests run in: an API with the bulk worker running, a school with an MIS
 * client of its own (Eastmere Park Primary, URN 990041), and a client of the Northbridge authority
 * that creates and enrols the learners the school's CTF is about.
 */
import { type AppConfig, createClient, createOrganisation } from '@celr/api';
import { type CelrClient, createCelrClient } from '@celr/sdk';
import { type RunningApi, startApi } from './api.js';

/** The enrolment at the school that makes a learner one of its pupils. */
export const ENROLMENT = {
  school: { scheme: 'urn', code: '990041', name: 'Eastmere Park Primary' },
  startDate: '2019-09-04',
  setting: 'full-time',
};

export interface CtfSchool {
  api: RunningApi;
  /** The environment that makes `celr` act as the school's MIS. */
  schoolEnv: Record<string, string>;
  /** The environment that makes `celr` act as the Northbridge authority's client. */
  authorityEnv: Record<string, string>;
  northbridge: CelrClient;
}

export async function startCtfSchool(overrides: Partial<AppConfig> = {}): Promise<CtfSchool> {
  const api = await startApi(overrides);
  api.app.bulkImports?.start();
  const { prisma } = api.db;
  const school = await createOrganisation(prisma, {
    kind: 'school',
    name: 'Eastmere Park Primary',
    jurisdiction: 'england',
    urn: '990041',
  });
  const client = await createClient(prisma, { organisationId: school.id, name: 'Eastmere Park MIS' });
  return {
    api,
    schoolEnv: {
      CELR_API_URL: api.baseUrl,
      CELR_CLIENT_ID: client.clientId,
      CELR_CLIENT_SECRET: client.secret,
    },
    authorityEnv: {
      CELR_API_URL: api.baseUrl,
      CELR_CLIENT_ID: api.clients.northbridge.clientId,
      CELR_CLIENT_SECRET: api.clients.northbridge.secret,
    },
    northbridge: createCelrClient({
      baseUrl: api.baseUrl,
      clientId: api.clients.northbridge.clientId,
      clientSecret: api.clients.northbridge.secret,
    }),
  };
}
