import type { ConformanceTest } from './define.js';
import { GROUPS, type GroupId, type Role } from './model.js';
import { accessTests } from './suites/access.js';
import { authTests } from './suites/auth.js';
import { bulkTests } from './suites/bulk.js';
import { feedTests } from './suites/feed.js';
import { problemTests } from './suites/problems.js';
import { recordTests } from './suites/records.js';
import { schemaTests } from './suites/schema.js';
import { schoolTests } from './suites/school.js';
import { transferTests } from './suites/transfers.js';
import { versionTests } from './suites/versions.js';

const ORDER = Object.keys(GROUPS) as GroupId[];

/** Every test of the kit, in the order a run takes them: by group, then as written. */
export const CATALOGUE: readonly ConformanceTest[] = [
  ...authTests,
  ...problemTests,
  ...recordTests,
  ...versionTests,
  ...accessTests,
  ...feedTests,
  ...bulkTests,
  ...transferTests,
  ...schemaTests,
  ...schoolTests,
].sort((a, b) => ORDER.indexOf(a.group) - ORDER.indexOf(b.group));

/** The suite of a role: its tests, or only those of the groups named (`--only`). */
export function suiteFor(role: Role, only?: readonly string[]): ConformanceTest[] {
  return CATALOGUE.filter(
    (test) =>
      test.roles.includes(role) && (!only?.length || only.includes(test.group) || only.includes(test.id)),
  );
}
