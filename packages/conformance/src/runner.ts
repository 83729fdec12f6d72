import { suiteFor } from './catalogue.js';
import { type RunOptions, Session, TestContext } from './context.js';
import { RecordingHttp } from './http.js';
import { KIT } from './kit.js';
import {
  RESULTS,
  type ResultStatus,
  type RunReport,
  TestFailure,
  type TestResult,
  TestSkipped,
} from './model.js';

export interface RunConformanceOptions extends RunOptions {
  /** Groups or test ids to run; the whole suite of the role when absent. */
  only?: readonly string[] | undefined;
  /** Told as each test starts and ends, for progress. */
  onTest?: ((event: { index: number; total: number; result?: TestResult; id: string }) => void) | undefined;
}

/**
 * Runs the role's suite against a server, one test at a time (the tests change what the server
 * holds, so they never overlap), and removes what each test made once it ends, whatever the result.
 */
export async function runConformance(options: RunConformanceOptions): Promise<RunReport> {
  const tests = suiteFor(options.role, options.only);
  const session = new Session(options);
  const startedAt = new Date();
  const results: TestResult[] = [];
  const server = await serverVersion(session);
  for (const [index, test] of tests.entries()) {
    options.onTest?.({ index, total: tests.length, id: test.id });
    session.currentTest = test.id;
    const t = new TestContext(session);
    const started = performance.now();
    let status: ResultStatus;
    let message: string;
    try {
      message = await test.run(t);
      status = 'pass';
    } catch (error) {
      if (error instanceof TestFailure) status = 'fail';
      else if (error instanceof TestSkipped) status = 'skip';
      else status = 'error';
      message = error instanceof Error ? error.message : String(error);
    }
    // What the test made and could not remove is said, whatever the result: a run must not leave
    // records behind unnoticed.
    const leftovers = await t.cleanup();
    if (leftovers.length) message += ` (left behind: ${leftovers.join('; ')})`;
    const exchanges = t.http.exchanges;
    const result: TestResult = {
      id: test.id,
      group: test.group,
      title: test.title,
      clause: test.clause,
      level: test.level,
      status,
      message,
      ms: Math.round(performance.now() - started),
      // The request that decided: the last one the test itself sent (its clean-up comes after).
      ...(exchanges.length ? { decidedBy: exchanges[lastBeforeCleanup(t, exchanges.length)] } : {}),
      exchanges,
    };
    results.push(result);
    options.onTest?.({ index, total: tests.length, id: test.id, result });
  }
  const counts = Object.fromEntries(RESULTS.map((r) => [r, 0])) as Record<ResultStatus, number>;
  for (const r of results) counts[r.status]++;
  return {
    kit: KIT,
    server: { baseUrl: options.baseUrl, ...server },
    role: options.role,
    startedAt: startedAt.toISOString(),
    ms: Date.now() - startedAt.getTime(),
    results,
    counts,
    // A mandatory test that was skipped (no second organisation given, say) is not a pass.
    conformant: results.every((r) => r.level !== 'mandatory' || r.status === 'pass'),
  };
}

function lastBeforeCleanup(t: TestContext, total: number): number {
  return Math.min(t.exchangesBeforeCleanup ?? total, total) - 1;
}

/**
 * What the server says it is: its OpenAPI document's info, where it publishes one. Only for the
 * report: the kit checks responses against its own copy of CELR's document, never the server's.
 */
async function serverVersion(session: Session): Promise<{ version?: string; openapiVersion?: string }> {
  try {
    const res = await new RecordingHttp(session.options.baseUrl, session.options.timeoutMs).send(
      'GET',
      '/openapi.json',
    );
    if (res.status !== 200) return {};
    const doc = res.json as { openapi?: string; info?: { version?: string } };
    return {
      ...(doc.info?.version ? { version: doc.info.version } : {}),
      ...(doc.openapi ? { openapiVersion: doc.openapi } : {}),
    };
  } catch {
    return {};
  }
}
