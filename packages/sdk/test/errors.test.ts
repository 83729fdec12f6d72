import { describe, expect, it } from 'vitest';
import { CelrProblemError, isCelrProblem } from '../src/errors.js';

describe('CelrProblemError', () => {
  it('carries a problem document: status, type, title, detail, request id and field errors', () => {
    const response = new Response(null, { status: 422, headers: { 'x-request-id': 'from-header' } });
    const error = CelrProblemError.fromResponse(response, {
      type: 'urn:celr:problem:validation',
      title: 'The request body is not valid',
      status: 422,
      detail: '1 field is not valid.',
      requestId: 'req-1',
      errors: [{ pointer: '/dateOfBirth', rule: 'format', message: 'Must match format "date".' }],
      extension: 'kept',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'CelrProblemError',
      status: 422,
      type: 'urn:celr:problem:validation',
      code: 'validation',
      title: 'The request body is not valid',
      detail: '1 field is not valid.',
      requestId: 'req-1',
      errors: [{ pointer: '/dateOfBirth', rule: 'format' }],
      message: 'The request body is not valid: 1 field is not valid.',
      response,
    });
    expect(error.problem.extension).toBe('kept');
    expect(isCelrProblem(error, 'validation')).toBe(true);
    expect(isCelrProblem(error, 'urn:celr:problem:validation')).toBe(true);
    expect(isCelrProblem(error, 'not-found')).toBe(false);
    expect(isCelrProblem(new Error('x'))).toBe(false);
  });

  it('describes a response that is not a problem document (a proxy page) without losing it', () => {
    const response = new Response(null, {
      status: 502,
      statusText: 'Bad Gateway',
      headers: { 'x-request-id': 'r2' },
    });
    const error = CelrProblemError.fromResponse(response, '<html>upstream timed out</html>');
    expect(error).toMatchObject({
      status: 502,
      type: 'about:blank',
      title: 'Bad Gateway',
      requestId: 'r2',
      errors: [],
    });
    expect(error.detail).toContain('upstream timed out');
  });

  it('has the client-side kinds with status 0', () => {
    const invalid = CelrProblemError.clientValidation(
      [{ pointer: '/name', rule: 'required', message: "'name' is required." }],
      'The learner',
    );
    expect(invalid).toMatchObject({
      status: 0,
      type: 'urn:celr:problem:client-validation',
      detail: 'The learner was not sent: 1 field is not valid.',
    });
    const network = CelrProblemError.network(
      'GET http://x/v1',
      new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }),
    );
    expect(network).toMatchObject({
      status: 0,
      type: 'urn:celr:problem:client-network',
      detail: 'GET http://x/v1: fetch failed (ECONNREFUSED)',
    });
  });
});
