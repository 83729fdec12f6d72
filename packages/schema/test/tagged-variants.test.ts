import { describe, expect, it } from 'vitest';
import { AuthorityRef, Identifier, OrganisationRef, SchoolRef } from '../src/common/index.js';
import { englandLearner, validate } from '../src/index.js';

/**
 * An organisation's code format depends on its scheme, an identifier's value format on its system:
 * the schemas say so as `oneOf` variants tagged by a `const`, which generated clients type as
 * unions. A validator reports every variant that fails; a client is told only about the one its
 * tag names, as it was when the schemas said it with if/then.
 */
describe('formats chosen by a tag', () => {
  it('are oneOf variants, each tagged by its constant, with no if/then left', () => {
    for (const [schema, tag] of [
      [OrganisationRef, 'scheme'],
      [AuthorityRef, 'scheme'],
      [SchoolRef, 'scheme'],
      [Identifier, 'system'],
    ] as const) {
      const json = JSON.stringify(schema);
      expect(json).not.toMatch(/"(if|then)":/);
      const variants =
        (schema as { oneOf?: { properties: Record<string, { const?: string }> }[] }).oneOf ?? [];
      const tags = variants.map((v) => v.properties[tag]?.const).filter(Boolean);
      expect(new Set(tags).size, tag).toBe(tags.length);
      expect(tags.length, tag).toBeGreaterThan(1);
    }
    const authority = AuthorityRef as unknown as { oneOf: { properties: { scheme: { const: string } } }[] };
    expect(authority.oneOf.map((v) => v.properties.scheme.const)).toEqual(['la-code', 'council-code']);
  });

  const issuesOf = (change: object) =>
    validate('learner', { ...englandLearner, ...change }, { today: '2026-01-01' }).issues;

  it('report a bad code once, at the code, against the format of its own scheme', () => {
    expect(issuesOf({ responsibleAuthority: { scheme: 'la-code', code: '12' } })).toEqual([
      { pointer: '/responsibleAuthority/code', rule: 'pattern', message: 'Must match pattern "^[0-9]{3}$".' },
    ]);
    expect(
      issuesOf({ enrolment: { ...englandLearner.enrolment, school: { scheme: 'urn', code: 'abc' } } }),
    ).toEqual([expect.objectContaining({ pointer: '/enrolment/school/code', rule: 'pattern' })]);
  });

  it('report a scheme that is not allowed, or missing, at the scheme and nowhere else', () => {
    expect(issuesOf({ responsibleAuthority: { scheme: 'urn', code: '123456' } })).toEqual([
      {
        pointer: '/responsibleAuthority/scheme',
        rule: 'enum',
        message: "Must be one of: 'la-code', 'council-code'.",
      },
      expect.objectContaining({ pointer: '/responsibleAuthority/scheme', rule: 'jurisdiction-mismatch' }),
    ]);
    expect(issuesOf({ responsibleAuthority: { code: '990' } })).toEqual([
      { pointer: '/responsibleAuthority/scheme', rule: 'required', message: "'scheme' is required." },
    ]);
  });

  it("report a bad identifier at its value for a known system, and at the system's own pattern otherwise", () => {
    expect(issuesOf({ identifiers: [{ system: 'upn', value: 'nope' }] })).toEqual([
      expect.objectContaining({ pointer: '/identifiers/0/value', rule: 'pattern' }),
    ]);
    expect(issuesOf({ identifiers: [{ system: 'UPN!', value: 'x' }] })).toEqual([
      expect.objectContaining({ pointer: '/identifiers/0/system', rule: 'pattern' }),
    ]);
    expect(issuesOf({ identifiers: [{ system: 'mis:example-mis', value: 'anything-1' }] })).toEqual([]);
  });
});
