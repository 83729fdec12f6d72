#!/usr/bin/env node
// `celr-admin`, as npm links it. npm links a workspace's bin only if the file exists when it installs,
// and dist/ is built after `npm ci`: so this committed file is the bin, and loads the built tool
// (src/admin/cli.ts), or says how to build it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/admin/cli.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write(
    'celr-admin: the API is not built yet (@celr/api has no dist/admin/cli.js).\n' +
      'Run `npm run build` (or `npm start`) at the root of the CELR repository, or use\n' +
      '`npm run admin -w @celr/api -- --help`, which runs it from its source.\n',
  );
  process.exitCode = 1;
}
