#!/usr/bin/env node
// `celr`, as npm installs it. npm links a package's bin only if the file exists when it installs, and
// in the CELR repository dist/ is built after `npm ci`: so this committed file is the bin, and loads the
// built command-line tool (src/cli/main.ts), or says how to build it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(main)) {
  await import(main.href);
} else {
  process.stderr.write(
    'celr: the command-line tool is not built yet (@celr/sdk has no dist/cli/main.js).\n' +
      'In the CELR repository run `npm run build` (or `npm start`) at its root, then run celr again.\n',
  );
  process.exitCode = 1;
}
