import { describe, expect, it } from 'vitest';
import { CATALOGUE, GROUPS, junitXml, LEVELS, ROLES, type RunReport, suiteFor } from '../src/index.js';

describe('the catalogue', () => {
  it('gives every test a unique id, a known group, level and roles, and a clause it cites', () => {
    const ids = CATALOGUE.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const test of CATALOGUE) {
      expect(test.id).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
      expect(Object.keys(GROUPS)).toContain(test.group);
      expect(LEVELS).toContain(test.level);
      expect(test.roles.length).toBeGreaterThan(0);
      for (const role of test.roles) expect(ROLES).toContain(role);
      // An RFC section, a named specification, or a page of the CELR documentation.
      expect(test.clause, test.id).toMatch(/RFC \d+|CELR [a-z-]+\/[a-z-]+|Standard Webhooks/);
    }
  });

  it('runs the groups in the order GROUPS lists them', () => {
    const order = Object.keys(GROUPS);
    const positions = CATALOGUE.map((t) => order.indexOf(t.group));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('gives every role a suite, and --only narrows it to groups or ids', () => {
    for (const role of ROLES) expect(suiteFor(role).length, role).toBeGreaterThan(0);
    expect(suiteFor('authority', ['problems']).every((t) => t.group === 'problems')).toBe(true);
    expect(suiteFor('authority', ['records-create']).map((t) => t.id)).toEqual(['records-create']);
    expect(suiteFor('school').some((t) => t.group === 'records')).toBe(false);
  });
});

describe('JUnit XML', () => {
  const report: RunReport = {
    kit: { name: '@celr/conformance', version: '0.1.0' },
    server: { baseUrl: 'http://127.0.0.1:1' },
    role: 'authority',
    startedAt: '2026-12-07T00:00:00.000Z',
    ms: 1500,
    conformant: false,
    counts: { pass: 1, fail: 1, skip: 1, error: 1 },
    results: (['pass', 'fail', 'skip', 'error'] as const).map((status, i) => ({
      id: `records-t${i}`,
      group: 'records',
      title: `Test <${status}> & "more"`,
      clause: 'RFC 9110 §13.1.1',
      level: 'mandatory',
      status,
      // A server's text may hold what XML cannot: a NUL, a lone surrogate, an escape.
      message: `bad \u0000 text \ud800 <b>${status}</b>`,
      ms: 250,
      exchanges: [],
    })),
  };

  it('has a testcase per result, and failures, errors and skips as JUnit has them', () => {
    const xml = junitXml(report);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain(
      '<testsuites name="CELR conformance (authority) 0.1.0" tests="4" failures="1" errors="1" skipped="1"',
    );
    expect(xml).toContain('<failure message="bad  text  &lt;b&gt;fail&lt;/b&gt;" type="mandatory">');
    expect(xml).toContain('<error message="bad  text  &lt;b&gt;error&lt;/b&gt;" type="error"/>');
    expect(xml).toContain('<skipped message="bad  text  &lt;b&gt;skip&lt;/b&gt;"/>');
    expect(xml).toContain('name="records-t0: Test &lt;pass&gt; &amp; &quot;more&quot;"');
    expect(xml).toContain('<property name="clause" value="RFC 9110 §13.1.1"/>');
    // Nothing XML 1.0 forbids is left.
    expect([...xml].some((c) => c === '\u0000' || (c >= '\ud800' && c <= '\udfff'))).toBe(false);
  });
});
