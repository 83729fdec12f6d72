/**
 * The kit's copy of CELR's OpenAPI document, and what checking a response against it finds: the
 * operation a path belongs to, each departure with its pointer and rule, and what it leaves alone.
 */
import { describe, expect, it } from 'vitest';
import { DeclaredResponses } from '../src/declared.js';

const declared = DeclaredResponses.load();
const ID = '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10';

describe('the declared responses', () => {
  it('finds the operation a request went to, the more literal template first', () => {
    expect(declared.operation('GET', `/v1/transfers/${ID}/bundle?x=1`)?.template).toBe(
      '/v1/transfers/{id}/bundle',
    );
    expect(declared.operation('PUT', '/v1/learners-by-identifier/upn/A1')?.template).toBe(
      '/v1/learners-by-identifier/{system}/{value}',
    );
    expect(declared.operation('GET', '/v1/no-such-thing')).toBeUndefined();
    expect(declared.operation('DELETE', '/v1/changes')).toBeUndefined();
  });

  it('names each departure: operation, status, JSON pointer and rule', () => {
    const check = declared.check('GET', '/v1/changes?limit=5', 200, 'application/json; charset=utf-8', {
      items: [
        {
          change: 'created',
          recordKind: 'learner',
          recordId: ID,
          learnerId: ID,
          at: '2026-01-01T00:00:00Z',
          version: '2',
        },
      ],
      cursor: 'c',
    });
    expect(check?.operation).toBe('GET /v1/changes');
    expect(check?.violations).toEqual([
      expect.objectContaining({
        status: 200,
        pointer: '/items/0/version',
        rule: 'type',
        message: '/items/0/version must be integer',
      }),
    ]);
    const transfer = declared.check('GET', `/v1/transfers/${ID}`, 200, 'application/json', { id: ID });
    expect(transfer?.violations.map((v) => `${v.rule} ${v.message}`)).toContain(
      "required (the body) must have required property 'createdAt'",
    );
  });

  it('holds a problem to the problem schema, whatever its media type says', () => {
    const problem = { type: 'urn:celr:problem:not-found', title: 'No such resource', status: 404 };
    expect(
      declared.check('GET', `/v1/learners/${ID}`, 404, 'application/problem+json', problem)?.violations,
    ).toEqual([]);
    expect(
      declared.check('GET', `/v1/learners/${ID}`, 404, 'application/json', { ...problem, status: 'four' })
        ?.violations[0],
    ).toMatchObject({ pointer: '/status', rule: 'type' });
  });

  it('says when a status is not one the operation declares', () => {
    expect(declared.check('GET', '/v1/me', 418, 'application/problem+json', {})?.violations).toEqual([
      expect.objectContaining({
        rule: 'status-declared',
        message: 'GET /v1/me does not declare a 418 answer',
      }),
    ]);
  });

  it('leaves alone what is not one JSON value of a known operation', () => {
    expect(
      declared.check('GET', '/v1/bulk/export', 200, 'application/x-ndjson', { kind: 'learner' }),
    ).toBeUndefined();
    expect(declared.check('GET', '/v1/nowhere', 200, 'application/json', {})).toBeUndefined();
    expect(declared.check('DELETE', `/v1/learners/${ID}`, 204, '', undefined)).toBeUndefined();
  });
});
