import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ref } from './schema-ref.js';

/** A page of a list operation: the items, and a link to the next page while there is one. */
export const pageOf = (name: string) =>
  Type.Object({
    items: Type.Array(Type.Unsafe<object>(ref(name)), { maxItems: 200 }),
    next: Type.Optional(
      Type.String({ maxLength: 2000, description: 'Link to the next page; absent on the last page.' }),
    ),
  });

/** The request's own URL with the cursor of the next page, or nothing on the last page. */
export function nextLink(request: FastifyRequest, cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const url = new URL(request.url, 'http://x');
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

/**
 * The next page's address as an RFC 8288 `Link` header as well as in the body, on every paged
 * list, so that a client following links (or a generic pager) need not read the body's shape.
 */
export function linkNext<T extends string | undefined>(reply: FastifyReply, next: T): T {
  if (next) reply.header('link', `<${next}>; rel="next"`);
  return next;
}
