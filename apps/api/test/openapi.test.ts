import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: the document is walked as plain JSON
type Json = any;

import Fastify from 'fastify';
import { registerAuthentication } from '../src/auth/authenticate.js';
import { OPERATIONS } from '../src/auth/policy.js';
import { PROBLEM_TYPES, type ProblemType, problemTypeUri } from '../src/http/problem.js';
import { API_RULES } from '../src/http/rules.js';
import { OPENAPI_PATH, openApiDocument } from '../src/openapi.js';

const run = promisify(execFile);
const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the committed OpenAPI document', () => {
  it('is what the app emits now (run `npm run openapi -w @celr/api` when this fails)', async () => {
    const emitted = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
    expect(readFileSync(OPENAPI_PATH, 'utf8') === emitted, 'apps/api/openapi.json is stale').toBe(true);
  });

  it('passes `redocly lint` with no errors', async () => {
    const result = await run('npx', ['redocly', 'lint', 'openapi.json', '--format=json'], {
      cwd: apiDir,
    }).catch((e) => e);
    const report = JSON.parse(String(result.stdout).slice(String(result.stdout).indexOf('{')));
    const errors = report.problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(errors).toEqual([]);
  });

  it("passes Spectral's OpenAPI rules (spectral:oas) and the OWASP API Security ruleset with no errors", async () => {
    const result = await run('npx', ['spectral', 'lint', 'openapi.json', '--format', 'json', '--quiet'], {
      cwd: apiDir,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((e) => e);
    const problems = JSON.parse(String(result.stdout)) as {
      code: string;
      severity: number;
      path: string[];
    }[];
    // Spectral severities: 0 error, 1 warning.
    const errors = problems.filter((p) => p.severity === 0).map((p) => `${p.code} at ${p.path.join('/')}`);
    expect(errors).toEqual([]);
    // Both rulesets, with no rule turned down for a path: the token endpoint declares its client
    // authentication, so OWASP's rule on unprotected writes holds without an exception.
    const ruleset = readFileSync(join(apiDir, '.spectral.yaml'), 'utf8');
    expect(ruleset).toMatch(/^ {2}- "spectral:oas"$/m);
    expect(ruleset).toMatch(/^ {2}- "@stoplight\/spectral-owasp-ruleset"$/m);
    expect(ruleset).not.toMatch(/#\/paths/);
  });

  it('gives every operation an operationId, a summary, error responses and examples', async () => {
    const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
    expect(document.openapi).toBe('3.1.0');
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries<Record<string, Json>>(document.paths)) {
      for (const [method, op] of Object.entries<Json>(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId), `${where}: duplicate operationId`).toBe(false);
        ids.add(op.operationId);
        expect(op.summary, where).toBeTruthy();
        if (path.startsWith('/v1/') || path === '/oauth/token') {
          const errors = Object.keys(op.responses).filter((s) => /^[45]/.test(s));
          expect(errors.length, `${where} documents no error responses`).toBeGreaterThan(0);
          for (const status of errors) {
            // The token endpoint's OAuth errors are problems with RFC 6749's `error` besides.
            const schema = op.responses[status].content['application/problem+json'].schema;
            expect(schema.$ref ?? schema.allOf?.[0]?.$ref, `${where} ${status}`).toBe(
              '#/components/schemas/Problem',
            );
          }
        }
        for (const media of Object.values<Json>(op.requestBody?.content ?? {})) {
          if (media.schema?.$ref?.startsWith('#/components/schemas/')) {
            expect(media.examples ?? media.example, `${where} request body has no example`).toBeTruthy();
          }
        }
      }
    }
    expect(ids.size).toBeGreaterThan(30);
  });

  it("states each operation's security as the policy table's scope, for every operation and only those", () => {
    const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
    const seen: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, Json>>(document.paths)) {
      for (const [method, op] of Object.entries<Json>(operations)) {
        const rule = OPERATIONS[op.operationId];
        const where = `${method.toUpperCase()} ${path} (${op.operationId})`;
        expect(rule, `${where} has no rule in src/auth/policy.ts`).toBeDefined();
        expect(op.security, where).toEqual(
          rule!.clientSecret
            ? [{ clientSecret: [] }, {}]
            : rule!.public
              ? []
              : [{ oauth2: rule!.anyClient ? [] : [rule!.scope] }],
        );
        seen.push(op.operationId);
      }
    }
    expect(seen.sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  it("writes a route's security from the policy table, and refuses a route that states its own", async () => {
    const app = Fastify();
    registerAuthentication(app, undefined as never, undefined as never, undefined as never);
    const schema: Json = { operationId: 'listChanges' };
    app.get('/changes', { schema }, async () => ({}));
    expect(schema.security).toEqual([{ oauth2: ['learners:read'] }]);
    expect(() =>
      app.get(
        '/stated',
        { schema: { operationId: 'listChanges', security: [{ oauth2: ['learners:read'] }] } },
        async () => ({}),
      ),
    ).toThrow(/states its own security/);
    await app.close();
  });

  it('publishes who may call each operation and the problem types it can answer with, for the docs', () => {
    const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
    const catalogue = document['x-celr-problem-types'] as { type: string; status: number; title: string }[];
    expect(catalogue).toEqual(
      (Object.keys(PROBLEM_TYPES) as ProblemType[]).map((t) => ({
        type: problemTypeUri(t),
        ...PROBLEM_TYPES[t],
      })),
    );
    for (const [path, operations] of Object.entries<Record<string, Json>>(document.paths)) {
      for (const [method, op] of Object.entries<Json>(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op['x-celr-access'], where).toBe(OPERATIONS[op.operationId]!.who);
        // Every error status it documents is covered by the types it names, and every type it
        // names is one of the catalogue's with a status it documents.
        const statuses = Object.keys(op.responses).filter((s) => /^[45]/.test(s));
        const types = op['x-celr-problem-types'] as string[];
        for (const type of types) {
          const entry = catalogue.find((c) => c.type === type);
          expect(entry, `${where}: ${type}`).toBeDefined();
          expect(statuses, `${where}: ${type}`).toContain(String(entry!.status));
        }
        for (const status of statuses)
          expect(
            types.some((t) => String(catalogue.find((c) => c.type === t)!.status) === status),
            `${where}: no problem type for ${status}`,
          ).toBe(true);
      }
    }
  });

  it("publishes every rule name the API's own checks send that @celr/schema does not define", () => {
    const rulesIn = (dir: string): Set<string> =>
      new Set(
        (readdirSync(dir, { recursive: true }) as string[])
          .filter((f) => f.endsWith('.ts') && !f.includes('generated'))
          .flatMap((f) =>
            [...readFileSync(join(dir, f), 'utf8').matchAll(/rule: '([a-z0-9-]+)'/g)].map((m) => m[1]!),
          ),
      );
    const inApi = rulesIn(join(apiDir, 'src'));
    const inSchema = rulesIn(join(apiDir, '../../packages/schema/src'));
    expect([...inApi].filter((r) => !inSchema.has(r) && !API_RULES[r])).toEqual([]);
    const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
    expect(document['x-celr-rules']).toEqual(
      Object.entries(API_RULES).map(([rule, { where, what }]) => ({ rule, where, what })),
    );
  });
});
