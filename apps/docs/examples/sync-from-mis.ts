/**
 * Integrate an MIS: the calls a nightly sync job makes, with nothing but fetch (Node 18+, Deno,
 * browsers). site/guides/integrate-mis.md includes the regions of this file, and
 * tests/docs/examples.test.ts runs them against a running API, so the guide cannot drift from the API.
 */

export interface Credentials {
  /** The API's base URL, e.g. http://localhost:3000 for `npm start`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Vendors only: the id of the organisation you act for (it must have delegated to you). */
  onBehalfOf?: string;
}

// #region problem
/** An RFC 9457 problem document: `type` says what went wrong, `errors` which fields and why. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  requestId?: string;
  errors?: { pointer: string; rule: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.type}: ${problem.detail ?? problem.title}`);
  }
}

async function check(response: Response): Promise<Response> {
  if (response.ok) return response;
  throw new ApiError((await response.json()) as Problem);
}
// #endregion problem

// #region token
/** A session: an access token, renewed a minute before it expires (client credentials have no refresh token). */
export function connect(credentials: Credentials) {
  let token: { value: string; expiresAt: number } | undefined;

  async function accessToken(): Promise<string> {
    if (token && Date.now() < token.expiresAt - 60_000) return token.value;
    const response = await check(
      await fetch(new URL('/oauth/token', credentials.baseUrl), {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
        }),
      }),
    );
    const body = (await response.json()) as { access_token: string; expires_in: number };
    token = { value: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return token.value;
  }

  /** A request to the API with the token (and, for a vendor, the organisation it acts for). */
  return async function api(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await accessToken()}`);
    if (credentials.onBehalfOf) headers.set('celr-on-behalf-of', credentials.onBehalfOf);
    return check(await fetch(new URL(path, credentials.baseUrl), { ...init, headers }));
  };
}
export type Api = ReturnType<typeof connect>;
// #endregion token

// #region map
/** One row of a (fictional) MIS export: the MIS's own names for things. */
export interface MisPupil {
  upn: string;
  misId: string;
  forename: string;
  surname: string;
  dob: string;
  careStatus: 'looked-after' | 'previously-looked-after';
  legalStatus?: string;
  schoolUrn: string;
  schoolName: string;
  admitted: string;
  ncYear: string;
}

/** The same pupil as a CELR learner in England. The UPN and the MIS's own id travel as identifiers. */
export function toLearner(pupil: MisPupil, authority: { code: string; name: string }) {
  return {
    jurisdiction: 'england',
    name: { given: pupil.forename, family: pupil.surname },
    dateOfBirth: pupil.dob,
    identifiers: [
      { system: 'upn', value: pupil.upn },
      { system: 'mis:example-mis', value: pupil.misId },
    ],
    careStatus: {
      status: pupil.careStatus,
      ...(pupil.legalStatus ? { legalStatus: pupil.legalStatus } : {}),
    },
    responsibleAuthority: { scheme: 'la-code', ...authority },
    enrolment: {
      school: { scheme: 'urn', code: pupil.schoolUrn, name: pupil.schoolName },
      startDate: pupil.admitted,
      yearGroup: pupil.ncYear,
      setting: 'full-time',
    },
  };
}
// #endregion map

// #region upsert
/**
 * Create the learner, or replace the one your organisation already holds with this UPN: the API
 * finds it by identifier, so the MIS never needs to store CELR's ids.
 */
export async function syncPupil(api: Api, learner: ReturnType<typeof toLearner>) {
  const upn = learner.identifiers[0]!.value;
  const response = await api(`/v1/learners-by-identifier/upn/${encodeURIComponent(upn)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(learner),
  });
  const stored = (await response.json()) as { id: string; meta: { version: number } };
  return { created: response.status === 201, id: stored.id, version: stored.meta.version };
}
// #endregion upsert

// #region changes
/**
 * Every learner changed at or after `since` (all of them without it), page by page: follow `next`
 * until there is none. Lists are ordered by the time of the last change, so remember the largest
 * `meta.updatedAt` you saw and pass it as `since` next time.
 */
export async function* changedLearners(api: Api, since?: string) {
  let next: string | undefined =
    `/v1/learners?limit=100${since ? `&updatedSince=${encodeURIComponent(since)}` : ''}`;
  while (next) {
    const page = (await (await api(next)).json()) as {
      items: { id: string; meta: { version: number; updatedAt: string } }[];
      next?: string;
    };
    yield* page.items;
    next = page.next;
  }
}
// #endregion changes

// #region run
/** A nightly run: push the MIS's pupils, then pull what changed in CELR since the last run. */
export async function nightlySync(credentials: Credentials, pupils: MisPupil[], lastRun?: string) {
  const api = connect(credentials);
  const authority = { code: '990', name: 'Northbridge Borough Council' };
  const results = { created: 0, replaced: 0, rejected: [] as string[], changed: 0, lastChange: lastRun };

  for (const pupil of pupils) {
    try {
      const { created } = await syncPupil(api, toLearner(pupil, authority));
      if (created) results.created++;
      else results.replaced++;
    } catch (error) {
      // A rejected pupil is reported field by field and the run goes on with the next one.
      if (!(error instanceof ApiError)) throw error;
      for (const issue of error.problem.errors ?? [
        { pointer: '', rule: error.problem.type, message: error.message },
      ]) {
        results.rejected.push(`${pupil.misId} ${issue.pointer} ${issue.rule}: ${issue.message}`);
      }
    }
  }

  for await (const learner of changedLearners(api, lastRun)) {
    results.changed++;
    if (!results.lastChange || learner.meta.updatedAt > results.lastChange)
      results.lastChange = learner.meta.updatedAt;
  }
  return results;
}
// #endregion run

// #region main
/**
 * Run as a program, with Node.js 20+ (`npx tsx sync-from-mis.ts pupils.json [last-run]`): sends the
 * pupils of an MIS extract (a JSON array of MisPupil) and prints what the run did as JSON, the time to
 * pass as `last-run` next time included. CELR_API_URL, CELR_CLIENT_ID and CELR_CLIENT_SECRET say where
 * and who (CELR_ON_BEHALF_OF too, for vendors); an empty array only pulls what changed.
 */
export async function main(args: string[], env: Record<string, string | undefined>) {
  const [file, lastRun] = args;
  if (!file || !env.CELR_API_URL || !env.CELR_CLIENT_ID || !env.CELR_CLIENT_SECRET) {
    throw new Error(
      'Usage: CELR_API_URL=… CELR_CLIENT_ID=… CELR_CLIENT_SECRET=… sync-from-mis.ts <pupils.json> [last-run]',
    );
  }
  const { readFile } = await import('node:fs/promises');
  const pupils = JSON.parse(await readFile(file, 'utf8')) as MisPupil[];
  const credentials: Credentials = {
    baseUrl: env.CELR_API_URL,
    clientId: env.CELR_CLIENT_ID,
    clientSecret: env.CELR_CLIENT_SECRET,
    ...(env.CELR_ON_BEHALF_OF ? { onBehalfOf: env.CELR_ON_BEHALF_OF } : {}),
  };
  return nightlySync(credentials, pupils, lastRun);
}

// Only when this file is the program: importing it (as the guide's other examples do) runs nothing.
if (typeof process !== 'undefined' && process.argv[1] && import.meta.url.endsWith(process.argv[1])) {
  main(process.argv.slice(2), process.env).then(
    (results) => console.log(JSON.stringify(results, null, 2)),
    (error: Error) => {
      console.error(error instanceof ApiError ? `${error.message} (${error.problem.type})` : error.message);
      process.exitCode = 1;
    },
  );
}
// #endregion main
