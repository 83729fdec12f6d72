import { ProblemError } from './problem.js';

/** Strong ETag of a record version. Versions only grow, so the version alone identifies the content. */
export const etagOf = (version: number) => `"v${version}"`;

function versionsIn(header: string): number[] | '*' {
  if (header.trim() === '*') return '*';
  return header
    .split(',')
    .map((t) => /^\s*(?:W\/)?"v(\d+)"\s*$/.exec(t)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
}

/**
 * The version an `If-Match` header allows to be changed. Lost updates are what this prevents,
 * so replacing or patching without it is refused (428) rather than assumed.
 */
export function requiredIfMatch(header: string | undefined): number | '*';
export function requiredIfMatch(header: string | undefined, required: boolean): number | '*' | undefined;
export function requiredIfMatch(header: string | undefined, required = true): number | '*' | undefined {
  if (header === undefined) {
    if (required) {
      throw new ProblemError(
        'precondition-required',
        "Send If-Match with the ETag you read, so that no one else's change is overwritten.",
      );
    }
    return undefined;
  }
  const versions = versionsIn(header);
  if (versions === '*') return '*';
  if (versions.length === 0) {
    throw new ProblemError('precondition-failed', `If-Match ${header} names no version of this record.`);
  }
  // Several ETags may be listed; a record has one current version, so the highest is the one that can match.
  return Math.max(...versions);
}

export function matchesIfNoneMatch(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const versions = versionsIn(header);
  return versions === '*' || versions.includes(version);
}
