import { existsSync } from 'node:fs';
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
  await app.register(fastifyStatic, {
    root,
    prefix: '/docs/',
    extensions: ['html'],
    redirect: true,
    decorateReply: false,
    // Public static files; the authentication hook lets routes under /docs/ through.
  });
}
