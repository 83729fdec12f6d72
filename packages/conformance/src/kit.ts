import { createRequire } from 'node:module';

// The same relative path from src/ (tests) and dist/ (the built kit): both sit beside package.json.
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** The kit's name and version, as every report states them. */
export const KIT = { name: pkg.name, version: pkg.version } as const;
