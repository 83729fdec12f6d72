/**
 * Writes the generated part of the docs site before `vitepress build`:
 * - site/reference/api/: one page per operation of apps/api/openapi.json (rendered by vitepress-openapi
 *   from a per-operation slice of the document), and the index;
 * - site/reference/records/ and site/reference/code-lists/: every field of every record and every
 *   code list, from @celr/schema;
 * - site/_generated/: tables included by the hand-written pages (who may call each operation, scopes,
 *   problem types, validation rules, the SDK quickstart, the conformance kit's tests) and the sidebar of the generated sections;
 * - site/changelog.md, from changesets; site/public/openapi.json, the document itself.
 * Everything it writes is listed in GENERATED (scripts/lib/paths.ts), gitignored, and starts with a
 * comment naming this script.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { apiPages, apiSidebar } from './lib/api-pages.js';
import { changelogPage } from './lib/changelog.js';
import { changesPages } from './lib/changes.js';
import { conformancePages } from './lib/conformance.js';
import { errorPages } from './lib/error-pages.js';
import { readOpenApi } from './lib/openapi.js';
import { GENERATED, SITE_DIR } from './lib/paths.js';
import { recordPages, recordSidebar } from './lib/record-pages.js';
import { requestExamples } from './lib/request-examples.js';
import { sdkPages } from './lib/sdk.js';
import { transferPages } from './lib/transfers.js';

const started = performance.now();
const warnings: string[] = [];

for (const path of GENERATED) rmSync(join(SITE_DIR, path), { recursive: true, force: true });

function write(path: string, content: string) {
  const file = join(SITE_DIR, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

const doc = readOpenApi();
const api = apiPages(doc);
const sdk = sdkPages();
const changelog = changelogPage();
const transfers = transferPages(doc);
const changes = changesPages(doc);
const pages = new Map([
  ...api.pages,
  ...recordPages(doc),
  ...errorPages(doc, (m) => warnings.push(m)),
  ...sdk.pages,
  ...transfers.pages,
  ...changes.pages,
  ...conformancePages(),
  ['changelog.md', changelog.page],
]);
for (const [path, content] of pages) write(path, content);
for (const [path, spec] of api.specs) write(path, `${JSON.stringify(spec)}\n`);
write('public/openapi.json', `${JSON.stringify(doc, null, 2)}\n`);
write('_generated/request-examples.json', `${JSON.stringify(requestExamples(doc))}\n`);
write(
  '_generated/sidebar.json',
  `${JSON.stringify({ api: apiSidebar(doc), ...recordSidebar(), transfers: transfers.available }, null, 2)}\n`,
);

for (const w of warnings) console.warn(`docs: warning: ${w}`);
console.log(
  `docs: generated ${pages.size} pages and ${api.specs.size} operation documents in ${Math.round(performance.now() - started)} ms ` +
    `(changelog from ${changelog.source}; SDK quickstart ${sdk.quickstart ? 'included' : 'not there yet: placeholder'}; transfers ${transfers.available ? 'in the API' : 'planned'}; change feed ${changes.feed ? 'in the API' : 'not yet'})`,
);
