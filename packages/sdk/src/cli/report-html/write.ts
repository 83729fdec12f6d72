import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FailedError, type OptionSpec } from '../command.js';

/** `--html <file>`, the same on every report. */
export const HTML_OPTION = {
  type: 'string',
  value: '<file>',
  description:
    'Write the report to this file as one self-contained HTML page with charts, to send or print (nothing in it is fetched from anywhere).',
} as const satisfies OptionSpec;

/**
 * Where `--html <file>` will write, checked before the report is asked for, so that a typo in the
 * folder fails at once instead of after the API has assembled (and audited) the report.
 */
export async function htmlTarget(cwd: string, given: string): Promise<string> {
  const path = resolve(cwd, given);
  const kind = await stat(path).catch(() => undefined);
  if (kind?.isDirectory()) throw new FailedError(`--html ${given}: ${path} is a folder; name a file in it.`);
  try {
    await access(kind ? path : dirname(path), constants.W_OK);
  } catch (error) {
    throw new FailedError(`--html ${given}: cannot write ${path}: ${reason(error)}.`);
  }
  return path;
}

/** Writes the page; a failure names the file. */
export async function writeHtml(path: string, given: string, page: string): Promise<void> {
  try {
    await writeFile(path, page);
  } catch (error) {
    throw new FailedError(`--html ${given}: cannot write ${path}: ${reason(error)}.`);
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'EISDIR') return 'it is a folder';
  return (error as Error).message;
}
