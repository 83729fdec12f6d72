import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '../src/openapi.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * A NUL (\u0000) or a lone surrogate (\ud800) in any stored string once reached the database,
 * which refused it (SQLSTATE 22P05, 22021), and the client got a 500. Every write operation of the
 * OpenAPI document is sent its own example body with one such character put in each of its strings
 * in turn, and in a member name: each must be refused by validation (422, rule `text-characters`,
 * pointing at the string), before anything is stored.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ rateLimit: { max: 1_000_000, windowMs: 60_000 } });
}, 300_000);
afterAll(async () => api?.close());

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = any;
const document: Json = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));

/** Bodies of operations whose OpenAPI document has no example. */
const FALLBACK: Record<string, () => unknown> = {
  createOrganisation: () => ({ kind: 'school', name: 'Characters Academy', jurisdiction: 'england' }),
  createApiClient: () => ({ name: 'A client' }),
  createDelegation: () => ({ vendorId: api.orgs.vendor.id, organisationId: api.orgs.eastmere.id }),
  createWebhookSubscription: () => ({ url: 'https://example.org/hooks/celr' }),
  rotateSigningKey: () => ({ use: 'bundle', organisationId: api.orgs.eastmere.id }),
  registerBundleSender: () => ({
    sender: { scheme: 'la-code', code: '991' },
    jwks: {
      keys: [
        {
          kty: 'EC',
          crv: 'P-256',
          x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
          y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
        },
      ],
    },
  }),
};
/** Bodies that are not JSON documents (a bulk import is NDJSON, read line by line by its job). */
const NOT_JSON = new Set(['createBulkImport']);

const writes = Object.entries<Json>(document.paths).flatMap(([path, ops]) =>
  Object.entries<Json>(ops)
    .filter(([, op]) => op.requestBody)
    .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
);

function exampleOf(op: Json): unknown {
  const content = op.requestBody.content;
  const type = content['application/json'] ? 'application/json' : Object.keys(content)[0]!;
  const media = content[type];
  const example = media.example ?? (Object.values<Json>(media.examples ?? {})[0]?.value as unknown);
  return example ?? FALLBACK[op.operationId]?.();
}

/** JSON pointers of every string in a value. */
function strings(value: unknown, pointer = ''): string[] {
  if (typeof value === 'string') return [pointer];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    strings(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`),
  );
}

function withString(value: unknown, pointer: string, bad: string): unknown {
  const copy = structuredClone(value) as Json;
  const tokens = pointer.split('/').slice(1);
  let node = copy;
  for (const t of tokens.slice(0, -1)) node = node[t];
  const last = tokens.at(-1)!;
  // One character replaced, so a string of fixed length (a UUID, a date) keeps its length.
  node[last] = `${String(node[last]).slice(0, 2)}${bad}${String(node[last]).slice(3)}`;
  return copy;
}

function urlOf(path: string, body: Json) {
  const id = body?.identifiers?.[0];
  return (
    path
      .replace('{system}', encodeURIComponent(id?.system ?? 'upn'))
      .replace('{value}', encodeURIComponent(id?.value ?? 'x'))
      // An authority's settings are the caller's own, so that the body is what decides.
      .replace(
        '{organisationId}',
        path.startsWith('/v1/authorities/') ? api.orgs.northbridge.id : '{organisationId}',
      )
      .replace(/\{[^}]+\}/g, '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10')
  );
}

async function send(method: string, path: string, op: Json, body: unknown, example: unknown) {
  const type = op.requestBody.content['application/merge-patch+json']
    ? 'application/merge-patch+json'
    : 'application/json';
  return api.as(path.startsWith('/v1/admin') ? 'operator' : 'northbridge', {
    method: method as 'POST',
    url: urlOf(path, example),
    headers: { 'content-type': type, 'if-match': '"v1"' },
    payload: JSON.stringify(body),
  });
}

describe('every write operation refuses text that cannot be stored', () => {
  it('covers every write operation with a JSON body', () => {
    const missing = writes.filter((w) => !NOT_JSON.has(w.op.operationId) && exampleOf(w.op) === undefined);
    expect(missing.map((w) => w.op.operationId)).toEqual([]);
    expect(writes.length).toBeGreaterThan(15);
  });

  const cases = writes.filter((w) => !NOT_JSON.has(w.op.operationId));
  it.each(cases.map((w) => [w.op.operationId, w] as const))(
    '%s',
    async (operationId, { method, path, op }) => {
      const example = exampleOf(op);
      const pointers = strings(example);
      expect(pointers.length, 'the example has strings').toBeGreaterThan(0);
      const tried: string[] = [];
      for (const [i, pointer] of pointers.entries()) {
        for (const bad of i === 0 ? ['\u0000', '\ud800', '\udc00'] : [i % 2 ? '\ud800' : '\u0000']) {
          const res = await send(method, path, op, withString(example, pointer, bad), example);
          const what = `${operationId} ${pointer} ${JSON.stringify(bad)}: ${res.statusCode} ${res.body.slice(0, 300)}`;
          if (operationId === 'requestToken') {
            // The token endpoint answers as RFC 6749 says: 400 invalid_request, naming the field.
            expect(res.statusCode, what).toBe(400);
            expect(res.json(), what).toMatchObject({ error: 'invalid_request' });
            expect(res.json().error_description, what).toMatch(new RegExp(`^${pointer.slice(1)}: `));
            tried.push(pointer);
            continue;
          }
          expect(res.statusCode, what).toBe(422);
          expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
          const errors = res.json().errors as { pointer: string; rule: string }[];
          if (operationId === 'importBundle') {
            // A bundle is sealed by its digest: a changed string fails that check first, or its record's.
            expect(
              errors.some((e) => ['text-characters', 'digest-mismatch', 'enum'].includes(e.rule)),
              what,
            ).toBe(true);
          } else if (pointer.endsWith('/jurisdiction')) {
            // The jurisdiction picks the schema, so it is checked first, against its two values.
            expect(errors, what).toContainEqual(expect.objectContaining({ pointer, rule: 'enum' }));
          } else {
            expect(errors, what).toContainEqual(
              expect.objectContaining({ pointer, rule: 'text-characters' }),
            );
          }
          tried.push(pointer);
        }
      }
      // And a member name holding a NUL.
      if (typeof example === 'object' && example !== null && !Array.isArray(example)) {
        const res = await send(method, path, op, { ...example, 'bad\u0000name': 'x' }, example);
        expect(res.statusCode, res.body).toBe(operationId === 'requestToken' ? 400 : 422);
        // A bundle's top level is its manifest and content only; an extra member fails that check.
        if (operationId === 'requestToken') expect(res.json().error).toBe('invalid_request');
        else if (operationId !== 'importBundle') expect(res.body).toContain('text-characters');
      }
      expect(tried.length).toBeGreaterThan(0);
    },
  );
});

describe('query and path parameters', () => {
  const reads = Object.entries<Json>(document.paths).flatMap(([path, ops]) =>
    Object.entries<Json>(ops)
      .filter(
        ([method, op]) =>
          method === 'get' &&
          op.parameters?.some((p: Json) => p.in === 'query' && p.schema?.type === 'string'),
      )
      .map(([, op]) => ({ path, op })),
  );
  it.each(reads.map((r) => [r.op.operationId, r] as const))(
    '%s with %00 in a query parameter: 400',
    async (_, { path, op }) => {
      for (const p of op.parameters.filter((q: Json) => q.in === 'query' && q.schema?.type === 'string')) {
        const res = await api.as(path.startsWith('/v1/admin') ? 'operator' : 'northbridge', {
          method: 'GET',
          url: `${urlOf(path, {})}?${p.name}=a%00b`,
        });
        expect(res.statusCode, `${p.name}: ${res.body}`).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    },
  );

  it('a NUL in an identifier in the path: 400', async () => {
    const res = await api.as('northbridge', {
      method: 'GET',
      url: '/v1/learners-by-identifier/upn/A12345678901%00',
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ rule: 'text-characters', in: 'path' });
  });
});
