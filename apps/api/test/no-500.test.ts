import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '../src/openapi.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * Whatever a client sends, the answer is a problem document, never a 500: every operation of the
 * OpenAPI document gets arbitrary JSON bodies, path values, query strings and `celr-on-behalf-of`
 * headers, mixed with the hostile shapes of issue 12 (huge arrays, deep nesting, NUL and lone
 * surrogates in strings and member names, numbers no column holds, malformed encodings and cursors).
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

/** Numbers no column holds: beyond a double, beyond a bigint, and hundreds of digits long. */
const hugeNumber = fc.constantFrom(
  '1e309',
  '-1e309',
  '9223372036854775808',
  '-9223372036854775809',
  '18446744073709551616',
  '9'.repeat(400),
  '1e-400',
  `0.${'0'.repeat(300)}1`,
);

/** Strings PostgreSQL cannot store as text (NUL, and halves of a surrogate pair), for JSON text. */
const hostileString = fc
  .tuple(
    fc.string({ maxLength: 10 }),
    // JSON escapes (six characters each), as a client writes them; and a raw NUL, which JSON forbids.
    fc.constantFrom('\\u0000', '\\ud800', '\\udfff', '\\udc00\\ud800', 'a\\u0000b', '\u0000'),
    fc.string({ maxLength: 10 }),
  )
  // The text around it escaped for JSON, so that the body parses and reaches validation.
  .map(([a, bad, b]) => `${JSON.stringify(a).slice(1, -1)}${bad}${JSON.stringify(b).slice(1, -1)}`);

/** Fields of records and requests that a hostile value is put in (or an unknown key). */
const field = fc.constantFrom(
  'jurisdiction',
  'views',
  'name',
  'identifiers',
  'learnerId',
  'attendance',
  'status',
  'url',
  'reason',
  'vendorId',
  'organisationId',
  'authorityId',
  'laCode',
  'limit',
  'version',
  'x',
);

/**
 * Bodies of the shapes that took the service down (issue 12), as JSON text: huge arrays, deep
 * nesting, NUL and lone surrogates in strings and member names, and numbers no column holds. Sizes
 * stay well under the 1 MiB body limit so each run is quick; memory.test.ts measures the worst case.
 */
const hostileBody: fc.Arbitrary<string> = fc.oneof(
  // Huge arrays, of empty objects, short strings or numbers.
  fc
    .tuple(field, fc.constantFrom('{}', '"a"', '0', '[]', 'null'), fc.integer({ min: 2_000, max: 40_000 }))
    .map(([key, item, n]) => `{"jurisdiction":"england","${key}":[${Array(n).fill(item).join(',')}]}`),
  // Deep nesting, inside a member or as the whole body.
  fc
    .tuple(
      fc.option(field, { nil: undefined }),
      fc.integer({ min: 60, max: 20_000 }),
      fc.constantFrom('[', '{"a":'),
    )
    .map(([key, depth, open]) => {
      const close = open === '[' ? ']' : '}';
      const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
      return key ? `{"jurisdiction":"england","${key}":${nested}}` : nested;
    }),
  // NUL and lone surrogates in values and in member names (written as JSON escapes, as clients send them).
  fc
    .tuple(field, hostileString, hostileString)
    .map(([key, value, name]) => `{"jurisdiction":"england","${key}":"${value}","${name}":1}`),
  // Numbers no column holds, where numbers and where strings belong.
  fc
    .tuple(field, hugeNumber)
    .map(([key, n]) => `{"jurisdiction":"england","${key}":${n},"attendance":[{"possibleSessions":${n}}]}`),
);

const body = fc.oneof(
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: hostileBody },
);

const segment = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom('1', '-1', '0', '%00', '..', 'null', '%ED%A0%80', '%zz', '%C0%80', '1e309', '9'.repeat(30)),
);

/** A cursor as the API encodes them (base64url of `c<txid>.<id>` or `a<id>`), holding numbers too large. */
const hostileCursor = fc
  .tuple(
    fc.constantFrom('c', 'a'),
    fc.constantFrom('9'.repeat(19), '9'.repeat(25), '-1', '1e309', '18446744073709551616'),
  )
  .map(([prefix, n]) => Buffer.from(prefix === 'c' ? `c${n}.${n}` : `a${n}`).toString('base64url'));

/** Query values, already percent-encoded: some are malformed encodings on purpose. */
const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.integer().map(String),
  fc.constantFrom('true', '', '2025-13-45', '%00', '%ED%A0%80', '%', '%zz', 'a%00b'),
  hugeNumber,
  hostileCursor,
);

/**
 * The organisation a vendor acts for: absent, a delegating organisation, or the malformed values
 * that once gave 500 (not a UUID, empty, sent twice as one list or as two headers).
 */
const onBehalfOf = fc.oneof(
  fc.constant(undefined),
  fc.constant('northbridge'),
  fc.constantFrom('', ' ', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', '1e309', '../admin'),
  fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  fc.tuple(fc.uuid(), fc.uuid()).map(([a, b]) => `${a}, ${b}`),
  fc.tuple(fc.uuid(), fc.uuid()).map((pair) => pair),
);

describe('no input produces a 500', () => {
  it.each(operations.map((op) => [op.operationId, op] as const))('%s', async (_, op) => {
    await fc.assert(
      fc.asyncProperty(
        body,
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
        onBehalfOf,
        async (text, values, query, contentType, actingFor) => {
          let i = 0;
          const path = op.path.replace(/\{[^}]+\}/g, () => values[i++ % values.length]!);
          // Written by hand, not with URLSearchParams, so malformed encodings reach the server as sent.
          const search = Object.entries(query)
            .map(([k, v]) => `${k}=${v}`)
            .join('&');
          // A vendor acting for someone; without the header, the organisation's own client.
          const vendor = actingFor !== undefined;
          const onBehalf =
            actingFor === 'northbridge'
              ? api.orgs.northbridge.id
              : (actingFor as string | string[] | undefined);
          const res = await api.as(
            op.path.startsWith('/v1/admin') ? 'operator' : vendor ? 'vendor' : 'northbridge',
            {
              method: op.method as 'POST',
              url: `${path}${search ? `?${search}` : ''}`,
              headers: {
                ...(onBehalf !== undefined ? { 'celr-on-behalf-of': onBehalf as string } : {}),
                ...(['POST', 'PUT', 'PATCH'].includes(op.method)
                  ? { 'content-type': contentType, 'if-match': '"v1"' }
                  : {}),
              },
              ...(['POST', 'PUT', 'PATCH'].includes(op.method) ? { payload: text } : {}),
            },
          );
          expect(
            res.statusCode,
            `${op.method} ${path}?${search} on-behalf-of=${String(onBehalf)} ${text.slice(0, 200)} -> ${res.body}`,
          ).toBeLessThan(500);
          if (res.statusCode >= 400)
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        },
      ),
      { numRuns: Number(process.env.CELR_PROPERTY_RUNS ?? 15) },
    );
  });
});
