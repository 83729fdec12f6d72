/**
 * Writes the JSON Schema (2020-12) of every published record and input shape, and every code
 * list as JSON, into dist/ so that vendors in any language can validate offline.
 * Run by `npm run build -w @celr/schema`; the output is generated, never edited.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeLists, rewriteRefs, SCHEMA_VERSION, schemaCatalogue, schemaFileName } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const schemaDir = join(root, 'json-schema');
// Not dist/code-lists: that folder holds the compiled TypeScript of src/code-lists.
const listDir = join(root, 'code-lists-json');
rmSync(schemaDir, { recursive: true, force: true });
rmSync(listDir, { recursive: true, force: true });
mkdirSync(schemaDir, { recursive: true });
mkdirSync(listDir, { recursive: true });

/**
 * OpenAPI's `discriminator` is not JSON Schema. In the files, a union by jurisdiction is a plain
 * `oneOf` (its variants exclude each other through their `jurisdiction` const), which every
 * JSON Schema validator understands, Ajv's discriminator support included.
 */
function plainJsonSchema(schema: Record<string, unknown>): Record<string, unknown> {
  if (!schema.discriminator) return schema;
  const { discriminator: _, anyOf, ...rest } = schema;
  return { ...rest, oneOf: anyOf };
}

const base = `https://schema.celr.dev/${SCHEMA_VERSION}/`;
const index: { name: string; file: string; title: string; description?: string }[] = [];
for (const { name, schema } of schemaCatalogue()) {
  const file = schemaFileName(name);
  const body = plainJsonSchema(
    rewriteRefs(schema, (ref) => `./${schemaFileName(ref)}`) as Record<string, unknown>,
  );
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${base}${file}`,
    ...body,
  };
  writeFileSync(join(schemaDir, file), `${JSON.stringify(document, null, 2)}\n`);
  const { title, description } = schema as { title?: string; description?: string };
  index.push({ name, file, title: title ?? name, ...(description !== undefined ? { description } : {}) });
}
writeFileSync(
  join(schemaDir, 'index.json'),
  `${JSON.stringify({ version: SCHEMA_VERSION, schemas: index }, null, 2)}\n`,
);

for (const list of Object.values(codeLists)) {
  writeFileSync(join(listDir, `${list.id}.json`), `${JSON.stringify(list, null, 2)}\n`);
}
writeFileSync(
  join(listDir, 'index.json'),
  `${JSON.stringify({ version: SCHEMA_VERSION, lists: Object.values(codeLists).map(({ id, title, jurisdiction }) => ({ id, title, jurisdiction, file: `${id}.json` })) }, null, 2)}\n`,
);
console.log(
  `@celr/schema: wrote ${index.length} JSON Schema files and ${Object.keys(codeLists).length} code lists to dist/`,
);
