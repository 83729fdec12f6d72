/**
 * Hand-written pages that describe things the code decides: they fail here when the code changes and
 * the page does not. The Security page explains each OWASP warning Spectral still gives on the
 * committed OpenAPI document; the PostgreSQL guide lists every setting the API reads.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DOCS_DIR, REPO_ROOT } from './support/site.js';

const run = promisify(execFile);

describe('the Security page', () => {
  it('explains every kind of warning `spectral lint openapi.json` gives, and Spectral gives no error', async () => {
    const { stdout } = await run(
      join(REPO_ROOT, 'node_modules/.bin/spectral'),
      ['lint', 'openapi.json', '-f', 'json', '--quiet'],
      {
        cwd: join(REPO_ROOT, 'apps/api'),
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '[]' }));
    const results = JSON.parse(stdout || '[]') as { code: string; severity: number }[];
    expect(results.filter((r) => r.severity === 0)).toEqual([]);
    const codes = [...new Set(results.map((r) => r.code))].sort();
    const page = readFileSync(join(DOCS_DIR, 'site/concepts/security.md'), 'utf8');
    expect(codes.filter((code) => !page.includes(`\`${code}\``))).toEqual([]);
  }, 120_000);
});

describe('the PostgreSQL guide', () => {
  it('lists every environment variable the API reads in its configuration', () => {
    const config = readFileSync(join(REPO_ROOT, 'apps/api/src/config.ts'), 'utf8');
    const variables = [...new Set([...config.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!))];
    expect(variables.length).toBeGreaterThan(10);
    const page = readFileSync(join(DOCS_DIR, 'site/guides/postgresql.md'), 'utf8');
    expect(variables.filter((v) => !page.includes(`\`${v}\``))).toEqual([]);
  });
});

describe('where npm start keeps its data', () => {
  it('is the folder the API chooses when npm start runs it, as the README and Getting started say', async () => {
    const { configFromEnv } = await import('../../apps/api/src/config.js');
    // `npm start` serves the API with `npm run serve -w @celr/api`, so from apps/api, with no settings.
    const config = configFromEnv({}, join(REPO_ROOT, 'apps/api'));
    const folder = `${relative(REPO_ROOT, config.dataDir)}/`;
    expect(folder).toBe('apps/api/.data/postgres/');
    const database = config.embeddedDatabase === 'postgresql' ? 'embedded PostgreSQL' : 'embedded PGlite';
    for (const page of [join(REPO_ROOT, 'README.md'), join(DOCS_DIR, 'site/getting-started.md')]) {
      const text = readFileSync(page, 'utf8');
      expect(text, page).toContain(`\`${folder}\``);
      expect(text, page).not.toMatch(/`\.\/\.data\/`|\.data\/pglite\)/);
    }
    const started = readFileSync(join(DOCS_DIR, 'site/getting-started.md'), 'utf8');
    expect(started).toMatch(
      new RegExp(
        `CELR API +http://localhost:3000 +\\(${database} on 127\\.0\\.0\\.1:\\d+, data in /\\S+/${folder.slice(0, -1)}\\)`,
      ),
    );
  });
});
