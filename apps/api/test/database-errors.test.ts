/**
 * A database error caused by the request is answered as a problem, never as a 500 (issue 12).
 * Validation refuses almost everything the database would, so the classes that remain are shown
 * two ways: through the API's own requests where one can still reach the database (a code already
 * registered), and, for every class, with real errors raised by this database (PGlite, or
 * PostgreSQL with TEST_DATABASE_URL) through each way the API talks to it (Prisma's model
 * queries, its raw queries, an interactive transaction, and the plain SQL client), thrown from a
 * route and rendered by the API's error handler.
 */
import { englandLearner, validExamples } from '@celr/schema';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseProblem, registerErrorHandling, sqlStateOf } from '../src/http/errors.js';
import { startTestApi, type TestApi } from './support/api.js';

let api: TestApi;
/** An attendance summary from the examples, for a valid learner to change one number of. */
const attendance = (validExamples.flatMap(
  (e) => (e.value as { attendance?: object[] }).attendance ?? [],
)[0] ?? {}) as Record<string, unknown>;
let faults: FastifyInstance;

/** The ways the API reaches the database; each wraps the database's error differently. */
type Path = 'prisma raw' | 'prisma transaction' | 'sql client';
const PATHS: Path[] = ['prisma raw', 'prisma transaction', 'sql client'];

/** Scratch tables for the faults no table of the API can show (this test file's database is its own). */
const SCRATCH = [
  'CREATE TABLE celr_t_short (v varchar(2))',
  'CREATE TABLE celr_t_check (n int CHECK (n > 0))',
];

/** Statements that make this database raise one SQLSTATE each. */
const FAULTS: Record<string, { sql: string; status: number; type: string; rule?: string; what: string }> = {
  '22001': {
    sql: "INSERT INTO celr_t_short VALUES ('abc')",
    status: 422,
    type: 'validation',
    rule: 'maxLength',
    what: 'a value too long for its column',
  },
  '22003': {
    sql: 'SELECT 99999999999999999999::bigint',
    status: 422,
    type: 'validation',
    rule: 'maximum',
    what: 'a number too large (2^66 as bigint)',
  },
  '22007': {
    sql: "SELECT 'not a date'::date",
    status: 422,
    type: 'validation',
    rule: 'format',
    what: 'text that is not a date',
  },
  '22008': {
    sql: "SELECT '2025-13-45'::date",
    status: 422,
    type: 'validation',
    rule: 'format',
    what: 'a date out of range',
  },
  '22012': {
    sql: 'SELECT 1 / 0',
    status: 422,
    type: 'validation',
    rule: 'data',
    what: 'division by zero (a data exception the API has no rule for)',
  },
  '22021': {
    sql: "SELECT convert_from('\\xff'::bytea, 'UTF8')",
    status: 422,
    type: 'validation',
    rule: 'text-characters',
    what: 'bytes that are not UTF-8',
  },
  '22P02': {
    sql: "SELECT 'not-a-uuid'::uuid",
    status: 422,
    type: 'validation',
    rule: 'format',
    what: 'text that is not a UUID',
  },
  '22P05': {
    sql: `SELECT '{"a":"\\u0000"}'::jsonb`,
    status: 422,
    type: 'validation',
    rule: 'text-characters',
    what: 'a NUL in JSON',
  },
  '23502': {
    sql: "INSERT INTO organisation (id, kind, name) VALUES (gen_random_uuid(), 'vendor', NULL)",
    status: 422,
    type: 'validation',
    rule: 'required',
    what: 'a null in a required column',
  },
  '23503': {
    sql: "INSERT INTO delegation (vendor_id, organisation_id) VALUES ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002')",
    status: 422,
    type: 'validation',
    rule: 'reference',
    what: 'a foreign key to nothing',
  },
  '23505': {
    sql: "INSERT INTO organisation (id, kind, name, urn) VALUES (gen_random_uuid(), 'school', 'Twin', '990001')",
    status: 409,
    type: 'conflict',
    what: 'a unique value taken (a school URN)',
  },
  '23514': {
    sql: 'INSERT INTO celr_t_check VALUES (0)',
    status: 422,
    type: 'validation',
    rule: 'constraint',
    what: 'a check constraint broken',
  },
};

/** Runs a fault's statement by one path, returning whatever the database (and its client) threw. */
async function raise(path: Path, fault: (typeof FAULTS)[string]): Promise<unknown> {
  const { prisma, sql } = api.db;
  try {
    if (path === 'sql client') await sql(fault.sql, []);
    else if (path === 'prisma raw') await prisma.$queryRawUnsafe(fault.sql);
    else await prisma.$transaction(async (tx) => tx.$executeRawUnsafe(fault.sql));
  } catch (error) {
    return error;
  }
  throw new Error(`${fault.sql} did not fail`);
}

beforeAll(async () => {
  api = await startTestApi();
  for (const statement of SCRATCH) await api.db.sql(statement, []);
  // A route that raises a fault by the path named, and the API's own error handling around it.
  faults = Fastify();
  registerErrorHandling(faults);
  faults.get('/fault/:state/:path', async (request) => {
    const { state, path } = request.params as { state: string; path: Path };
    throw await raise(path, FAULTS[state]!);
  });
  await faults.ready();
});
afterAll(async () => {
  await faults?.close();
  await api?.close();
});

describe('every class of database error a request can cause is a problem, never a 500', () => {
  const cases = Object.entries(FAULTS).flatMap(([state, fault]) =>
    PATHS.map((path) => [state, fault.what, path, fault] as const),
  );

  it.each(cases)('%s (%s) by the %s', async (state, _, path, fault) => {
    const error = await raise(path, fault);
    // The SQLSTATE is found however the client wrapped it.
    expect(sqlStateOf(error), String(error)).toBe(state);
    expect(databaseProblem(error)?.status).toBe(fault.status);

    const res = await faults.inject({ method: 'GET', url: `/fault/${state}/${encodeURIComponent(path)}` });
    expect(res.statusCode, res.body).toBe(fault.status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem.type).toBe(`urn:celr:problem:${fault.type}`);
    if (fault.rule) expect(problem.errors).toEqual([expect.objectContaining({ rule: fault.rule })]);
    // The database's own words (table, column and constraint names, values) are not passed on.
    expect(res.body).not.toMatch(/celr_t_|organisation_urn_key|delegation_|violates|relation|column/i);
  });
});

describe('a transaction the database cannot finish in time', () => {
  it('is a 503 with Retry-After (a busy server), not a 500', async () => {
    // A real interactive transaction that outruns its time (as a slow server would): Prisma's P2028.
    const error = await api.db.prisma
      .$transaction(
        async (tx) => {
          await new Promise((resolve) => setTimeout(resolve, 400));
          return tx.$executeRawUnsafe('SELECT 1');
        },
        { timeout: 100 },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((error as { code?: string })?.code, String(error)).toBe('P2028');
    const busy = Fastify();
    registerErrorHandling(busy);
    busy.get('/busy', async () => {
      throw error;
    });
    const res = await busy.inject({ method: 'GET', url: '/busy' });
    await busy.close();
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().type).toBe('urn:celr:problem:unavailable');
  });
});

describe('through the API itself', () => {
  const newSchool = (urn: string) => ({
    kind: 'school',
    name: 'Twin Academy',
    jurisdiction: 'england',
    urn,
    authorityId: api.orgs.eastmere.id,
  });

  it('a code already registered (a unique violation): 409 conflict', async () => {
    const res = await api.as('operator', {
      method: 'POST',
      url: '/v1/admin/organisations',
      payload: newSchool('990001'),
    });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().type).toBe('urn:celr:problem:conflict');
  });

  it('two requests racing for one code: one is created, the other is a 409, neither a 500', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        api.as('operator', { method: 'POST', url: '/v1/admin/organisations', payload: newSchool('990777') }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
  });

  it('numbers too large for the database in a body and in cursors: refused before they reach it', async () => {
    const learner = { ...englandLearner, attendance: [{ ...attendance, possibleSessions: 0 }] };
    for (const huge of ['1e309', '9223372036854775808', '9'.repeat(400)]) {
      const res = await api.as('northbridge', {
        method: 'POST',
        url: '/v1/learners',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(learner).replace('"possibleSessions":0', `"possibleSessions":${huge}`),
      });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().errors).toContainEqual(
        expect.objectContaining({ pointer: '/attendance/0/possibleSessions' }),
      );
    }
    // Positions over the largest bigint, in the change feed's and the audit trail's cursors.
    const feed = Buffer.from(`c${'9'.repeat(19)}.1`).toString('base64url');
    const changes = await api.as('northbridge', { method: 'GET', url: `/v1/changes?after=${feed}` });
    expect(changes.statusCode, changes.body).toBe(400);
    expect(changes.json().errors).toEqual([expect.objectContaining({ rule: 'cursor' })]);
    const trail = Buffer.from(`a${'9'.repeat(19)}`).toString('base64url');
    const audit = await api.as('northbridge', {
      method: 'GET',
      url: `/v1/audit-events?learner=00000000-0000-4000-8000-000000000000&cursor=${trail}`,
    });
    expect(audit.statusCode, audit.body).toBe(400);
    expect(audit.json().errors).toEqual([expect.objectContaining({ rule: 'cursor' })]);
  });
});
