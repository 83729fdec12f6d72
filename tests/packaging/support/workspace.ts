/** The repository's packages as npm sees them: the root manifest and the workspaces that are published. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  type?: string;
  keywords?: string[];
  homepage?: string;
  repository?: { type?: string; url?: string; directory?: string };
  bugs?: { url?: string };
  engines?: { node?: string };
  files?: string[];
  bin?: Record<string, string>;
  exports?: unknown;
  publishConfig?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, unknown>;
}

export const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(`${REPO_ROOT}${dir}/package.json`, 'utf8'));

export const rootManifest = (): Manifest => readManifest('.');

/** Every workspace folder (`packages/x`, `apps/x`, `tests`) with its manifest. */
export function workspaces(): { dir: string; manifest: Manifest }[] {
  const dirs = ['packages', 'apps'].flatMap((parent) =>
    readdirSync(`${REPO_ROOT}${parent}`, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${parent}/${d.name}`),
  );
  return [...dirs, 'tests'].map((dir) => ({ dir, manifest: readManifest(dir) }));
}

/** The workspaces npm would publish: those not marked private. */
export const publishedPackages = () => workspaces().filter(({ manifest }) => !manifest.private);
