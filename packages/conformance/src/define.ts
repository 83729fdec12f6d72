import type { TestContext } from './context.js';
import type { GroupId, Level, Role } from './model.js';

/** One test of the kit. */
export interface ConformanceTest {
  /** Stable: reports, CI systems and the docs' table name tests by it. */
  id: string;
  group: GroupId;
  title: string;
  /** The clause it checks: a section of the CELR documentation or of an RFC. */
  clause: string;
  level: Level;
  /** The roles whose suites hold it. */
  roles: readonly Role[];
  /** Throws TestFailure or TestSkipped, or returns what it checked, for the report. */
  run(t: TestContext): Promise<string>;
}

/** The roles that write records as a local authority: the authority itself, or a vendor acting for one. */
export const WRITERS: readonly Role[] = ['authority', 'vendor'];
/** Every role: what any CELR server does for any client. */
export const EVERYONE: readonly Role[] = ['authority', 'school', 'vendor', 'transfer-peer'];

/** The CELR documentation's pages, as clauses name them. */
export const CELR = (page: string, anchor?: string) => `CELR ${page}${anchor ? `#${anchor}` : ''}`;
