import { GROUPS, type RunReport, type TestResult } from '../model.js';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERR ' } as const;

/** One line for a finished test, as the run goes. */
export function resultLine(r: TestResult): string {
  const level = r.level === 'mandatory' ? '' : ' (recommended)';
  const why = r.status === 'pass' ? '' : `\n       ${r.message}`;
  const where =
    r.status === 'fail' && r.decidedBy
      ? `\n       ${r.decidedBy.request.method} ${new URL(r.decidedBy.request.url).pathname} -> ${r.decidedBy.response?.status ?? r.decidedBy.error}`
      : '';
  return `${MARK[r.status]} ${r.id}${level}: ${r.title} [${r.clause}]${why}${where}`;
}

/** The summary after the run: counts by group, then the verdict. */
export function summary(report: RunReport): string {
  const lines = [
    '',
    `CELR conformance kit ${report.kit.version}, role ${report.role}, against ${report.server.baseUrl}`,
  ];
  for (const group of Object.keys(GROUPS) as (keyof typeof GROUPS)[]) {
    const results = report.results.filter((r) => r.group === group);
    if (!results.length) continue;
    const n = (s: string) => results.filter((r) => r.status === s).length;
    lines.push(
      `  ${GROUPS[group]}: ${n('pass')} passed, ${n('fail')} failed, ${n('skip')} skipped, ${n('error')} errors`,
    );
  }
  const c = report.counts;
  lines.push(
    `${report.results.length} tests in ${(report.ms / 1000).toFixed(1)} s: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped, ${c.error} errors.`,
    report.conformant
      ? `Conformant: every mandatory test of the ${report.role} suite passed.`
      : `Not conformant: ${report.results.filter((r) => r.level === 'mandatory' && r.status !== 'pass').length} mandatory tests did not pass.`,
  );
  return `${lines.join('\n')}\n`;
}
