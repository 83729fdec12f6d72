/**
 * Puts CELR's OpenAPI document beside the built kit (dist/openapi.json), from the reference API's
 * committed apps/api/openapi.json: the kit checks every response against the schema it declares,
 * without asking the server under test for a document. Only what that needs is kept (each
 * operation's responses' schemas, and the schemas they refer to); descriptions, examples and
 * headers are left out.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const source = new URL('../../../apps/api/openapi.json', import.meta.url);
const target = new URL('../dist/openapi.json', import.meta.url);
const document = JSON.parse(readFileSync(source, 'utf8'));

const paths = {};
for (const [template, item] of Object.entries(document.paths)) {
  paths[template] = {};
  for (const [method, operation] of Object.entries(item)) {
    if (!operation?.responses) continue;
    const responses = {};
    for (const [status, response] of Object.entries(operation.responses)) {
      const content = {};
      for (const [mediaType, media] of Object.entries(response.content ?? {}))
        content[mediaType] = media.schema ? { schema: media.schema } : {};
      responses[status] = { content };
    }
    paths[template][method] = { responses };
  }
}
const bundled = {
  openapi: document.openapi,
  info: { title: document.info.title, version: document.info.version },
  paths,
  components: { schemas: document.components.schemas },
};
writeFileSync(target, JSON.stringify(bundled));
console.log(`wrote ${target.pathname} (${JSON.stringify(bundled).length} bytes)`);
