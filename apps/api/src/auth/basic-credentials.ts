import { hasForbiddenCharacters } from '@celr/schema';
import { ProblemError } from '../http/problem.js';

/** Longer than any client id or secret the API issues; the body's fields have the same bound. */
const MAX_PART = 200;

const invalid = (detail: string) =>
  new ProblemError('bad-request', detail, { error: 'invalid_request', error_description: detail });

/**
 * The client id and secret of an HTTP Basic `Authorization` header (RFC 6749 section 2.3.1: each
 * form-urlencoded, then joined by a colon and base64-encoded). Anything malformed (no colon, a bad
 * percent-escape, characters no client id holds, an over-long part) is `invalid_request` (400),
 * never an exception that reaches the database or the error handler as a fault.
 */
export function basicCredentials(header: string): { clientId: string; secret: string } {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalid('HTTP Basic credentials are base64 of client_id:client_secret.');
  let clientId: string;
  let secret: string;
  try {
    clientId = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  } catch {
    throw invalid('HTTP Basic credentials hold a malformed percent-escape.');
  }
  if (clientId.length > MAX_PART || secret.length > MAX_PART)
    throw invalid(`A client id or secret is at most ${MAX_PART} characters.`);
  if (hasForbiddenCharacters(clientId) || hasForbiddenCharacters(secret))
    throw invalid('HTTP Basic credentials hold a NUL character or a lone surrogate.');
  return { clientId, secret };
}
