/**
 * The project says it runs on Node.js 20.19 or later (the root package.json's `engines`, the README).
 * Every package `npm ci` installs must say so too: one whose `engines` leaves out Node 20 makes npm
 * print EBADENGINE, and it may use what Node 20 lacks. The lockfile records each package's `engines`,
 * so a dependency added or upgraded to a Node 22-only version fails here, before anyone installs it.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { publishedPackages, REPO_ROOT, rootManifest } from './support/workspace.js';

const project = rootManifest() as { engines: { node: string } };
const lock = JSON.parse(readFileSync(`${REPO_ROOT}package-lock.json`, 'utf8')) as {
  packages: Record<string, { version?: string; engines?: unknown }>;
};

/** The oldest Node.js the project supports, and the one running the tests (the one npm ci checked). */
const nodes = [semver.minVersion(project.engines.node)!.version, process.versions.node];

describe('engines', () => {
  it('the project supports Node.js 20.19 and later, as the README says', () => {
    expect(nodes[0]).toBe('20.19.0');
    expect(semver.satisfies(process.versions.node, project.engines.node)).toBe(true);
  });

  it.each(nodes)('every package in package-lock.json allows Node.js %s', (node) => {
    const refused = Object.entries(lock.packages)
      .filter(([, entry]) => {
        const range = (entry.engines as { node?: unknown } | undefined)?.node;
        return typeof range === 'string' && !semver.satisfies(node, range);
      })
      .map(([path, entry]) => `${path}@${entry.version} (node ${(entry.engines as { node: string }).node})`);
    expect(refused).toEqual([]);
  });

  it('every published package says which Node.js it needs, as the project does', () => {
    const published = publishedPackages();
    expect(published.length).toBeGreaterThan(0);
    for (const { dir, manifest } of published) expect(manifest.engines?.node, dir).toBe(project.engines.node);
  });
});
