/**
 * How a client keeps in step with CELR. The guides teach `updatedSince` (it works everywhere and the
 * examples test it); when the OpenAPI document has a change feed, the pages say so, in the words of
 * the operation's own description.
 */
import { code, text } from './markdown.js';
import { operationsOf } from './openapi.js';
import { GENERATED_HEADER } from './paths.js';
import type { Pages } from './record-pages.js';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked generically
type Json = Record<string, any>;

export function changesPages(doc: Json): { pages: Pages; feed: boolean } {
  const feed = operationsOf(doc).find((o) => o.path === '/v1/changes');
  const body = feed
    ? [
        '::: tip The change feed',
        `Besides ${code('updatedSince')}, the API has a change feed, [${feed.method} ${code(feed.path)}](../reference/api/${feed.operationId}): ${text(feed.description ?? feed.summary)}`,
        '',
        `Unlike a list with ${code('updatedSince')}, the feed also reports deletions and learners who stop being visible to you, so it is the better way to keep a copy in step.`,
        ':::',
      ]
    : [
        '::: info No change feed yet',
        `For now, polling a list with ${code('updatedSince')} is how a client learns what changed: the API has no change feed or webhooks yet.`,
        ':::',
      ];
  return {
    pages: new Map([['_generated/changes.md', [GENERATED_HEADER, '', ...body, ''].join('\n')]]),
    feed: !!feed,
  };
}
