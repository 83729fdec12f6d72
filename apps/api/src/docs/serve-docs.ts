import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const DOCS_SITE = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/site/.vitepress/dist');

/** The OpenAPI document, and the built documentation site (apps/docs) at /docs next to the API. */
export async function serveDocs(app: FastifyInstance, root = DOCS_SITE) {
  app.get('/openapi.json', { config: { access: { public: true } }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  if (!existsSync(root)) {
    app.get(
      '/docs/*',
      { config: { access: { public: true } }, schema: { hide: true } },
      async (_req, reply) =>
        reply.code(404).type('text/plain').send('The docs site is not built yet: run npm run build.'),
    );
    return;
  }
  // Where people type the address by hand: the server's root and /docs without its slash lead to
  // the site rather than to the API's JSON 404.
  const toSite = { config: { access: { public: true as const } }, schema: { hide: true } };
  app.get('/', toSite, async (_req, reply) => reply.redirect('/docs/', 302));
  app.get('/docs', toSite, async (_req, reply) => reply.redirect('/docs/', 301));
  const notFoundPage = existsSync(join(root, '404.html')) ? readFileSync(join(root, '404.html')) : undefined;
  await app.register(
    async (site) => {
      await site.register(fastifyStatic, {
        root,
        prefix: '/',
        extensions: ['html'],
        redirect: true,
        decorateReply: false,
        // Public static files; the authentication hook lets routes under /docs/ through.
      });
      // A page the site does not have gets the site's own 404 page (with its navigation and search),
      // not the API's problem document, which a reader of the docs has no use for.
      if (notFoundPage) {
        site.setNotFoundHandler((_req, reply) =>
          reply.code(404).type('text/html; charset=utf-8').send(notFoundPage),
        );
      }
    },
    { prefix: '/docs' },
  );
}
