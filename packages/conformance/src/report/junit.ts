import type { RunReport } from '../model.js';
import { GROUPS } from '../model.js';

/**
 * Characters XML 1.0 cannot hold even escaped: C0 controls but tab, CR and LF; lone surrogates (a
 * server's text may have them); U+FFFE and U+FFFF.
 */
const notXml = (code: number) =>
  (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
  (code >= 0xd800 && code <= 0xdfff) ||
  code === 0xfffe ||
  code === 0xffff;

const xml = (text: string) =>
  [...text]
    .filter((c) => !notXml(c.codePointAt(0) ?? 0))
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/**
 * The run as JUnit XML, the form CI systems read: a testsuite per group, a testcase per test
 * (classname `celr.<role>.<group>`), failures as <failure>, errors as <error>, skips as <skipped>
 * with why, and the clause and level as properties.
 */
export function junitXml(report: RunReport): string {
  const groups = [...new Set(report.results.map((r) => r.group))];
  const suites = groups.map((group) => {
    const results = report.results.filter((r) => r.group === group);
    const count = (status: string) => results.filter((r) => r.status === status).length;
    const cases = results.map((r) => {
      const body =
        r.status === 'fail'
          ? `<failure message="${xml(r.message)}" type="${r.level}">${xml(r.decidedBy ? `${r.decidedBy.request.method} ${r.decidedBy.request.url} -> ${r.decidedBy.response?.status ?? r.decidedBy.error ?? ''}` : r.message)}</failure>`
          : r.status === 'error'
            ? `<error message="${xml(r.message)}" type="error"/>`
            : r.status === 'skip'
              ? `<skipped message="${xml(r.message)}"/>`
              : '';
      const properties = `<properties><property name="clause" value="${xml(r.clause)}"/><property name="level" value="${r.level}"/></properties>`;
      return `    <testcase classname="celr.${report.role}.${group}" name="${xml(`${r.id}: ${r.title}`)}" time="${(r.ms / 1000).toFixed(3)}">${properties}${body}</testcase>`;
    });
    return `  <testsuite name="${xml(GROUPS[group])}" tests="${results.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${count('skip')}" time="${(results.reduce((s, r) => s + r.ms, 0) / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const c = report.counts;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="CELR conformance (${report.role}) ${xml(report.kit.version)}" tests="${report.results.length}" failures="${c.fail}" errors="${c.error}" skipped="${c.skip}" time="${(report.ms / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
