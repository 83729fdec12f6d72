/**
 * Writes the OpenAPI document of the API to apps/api/openapi.json, from the app itself: no
 * database, no socket. The file is committed so that API changes are reviewed as diffs of it;
 * the SDK's types and the docs' API reference are generated from it. `--check` fails when the
 * committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { OPENAPI_PATH, openApiDocument } from '../src/openapi.js';

const document = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  const committed = readFileSync(OPENAPI_PATH, 'utf8');
  if (committed !== document) {
    console.error(`${OPENAPI_PATH} is stale: run npm run openapi -w @celr/api and commit the result.`);
    process.exit(1);
  }
  console.log('openapi.json is up to date');
} else {
  writeFileSync(OPENAPI_PATH, document);
  console.log(`wrote ${OPENAPI_PATH}`);
}
