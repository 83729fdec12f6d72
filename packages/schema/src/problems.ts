/**
 * Every kind of problem a CELR API reports, with its status and title: the `type` of an RFC 9457
 * problem document is `urn:celr:problem:<name>`. The names are stable (clients branch on them);
 * each is described in the docs' error reference.
 */
export const PROBLEM_TYPES = {
  validation: { status: 422, title: 'The request body is not valid' },
  'bad-request': { status: 400, title: 'The request is malformed' },
  'invalid-query': { status: 400, title: 'A query or path parameter is not valid' },
  unauthorised: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'The client may not do this' },
  'not-found': { status: 404, title: 'No such resource' },
  gone: { status: 410, title: 'The record has been deleted' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'not-acceptable': { status: 406, title: 'No acceptable representation' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  'identifier-conflict': { status: 409, title: 'Another learner already has this identifier' },
  'precondition-required': { status: 428, title: 'If-Match is required' },
  'precondition-failed': { status: 412, title: 'The record has changed since it was read' },
  'idempotency-key-reuse': { status: 422, title: 'The Idempotency-Key was used with a different request' },
  'idempotency-key-in-use': {
    status: 409,
    title: 'A request with this Idempotency-Key is still in progress',
  },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The Content-Type is not supported' },
  'uri-too-long': { status: 414, title: 'A path parameter is too long' },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  'request-timeout': { status: 408, title: 'The request did not arrive in time' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'The service is not available' },
  internal: { status: 500, title: 'Internal error' },
} as const;
export type ProblemType = keyof typeof PROBLEM_TYPES;

export const problemTypeUri = (type: ProblemType) => `urn:celr:problem:${type}`;
