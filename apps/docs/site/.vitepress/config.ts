import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';

/** The sidebars of the generated sections, written by scripts/generate.ts (run it first: `npm run build`). */
const generated = JSON.parse(
  readFileSync(fileURLToPath(new URL('../_generated/sidebar.json', import.meta.url)), 'utf8'),
) as {
  api: DefaultTheme.SidebarItem[];
  records: DefaultTheme.SidebarItem[];
  codeLists: DefaultTheme.SidebarItem[];
  /** Whether the OpenAPI document has transfer operations yet. */
  transfers: boolean;
};

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Introduction',
    items: [
      { text: 'Why CELR', link: '/why' },
      { text: 'Getting started', link: '/getting-started' },
    ],
  },
  {
    text: 'Concepts',
    items: [
      { text: 'Learners', link: '/concepts/learners' },
      { text: 'Plans', link: '/concepts/plans' },
      { text: 'Meetings', link: '/concepts/meetings' },
      { text: 'Transitions', link: '/concepts/transitions' },
      { text: generated.transfers ? 'Transfers' : 'Transfers (coming)', link: '/concepts/transfers' },
      { text: 'Organisations and access', link: '/concepts/access' },
      { text: 'Versions and history', link: '/concepts/versions' },
      { text: 'Errors', link: '/concepts/errors' },
      { text: 'Security', link: '/concepts/security' },
    ],
  },
  {
    text: 'Guides',
    items: [
      { text: 'Integrate an MIS', link: '/guides/integrate-mis' },
      { text: 'Load your cohort from the SSDA903 return', link: '/guides/load-ssda903' },
      { text: 'Transfer a learner', link: '/guides/transfer-a-learner' },
      { text: 'Run the termly PEP report', link: '/guides/termly-pep-report' },
      { text: 'The cohort report', link: '/guides/cohort-report' },
      { text: 'Your PEP policy and term dates', link: '/guides/compliance-settings' },
      { text: 'Use the SDK', link: '/guides/sdk' },
      { text: 'Python quickstart', link: '/guides/python' },
      { text: 'Validate files offline', link: '/guides/validate-offline' },
      { text: 'Run on PostgreSQL', link: '/guides/postgresql' },
    ],
  },
  {
    text: 'Conformance',
    items: [{ text: 'The conformance kit', link: '/conformance/' }],
  },
];

const reference: DefaultTheme.SidebarItem[] = [
  { text: 'API reference', link: '/reference/api/' },
  { text: 'Records', link: '/reference/records/', items: generated.records },
  { text: 'Code lists', link: '/reference/code-lists/', collapsed: true, items: generated.codeLists },
  { text: 'Changelog', link: '/changelog' },
];

export default defineConfig({
  title: 'CELR',
  description:
    'CELR: an open standard and reference API for the education records of care-experienced learners.',
  lang: 'en-GB',
  // The API serves the built site at /docs/ (apps/api/src/docs/serve-docs.ts).
  base: '/docs/',
  cleanUrls: true,
  // Generated partials are included into pages, not pages themselves.
  srcExclude: ['_generated/**', '**/README.md'],
  lastUpdated: false,
  head: [
    ['link', { rel: 'icon', type: 'image/svg+xml', href: '/docs/favicon.svg' }],
    ['meta', { name: 'theme-color', content: '#1f6f5c' }],
  ],
  markdown: { lineNumbers: false },
  themeConfig: {
    nav: [
      { text: 'Getting started', link: '/getting-started', activeMatch: '^/getting-started' },
      { text: 'Concepts', link: '/concepts/learners', activeMatch: '^/concepts/' },
      { text: 'Guides', link: '/guides/integrate-mis', activeMatch: '^/guides/' },
      { text: 'Conformance', link: '/conformance/', activeMatch: '^/conformance/' },
      { text: 'API', link: '/reference/api/', activeMatch: '^/reference/api/' },
      { text: 'Records', link: '/reference/records/', activeMatch: '^/reference/(records|code-lists)/' },
      { text: 'Changelog', link: '/changelog' },
    ],
    sidebar: {
      '/reference/api/': [
        { text: 'API reference', link: '/reference/api/' },
        ...generated.api,
        { text: 'Records', link: '/reference/records/' },
      ],
      '/reference/': reference,
      '/changelog': reference,
      '/': [...guide, { text: 'Reference', items: reference }],
    },
    // Built-in local search: the index is built with the site and searched in the browser; nothing
    // is sent anywhere (no Algolia).
    search: {
      provider: 'local',
      options: {
        // The operation pages are mostly a Vue component that the index cannot see; their heading,
        // operation id, scope and access rule are plain markdown and are indexed.
        miniSearch: { searchOptions: { boost: { title: 4, text: 2, titles: 1 } } },
      },
    },
    outline: { level: [2, 3] },
    footer: {
      message: 'MIT licence. All people, schools and authorities in the examples are fictional.',
    },
    docFooter: { prev: 'Previous', next: 'Next' },
  },
  vite: {
    // Everything is bundled; the site loads nothing from another origin.
    build: { chunkSizeWarningLimit: 4000 },
    ssr: { noExternal: ['vitepress-openapi'] },
  },
});
