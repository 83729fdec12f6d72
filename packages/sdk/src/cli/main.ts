#!/usr/bin/env node
/**
 * `celr`: validate, import and export CELR records. The first Ctrl-C lets the command stop at a safe
 * point (an import stops sending or following its job, and the same command picks it up again);
 * a second one ends the process at once.
 */
import { runCli } from './app.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
