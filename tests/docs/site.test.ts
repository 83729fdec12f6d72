/**
 * The built docs site (apps/docs), served by the API as `npm start` serves it: every internal link
 * resolves, the API reference has every operation of the committed OpenAPI document, the record
 * reference has every field @celr/schema defines; and, in a real headless Chromium, the pages render
 * without console errors or requests to other origins, navigation and local search work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CodeList, codeLists, RECORD_KINDS } from '@celr/schema';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRecordFields } from '../../apps/docs/scripts/lib/fields.js';
import { operationsOf, readOpenApi } from '../../apps/docs/scripts/lib/openapi.js';
import {
  builtPages,
  CHROMIUM,
  DIST_DIR,
  ensureSiteBuilt,
  REPO_ROOT,
  type RunningApi,
  startApi,
  textOf,
} from './support/site.js';

let api: RunningApi;

beforeAll(async () => {
  const { built, ms } = ensureSiteBuilt();
  if (built) console.info(`tests/docs: built the docs site in ${ms} ms`);
  api = await startApi({ docs: true });
}, 900_000);

afterAll(async () => {
  await api?.close();
});

interface Crawl {
  /** HTML of every page, by path (`/docs/concepts/access`). */
  pages: Map<string, string>;
  /** Every internal link, with the page it is on. */
  links: { from: string; href: string; url: URL }[];
}

const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
const pagePath = (url: URL) => url.pathname.replace(/\.html$/, '').replace(/\/index$/, '/');

let crawled: Promise<Crawl> | undefined;
/** Every page reachable from the home page, plus every page in the build; their internal links. */
function crawl(): Promise<Crawl> {
  crawled ??= (async () => {
    const pages = new Map<string, string>();
    const links: Crawl['links'] = [];
    const queue = ['/docs/', ...builtPages()];
    while (queue.length) {
      const path = queue.shift()!;
      if (pages.has(path)) continue;
      const response = await fetch(`${api.baseUrl}${path}`);
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      const html = await response.text();
      pages.set(path, html);
      for (const match of html.matchAll(/<a\b[^>]*?\shref="([^"]*)"/g)) {
        const href = decode(match[1]!);
        const url = new URL(href, `${api.baseUrl}${path}`);
        if (url.origin !== api.baseUrl) continue;
        links.push({ from: path, href, url });
        if (url.pathname.startsWith('/docs/') && !/\.[a-z0-9]+$/i.test(url.pathname.replace(/\.html$/, ''))) {
          queue.push(pagePath(url));
        }
      }
    }
    return { pages, links };
  })();
  return crawled;
}

describe('the built site', () => {
  it('is served by the API at /docs/ with every page of the build', async () => {
    const { pages } = await crawl();
    const built = builtPages();
    expect(built.length).toBeGreaterThan(50);
    for (const page of built) expect(pages.has(page), page).toBe(true);
    const home = await fetch(`${api.baseUrl}/docs/`);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('leads / and /docs to the site, and answers a page it does not have with its own 404 page', async () => {
    for (const [path, status] of [
      ['/', 302],
      ['/docs', 301],
    ] as const) {
      const response = await fetch(`${api.baseUrl}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBe(status);
      expect(response.headers.get('location'), path).toBe('/docs/');
    }
    const missing = await fetch(`${api.baseUrl}/docs/guides/no-such-guide`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await missing.text()).toBe(readFileSync(join(DIST_DIR, '404.html'), 'utf8'));
    // The API's own paths still answer with problem documents.
    const api404 = await fetch(`${api.baseUrl}/v1/no-such-thing`);
    expect(api404.status).toBe(404);
    expect(api404.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('has no internal link that does not resolve, to a page or to a heading on it', async () => {
    const { pages, links } = await crawl();
    const statuses = new Map<string, number>();
    const broken: string[] = [];
    for (const { from, href, url } of links) {
      const target = url.pathname.startsWith('/docs/') ? pagePath(url) : url.pathname;
      let html = pages.get(target);
      if (html === undefined) {
        if (!statuses.has(url.pathname))
          statuses.set(url.pathname, (await fetch(url, { method: 'HEAD' })).status);
        const status = statuses.get(url.pathname)!;
        if (status !== 200) broken.push(`${from}: ${href} -> ${status}`);
        continue;
      }
      if (url.hash.length > 1) {
        const id = decodeURIComponent(url.hash.slice(1));
        html = html.replace(/&amp;/g, '&');
        if (!html.includes(`id="${id}"`))
          broken.push(`${from}: ${href} -> no element with id "${id}" on ${target}`);
      }
    }
    expect(links.length).toBeGreaterThan(1000);
    expect(broken).toEqual([]);
  });

  it('loads nothing from another origin: no CDN, no web fonts, no hosted search', () => {
    const external: string[] = [];
    const scan = (dir: string) => {
      for (const page of builtPages()) {
        const file = join(dir, `${page.replace(/^\/docs\//, '').replace(/\/$/, '/index') || 'index'}.html`);
        if (!existsSync(file)) continue;
        const html = readFileSync(file, 'utf8');
        for (const m of html.matchAll(
          /<(?:script|link|img|iframe)\b[^>]*?\s(?:src|href)="(https?:)?\/\/[^"]*"/g,
        )) {
          external.push(`${page}: ${m[0]}`);
        }
        if (/algolia|fonts\.googleapis|cdn\.jsdelivr|unpkg\.com/i.test(html))
          external.push(`${page}: names a CDN`);
      }
    };
    scan(DIST_DIR);
    expect(external).toEqual([]);
  });
});

describe('the API reference', () => {
  const doc = readOpenApi();
  const operations = operationsOf(doc);

  it('has a page for every operation in apps/api/openapi.json, with its parameters, body and responses', async () => {
    const { pages } = await crawl();
    expect(operations.length).toBeGreaterThan(40);
    const index = textOf(pages.get('/docs/reference/api/')!);
    const missing: string[] = [];
    for (const op of operations) {
      const html = pages.get(`/docs/reference/api/${op.operationId}`);
      if (!html) {
        missing.push(`${op.operationId}: no page`);
        continue;
      }
      const text = textOf(html);
      const item = doc.paths[op.path][op.method.toLowerCase()];
      const expected = [
        op.operationId,
        op.summary,
        op.path,
        ...((item.parameters ?? []) as { name: string }[]).map((p) => p.name),
        ...Object.keys(item.responses ?? {}),
        ...(item.requestBody ? ['Request Body'] : []),
        'Responses',
      ];
      for (const e of expected) if (!text.includes(e)) missing.push(`${op.operationId}: ${e}`);
      if (!index.includes(op.summary)) missing.push(`${op.operationId}: not on the index page`);
    }
    expect(missing).toEqual([]);
  });
});

describe('the record reference', () => {
  it('lists every field of every record, as the generator walks them from @celr/schema', async () => {
    const { pages } = await crawl();
    const fields = allRecordFields();
    for (const kind of RECORD_KINDS) {
      const html = pages.get(`/docs/reference/records/${kind}`)!;
      const table = html.slice(html.indexOf('id="fields"'), html.indexOf('id="server-fields"'));
      const rows = [...table.matchAll(/<tr><td><code>([^<]*)<\/code><\/td>/g)].map((m) => decode(m[1]!));
      expect(rows, kind).toEqual(fields[kind]);
      expect(rows.length, kind).toBeGreaterThan(20);
    }
  });

  it('lists every code of every code list, with its source', async () => {
    const { pages } = await crawl();
    for (const list of Object.values(codeLists) as CodeList[]) {
      const html = pages.get(`/docs/reference/code-lists/${list.id}`)!;
      expect(html, list.id).toBeDefined();
      const codes = [...html.matchAll(/<tr><td><code>([^<]*)<\/code><\/td>/g)].map((m) => decode(m[1]!));
      expect(codes, list.id).toEqual(list.codes.map((c) => c.code));
      expect(html).toContain(decode(list.source.url).replace(/&/g, '&amp;'));
    }
  });
});

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `tests/docs: ${CHROMIUM} is not installed, so the browser tests of the docs site are skipped. ` +
      'Install it with `apt-get install -y chromium` (CI does).',
  );
}

describe.skipIf(!hasChromium)('in a browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  const external: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    // Anything that is not the API itself is recorded and refused: the site must work offline.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(api.baseUrl)) return route.continue();
      external.push(url);
      return route.abort();
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A page that records console errors, uncaught exceptions and failed requests. */
  async function open(path: string) {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${api.baseUrl}${path}`, { waitUntil: 'networkidle' });
    return { page, problems };
  }

  /** The page's h1, without VitePress's header anchor. */
  const heading = async (page: Page) =>
    ((await page.locator('.vp-doc h1').first().textContent()) ?? '').replace(/[\u200b#]/g, '').trim();

  it.each([
    ['/docs/', 'the home page'],
    ['/docs/getting-started', 'getting started'],
    ['/docs/guides/integrate-mis', 'a guide'],
    ['/docs/concepts/access', 'a concept page with generated tables'],
    ['/docs/reference/records/learner', 'the learner record reference'],
    ['/docs/reference/code-lists/england-legal-status', 'a code list'],
    ['/docs/reference/api/createLearner', 'an API operation'],
  ])('renders %s (%s) without console errors', async (path) => {
    const { page, problems } = await open(path);
    if (path === '/docs/') {
      await expect(page.locator('.VPHero .name').textContent()).resolves.toContain('CELR');
    } else {
      await expect(heading(page)).resolves.not.toBe('');
    }
    if (path.includes('/reference/api/')) {
      // vitepress-openapi's component hydrates: its parameters, body and responses are on the page.
      await page.getByText('Request Body').first().waitFor();
      await page.getByText('Responses').first().waitFor();
    }
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });

  it('shows a cURL sample a reader can run: the token step, the example body, the server they are on', async () => {
    const { page, problems } = await open('/docs/reference/api/createPlan');
    await page.getByText('Request Body').first().waitFor();
    const sample = page.locator('.vp-doc pre code', { hasText: 'curl -X POST' }).first();
    await sample.waitFor();
    const text = (await sample.textContent()) ?? '';
    expect(text).toContain(`TOKEN=$(curl -s ${api.baseUrl}/oauth/token -d grant_type=client_credentials`);
    expect(text).toContain(`curl -X POST '${api.baseUrl}/v1/plans'`);
    expect(text).toContain('-H "Authorization: Bearer $TOKEN"');
    expect(text).not.toMatch(/Bearer oauth2|localhost:3000/);
    // The body is the operation's example, which the API accepts as a plan.
    const body = JSON.parse(/--data '([\s\S]*)'\s*$/.exec(text)?.[1] ?? 'null');
    expect(body).toMatchObject({ jurisdiction: 'england', type: 'pep', learnerId: expect.any(String) });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('navigates from the home page to a guide and a reference page without reloading', async () => {
    const { page, problems } = await open('/docs/');
    await page.evaluate(() => {
      (window as unknown as { celrMarker: number }).celrMarker = 1;
    });
    await page.locator('.VPNavBar').getByRole('link', { name: 'Getting started' }).click();
    await page.waitForURL(`${api.baseUrl}/docs/getting-started`);
    await page.locator('.vp-doc h1', { hasText: 'Getting started' }).waitFor();

    await page.locator('.VPSidebar').getByRole('link', { name: 'Organisations and access' }).click();
    await page.waitForURL(`${api.baseUrl}/docs/concepts/access`);
    await page.locator('.vp-doc h1', { hasText: 'Organisations and access' }).waitFor();

    await page.locator('.vp-doc').getByRole('link', { name: 'createLearner' }).first().click();
    await page.waitForURL(`${api.baseUrl}/docs/reference/api/createLearner`);
    await page.locator('.vp-doc h1', { hasText: 'Create a learner' }).waitFor();
    await expect(heading(page)).resolves.toBe('Create a learner');
    await page.getByText('Request Body').first().waitFor();

    // The same document all along: VitePress's router changed pages, nothing reloaded.
    await expect(
      page.evaluate(() => (window as unknown as { celrMarker?: number }).celrMarker),
    ).resolves.toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('finds "UPN" with the built-in local search and opens a result', async () => {
    const { page, problems } = await open('/docs/');
    await page.locator('.VPNavBarSearch button').click();
    const input = page.locator('.VPLocalSearchBox input');
    await input.fill('UPN');
    const results = page.locator('.VPLocalSearchBox .results li');
    await results.first().waitFor();
    expect(await results.count()).toBeGreaterThan(0);
    const before = page.url();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.toString() !== before);
    // The first result is a page about UPNs.
    await page.locator('.vp-doc', { hasText: 'UPN' }).waitFor();
    expect(page.url()).not.toBe(`${api.baseUrl}/docs/`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('takes screenshots of the home page and a reference page', async () => {
    const home = await open('/docs/');
    await home.page.screenshot({ path: '/tmp/celr-docs-home.png' });
    await home.page.close();
    const record = await open('/docs/reference/records/learner');
    await record.page.evaluate(() => document.getElementById('fields')?.scrollIntoView());
    await record.page.screenshot({ path: '/tmp/celr-docs-reference-learner.png' });
    await record.page.close();
    const operation = await open('/docs/reference/api/createLearner');
    await operation.page.screenshot({ path: '/tmp/celr-docs-api-createLearner.png' });
    await operation.page.close();
    expect(existsSync('/tmp/celr-docs-home.png')).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'apps/docs/site/.vitepress/dist/index.html'))).toBe(true);
  });
});
