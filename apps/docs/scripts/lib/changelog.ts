/**
 * The changelog page, from changesets: the packages' CHANGELOG.md files once `changeset version` has
 * written them, else the pending entries in .changeset/*.md, and the page says which it shows.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { code, text } from './markdown.js';
import { GENERATED_HEADER, REPO_ROOT } from './paths.js';

interface Workspace {
  name: string;
  dir: string;
}

function workspaces(): Workspace[] {
  return ['packages', 'apps'].flatMap((group) => {
    const root = join(REPO_ROOT, group);
    if (!existsSync(root)) return [];
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'package.json')))
      .map((e) => {
        const dir = join(root, e.name);
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
        return { name: pkg.name, dir };
      });
  });
}

/** Headings one level down, so that a package's `# @celr/x` becomes a section of the page. */
const demote = (markdown: string) => markdown.replace(/^(#{1,5}) /gm, '#$1 ');

interface Pending {
  file: string;
  bumps: Record<string, string>;
  summary: string;
}

export function pendingChangesets(dir = join(REPO_ROOT, '.changeset')): Pending[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f.toLowerCase() !== 'readme.md')
    .sort()
    .map((file) => {
      const source = readFileSync(join(dir, file), 'utf8');
      const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(source);
      const bumps: Record<string, string> = {};
      for (const line of (match?.[1] ?? '').split(/\r?\n/)) {
        const m = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/.exec(line);
        if (m) bumps[m[1]!] = m[2]!;
      }
      return { file, bumps, summary: (match?.[2] ?? source).trim() };
    });
}

export function changelogPage(): { page: string; source: 'changelogs' | 'pending' | 'none' } {
  const head = ['---', 'title: "Changelog"', '---', GENERATED_HEADER, '', '# Changelog', ''];
  const released = workspaces().filter((w) => existsSync(join(w.dir, 'CHANGELOG.md')));
  if (released.length) {
    return {
      source: 'changelogs',
      page: [
        ...head,
        `Released versions, from the ${code('CHANGELOG.md')} files that ${code('changeset version')} writes in each package (${released.map((w) => code(w.name)).join(', ')}).`,
        '',
        ...released.map((w) => demote(readFileSync(join(w.dir, 'CHANGELOG.md'), 'utf8').trim())),
        '',
      ].join('\n'),
    };
  }
  const pending = pendingChangesets();
  if (pending.length) {
    return {
      source: 'pending',
      page: [
        ...head,
        `No version has been released yet, so there is no ${code('CHANGELOG.md')}. These are the changes waiting in ${code('.changeset/')} for the next release; ${code('changeset version')} will turn them into each package's changelog.`,
        '',
        ...pending.flatMap((p) => [
          `## ${
            Object.entries(p.bumps)
              .map(([pkg, bump]) => `${pkg} (${bump})`)
              .join(', ') || p.file
          }`,
          '',
          text(p.summary),
          '',
        ]),
      ].join('\n'),
    };
  }
  return {
    source: 'none',
    page: [
      ...head,
      `Nothing has been released yet and no change is waiting: no package has a ${code('CHANGELOG.md')} and ${code('.changeset/')} holds no entries. Every user-visible change to a published package is described with ${code('npx changeset')}; this page is rebuilt from those entries, and from the changelogs once a version is released.`,
      '',
    ].join('\n'),
  };
}
