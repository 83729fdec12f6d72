#!/usr/bin/env node
// The installed command: runs the built kit (npm links a bin only if this file exists at install time),
// or, in a checkout that has not been built yet, says how to build it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) {
  const { main } = await import(cli.href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  process.stderr.write(
    'celr-conformance: the conformance kit is not built yet (@celr/conformance has no dist/cli.js).\n' +
      'In the CELR repository run `npm run build` (or `npm start`) at its root, then run it again.\n',
  );
  process.exitCode = 1;
}
