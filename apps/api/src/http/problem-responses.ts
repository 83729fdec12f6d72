import { ref } from './schema-ref.js';

/** What each error status means, as every operation's responses describe it. */
export const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request or query parameter',
  401: 'Missing, expired or invalid access token',
  403: 'The token lacks the scope, or the organisation may not do this',
  404: 'No such record, or not one the caller may see',
  406: 'Not acceptable',
  409: 'Conflicts with the current state',
  410: 'The record was deleted',
  412: 'If-Match does not match the current version',
  413: 'Body too large',
  415: 'Unsupported Content-Type',
  422: 'The body is not valid; `errors` lists each field',
  428: 'If-Match is required',
  429: 'Rate limited; see Retry-After',
  503: 'Not available (for example, the database does not answer)',
};

/** Error responses as RFC 9457 problem documents, with the media type they are sent with. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: PROBLEM_DESCRIPTIONS[s] ?? 'Problem',
        content: { 'application/problem+json': { schema: ref('Problem') } },
      },
    ]),
  );
