import { describe, expect, it } from 'vitest';
import { invalidExamples, validate, validExamples } from '../src/index.js';

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('example records', () => {
  it.each(validExamples.map((e) => [`${e.kind}/${e.name}`, e] as const))('%s is valid', (_, example) => {
    const result = validate(example.kind, json(example.value));
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it.each(invalidExamples.map((e) => [`${e.kind}/${e.name}`, e] as const))(
    '%s is rejected as documented',
    (_, example) => {
      const result = validate(example.kind, json(example.value));
      expect(result.ok).toBe(false);
      for (const expected of example.expected) {
        expect(result.issues).toContainEqual(expect.objectContaining(expected));
      }
      for (const issue of result.issues) {
        expect(issue.message.length).toBeGreaterThan(5);
        expect(issue.pointer === '' || issue.pointer.startsWith('/')).toBe(true);
      }
    },
  );

  it('reports every problem in one pass, not only the first', () => {
    const valid = validExamples[0]!.value as Record<string, unknown>;
    const result = validate('learner', {
      ...json(valid),
      dateOfBirth: '2999-01-01',
      nickname: 'x',
      name: { given: 'A' },
    });
    const found = result.issues.map((i) => `${i.pointer} ${i.rule}`);
    expect(found).toEqual(
      expect.arrayContaining([
        '/dateOfBirth date-not-in-future',
        '/name/family required',
        '/nickname unknown-property',
      ]),
    );
    // A birth date in the future also puts every later date before birth: each is reported.
    expect(found).toContain('/enrolment/startDate date-order');
  });

  it('says when a rejected code belongs to the other jurisdiction', () => {
    const english = json(validExamples.find((e) => e.kind === 'learner' && e.name === 'england')!.value) as {
      careStatus: { legalStatus: string };
    };
    english.careStatus.legalStatus = 'permanence-order';
    const [issue] = validate('learner', english).issues;
    expect(issue?.message).toMatch(/scotland code/);
  });

  it('validates the shape the API returns, with id and meta', () => {
    const record = {
      id: '8b1e5c0a-4f7d-4c1e-9a35-0d2f6b7c8e91',
      meta: {
        version: 3,
        createdAt: '2025-01-02T10:00:00.000Z',
        updatedAt: '2025-02-02T10:00:00.000Z',
        recordedBy: { organisationId: '8b1e5c0a-4f7d-4c1e-9a35-0d2f6b7c8e92' },
      },
      ...json(validExamples[0]!.value),
    };
    expect(validate('learner', record, { shape: 'record' }).ok).toBe(true);
    // An input never carries server fields.
    expect(validate('learner', record).issues).toContainEqual(
      expect.objectContaining({ pointer: '/id', rule: 'unknown-property' }),
    );
  });

  it('never throws, whatever it is given', () => {
    for (const value of [
      null,
      undefined,
      42,
      'learner',
      [],
      [1],
      { jurisdiction: 7 },
      { jurisdiction: 'wales' },
    ]) {
      expect(validate('learner', value).ok).toBe(false);
    }
  });
});
