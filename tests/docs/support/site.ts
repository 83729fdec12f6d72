/**
 * What the docs tests share: the built site (built here when it is missing), and the reference API
 * on a real socket, on its own throwaway database, optionally with the demo data and serving the
 * site at /docs/ exactly as `npm start` does (same routes, same security headers).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type openDatabase, startTestApp } from '@celr/api';
import type { FastifyInstance } from 'fastify';
import { loadDemo } from '../../../apps/api/src/demo/seed.js';
import { serveDocs } from '../../../apps/api/src/docs/serve-docs.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DOCS_DIR = join(REPO_ROOT, 'apps/docs');
export const DIST_DIR = join(DOCS_DIR, 'site/.vitepress/dist');
export const CHROMIUM = '/usr/bin/chromium';

/** Builds the site with its own build script unless a build is there (turbo builds it before the tests). */
export function ensureSiteBuilt(): { built: boolean; ms: number } {
  if (existsSync(join(DIST_DIR, 'index.html'))) return { built: false, ms: 0 };
  const started = performance.now();
  execFileSync('npm', ['run', 'build', '-w', '@celr/docs'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 600_000,
  });
  return { built: true, ms: Math.round(performance.now() - started) };
}

/** Every page of the built site, as the path it is served at (`/docs/concepts/access`). */
export function builtPages(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'assets' ? [] : walk(path);
      return e.name.endsWith('.html') && e.name !== '404.html' ? [path] : [];
    });
  return walk(DIST_DIR).map((file) => {
    const path = relative(DIST_DIR, file)
      .replace(/\\/g, '/')
      .replace(/\.html$/, '');
    return `/docs/${path === 'index' ? '' : path.replace(/(^|\/)index$/, '$1')}`;
  });
}

export interface RunningApi {
  app: FastifyInstance;
  baseUrl: string;
  prisma: Awaited<ReturnType<typeof openDatabase>>['prisma'];
  close(): Promise<void>;
}

export async function startApi(options: { demo?: boolean; docs?: boolean } = {}): Promise<RunningApi> {
  // A browser loading every page of the site makes more requests than one client would.
  const started = await startTestApp({ rateLimit: { max: 100_000, windowMs: 60_000 } });
  const { app, db } = started;
  if (options.docs) await serveDocs(app);
  if (options.demo) await loadDemo(db.prisma);
  await app.listen({ port: 0, host: '127.0.0.1' });
  // Bulk imports run in a worker, as `npm start` runs it (webhooks are stepped by the tests instead).
  app.bulkImports?.start();
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('The API is not listening on a port');
  return {
    app,
    prisma: db.prisma,
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: started.close,
  };
}

/** The text of an HTML fragment, without tags and with the entities VitePress writes decoded. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
