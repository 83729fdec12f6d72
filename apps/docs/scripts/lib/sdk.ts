/**
 * The SDK guide's generated part. @celr/sdk is being written alongside the docs: when its README
 * and its quickstart example exist at build time the guide shows them (the example through a
 * snippet import, so the page always shows the file as it is); until then the guide says it is coming.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { code } from './markdown.js';
import { GENERATED_HEADER, SDK_DIR, SDK_QUICKSTART } from './paths.js';
import type { Pages } from './record-pages.js';

/** Relative links in the README point into the repository, which the site does not serve: keep the text, name the file. */
function withoutRelativeLinks(markdown: string): string {
  return markdown.replace(
    /(!?)\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g,
    (whole, bang: string, label: string, target: string) => {
      if (/^(https?:|mailto:|#)/.test(target)) return whole;
      if (bang) return '';
      return `${label} (${code(posix.join('packages/sdk', target))})`;
    },
  );
}

export function sdkPages(): { pages: Pages; quickstart: boolean; readme: boolean } {
  const pages: Pages = new Map();
  const readmeFile = join(SDK_DIR, 'README.md');
  const readme = existsSync(readmeFile);
  const quickstart = existsSync(SDK_QUICKSTART);

  if (readme) {
    pages.set(
      'reference/sdk.md',
      [
        '---',
        'title: "@celr/sdk README"',
        '---',
        GENERATED_HEADER,
        '',
        '::: v-pre',
        withoutRelativeLinks(readFileSync(readmeFile, 'utf8')).replace(/^:::/gm, '\\:::'),
        ':::',
        '',
      ].join('\n'),
    );
  }

  const parts = [GENERATED_HEADER, ''];
  if (readme) {
    parts.push(
      `The SDK's own documentation is its README, ${code('packages/sdk/README.md')}, shown here as [the @celr/sdk README](../reference/sdk).`,
      '',
    );
  }
  if (quickstart) {
    parts.push(
      `## Quickstart {#quickstart}`,
      '',
      `This is ${code('packages/sdk/examples/quickstart.ts')} as it is in the repository:`,
      '',
      '<<< @/../../../packages/sdk/examples/quickstart.ts',
      '',
    );
  }
  if (!readme && !quickstart) {
    parts.push(
      '::: info This guide is coming',
      `${code('@celr/sdk')} is being written now, in ${code('packages/sdk')}. When its README and its quickstart example (${code('packages/sdk/examples/quickstart.ts')}) are in the repository, the next build of this site shows them here. Until then, call the API over HTTP as in [Getting started](../getting-started) and [Integrate an MIS](./integrate-mis).`,
      ':::',
      '',
    );
  }
  pages.set('_generated/sdk.md', parts.join('\n'));
  return { pages, quickstart, readme };
}
