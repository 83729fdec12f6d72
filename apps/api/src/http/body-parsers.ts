import {
  hasForbiddenCharacters,
  jsonDepthExceeded,
  jsonDepthMessage,
  textCharactersIssue,
} from '@celr/schema';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from './problem.js';

type Done = (error: Error | null, body?: unknown) => void;

/**
 * The body parsers of every content type the API reads as a document. JSON (and merge patches)
 * is refused before it is parsed when it nests deeper than `MAX_JSON_DEPTH` (a linear scan of
 * the text): every later walk of the body is then bounded. `text/plain`, which Fastify parses by
 * default, is not a type any operation takes, so it is removed and answered 415 like any other.
 */
export function registerInputGuards(app: FastifyInstance) {
  registerBodyParsers(app);
  // A NUL in a query or path parameter (`%00`) would reach the database as text it refuses.
  app.addHook('preValidation', async (request) => {
    const issues = [...forbidden(request.query, 'query'), ...forbidden(request.params, 'path')];
    if (issues.length)
      throw new ProblemError('invalid-query', 'A parameter holds a character that cannot be stored.', {
        errors: issues,
      });
  });
  // Ajv coerces `?limit=1e309` to Infinity and lets it through; no parameter is an infinite number.
  app.addHook('preHandler', async (request) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const infinite = Object.keys(query).filter((name) =>
      [query[name]].flat().some((v) => typeof v === 'number' && !Number.isFinite(v)),
    );
    if (infinite.length)
      throw new ProblemError(
        'invalid-query',
        `${infinite.length} query parameter${infinite.length === 1 ? ' is' : 's are'} not valid.`,
        {
          errors: infinite.map((name) => ({
            pointer: `/${name}`,
            rule: 'maximum',
            message: 'Must be a finite number within the range given.',
            in: 'query' as const,
          })),
        },
      );
  });
}

function forbidden(values: unknown, where: 'query' | 'path') {
  if (typeof values !== 'object' || values === null) return [];
  return Object.entries(values)
    .filter(
      ([name, value]) =>
        hasForbiddenCharacters(name) ||
        [value].flat().some((v) => typeof v === 'string' && hasForbiddenCharacters(v)),
    )
    .map(([name]) => ({ ...textCharactersIssue(`/${name}`), in: where }));
}

function registerBodyParsers(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const guarded = (request: FastifyRequest, body: string | Buffer, done: Done) => {
    const text = String(body);
    const deep = jsonDepthExceeded(text);
    if (deep >= 0) {
      const message = jsonDepthMessage(deep);
      return done(
        new ProblemError('bad-request', message, {
          errors: [{ pointer: '', rule: 'json-depth', message, in: 'body' }],
        }),
      );
    }
    parseJson(request, text, done as never);
  };
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, guarded);
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, guarded);
  // A form is flat (name=value pairs), so it has no depth to limit; a repeated name keeps its last value.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
}
