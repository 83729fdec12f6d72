import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '../src/openapi.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * Whatever a client sends, the answer is a problem document, never a 500: every operation of the
 * OpenAPI document gets arbitrary JSON bodies, path values and query strings.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ rateLimit: { max: 1_000_000, windowMs: 60_000 } });
});
afterAll(async () => api?.close());

const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
const operations = Object.entries<Record<string, { operationId: string }>>(document.paths).flatMap(
  ([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      operationId: op.operationId,
    })),
);

const segment = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('1', '-1', '0', '%00', '..', 'null'),
);
const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer().map(String),
  fc.constantFrom('true', '', '2025-13-45'),
);

describe('no input produces a 500', () => {
  it.each(operations.map((op) => [op.operationId, op] as const))('%s', async (_, op) => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 3 }),
        fc.array(segment, { minLength: 3, maxLength: 3 }),
        fc.dictionary(
          fc.constantFrom(
            'limit',
            'cursor',
            'after',
            'learner',
            'status',
            'type',
            'updatedSince',
            'identifier',
            'box',
            'x',
          ),
          queryValue,
          { maxKeys: 3 },
        ),
        fc.constantFrom('application/json', 'application/merge-patch+json', 'text/plain'),
        async (body, values, query, contentType) => {
          let i = 0;
          const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[i++ % values.length]!));
          const search = new URLSearchParams(query).toString();
          const res = await api.as(op.path.startsWith('/v1/admin') ? 'operator' : 'northbridge', {
            method: op.method as 'POST',
            url: `${path}${search ? `?${search}` : ''}`,
            ...(['POST', 'PUT', 'PATCH'].includes(op.method)
              ? {
                  payload: JSON.stringify(body),
                  headers: { 'content-type': contentType, 'if-match': '"v1"' },
                }
              : {}),
          });
          expect(res.statusCode, `${op.method} ${path}?${search} ${res.body}`).toBeLessThan(500);
          if (res.statusCode >= 400)
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        },
      ),
      { numRuns: Number(process.env.CELR_PROPERTY_RUNS ?? 15) },
    );
  });
});
