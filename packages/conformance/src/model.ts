/**
 * What the kit is made of, after FHIR's Inferno and the Ed-Fi and OneRoster certifications: suites
 * per role, groups per capability, and tests, each with a stable id, the clause it checks, a level
 * and one result.
 */

/** Who is being tested: the role of the implementation (and of the credentials given). */
export const ROLES = ['authority', 'school', 'vendor', 'transfer-peer'] as const;
export type Role = (typeof ROLES)[number];

/** `mandatory` tests must pass for a role; `recommended` ones say where an implementation could do better. */
export const LEVELS = ['mandatory', 'recommended'] as const;
export type Level = (typeof LEVELS)[number];

/**
 * What a test found. `fail`: the implementation did something the clause forbids. `skip`: the test
 * could not apply (it says why: no second organisation's credentials, say). `error`: the test could
 * not finish (the server did not answer, or answered something the test cannot read), which counts
 * against a mandatory test like a failure.
 */
export const RESULTS = ['pass', 'fail', 'skip', 'error'] as const;
export type ResultStatus = (typeof RESULTS)[number];

/** The capabilities, in the order they run. */
export const GROUPS = {
  auth: 'Authentication and scopes',
  problems: 'Problem documents',
  records: 'Records: create, read, replace, patch, delete and validation',
  versions: 'Versions and preconditions',
  idempotency: 'Idempotency',
  lists: 'Lists and cursors',
  access: "Access boundaries with a second organisation's credentials",
  feed: 'Change feed',
  webhooks: 'Webhooks',
  bulk: 'Bulk import and export',
  transfers: 'Transfers and signed bundles',
  school: "A school's rights",
  // Last: its final test judges every response the run received.
  schema: 'JSON Schema conformance of responses',
} as const;
export type GroupId = keyof typeof GROUPS;

/** One request the kit sent and what came back: the evidence a result rests on. */
export interface Exchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body: string };
  /** Set when no response came (refused connection, timeout) or it could not be read. */
  error?: string;
  /**
   * The operation the CELR OpenAPI document says the response answers, and how its body departs
   * from the schema declared for it (none: it matches). Absent when there was nothing to check.
   */
  schema?: { operation: string; violations: string[] };
  ms: number;
}

/** A test's verdict is thrown: a failure, a skip, or anything else (an error). */
export class TestFailure extends Error {
  override name = 'TestFailure';
}
export class TestSkipped extends Error {
  override name = 'TestSkipped';
}

export interface TestResult {
  id: string;
  group: GroupId;
  title: string;
  clause: string;
  level: Level;
  status: ResultStatus;
  /** Why it failed, was skipped or erred; for a pass, what was checked. */
  message: string;
  ms: number;
  /** The request and response that decided the result (the last one sent), when there was one. */
  decidedBy?: Exchange;
  /** Every request the test sent, in order. */
  exchanges: Exchange[];
}

export interface RunReport {
  kit: { name: string; version: string };
  server: { baseUrl: string; version?: string; openapiVersion?: string };
  role: Role;
  startedAt: string;
  ms: number;
  results: TestResult[];
  counts: Record<ResultStatus, number>;
  /** True when every mandatory test passed: a mandatory test skipped (for want of credentials, say) is not a pass. */
  conformant: boolean;
}
