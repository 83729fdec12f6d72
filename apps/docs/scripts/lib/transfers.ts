/**
 * Transfers are being built. The concept page says what exists at build time: the operations, once
 * the OpenAPI document has them, and the bundle format, once @celr/schema exports it. Until then the
 * page says they are planned, so it is true whenever it is built.
 */
import * as schema from '@celr/schema';
import { code, table, text } from './markdown.js';
import { operationsOf } from './openapi.js';
import { GENERATED_HEADER } from './paths.js';
import type { Pages } from './record-pages.js';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked generically
type Json = Record<string, any>;

export function transferPages(doc: Json): { pages: Pages; available: boolean } {
  const operations = operationsOf(doc).filter(
    (o) => o.path.startsWith('/v1/transfers') || o.tag === 'Transfers',
  );
  const bundle = 'TransferBundle' in schema && 'bundleDigest' in schema;
  const parts = [GENERATED_HEADER, ''];
  if (operations.length) {
    parts.push(
      '## In the API {#api}',
      '',
      table(
        ['Operation', 'Method and path'],
        operations.map((o) => [
          `[${text(o.summary)}](../reference/api/${o.operationId})`,
          `${o.method} ${code(o.path)}`,
        ]),
      ),
      '',
    );
  } else {
    parts.push(
      '::: warning Planned: not in the API yet',
      `The API has no transfer operations yet; the scopes ${code('transfers:send')} and ${code('transfers:receive')} are reserved for them. This page describes how transfers are designed to work.`,
      ':::',
      '',
      'Until they are there:',
      '',
      '- a **host authority** needs the platform operator to record its access to the learner;',
      "- a **school** gets access automatically when a learner's enrolment names it, and loses it when the enrolment names another school;",
      '- the **move itself** can already be recorded as a [transition](./transitions), with its continuity of education.',
      '',
    );
  }
  if (bundle) {
    parts.push(
      '## The bundle {#bundle}',
      '',
      `What a transfer carries is already defined, in ${code('@celr/schema')}: a ${code('TransferBundle')} is a manifest (who sends it to whom, about which learner, why, and when) and the content: the learner with their plans, meetings and transitions, as the sender holds them. The manifest carries ${code('contentDigest')}, the SHA-256 of the content in RFC 8785 canonical JSON (${code('bundleDigest()')} computes it), so the recipient can prove that what arrived is what was sent, however it was re-serialised on the way. A bundle validates offline, like any record.`,
      '',
      ...('signBundle' in schema
        ? [
            `A bundle also carries ${code('signature')}: a detached JWS over the manifest, signed with the sending organisation's key (${code('signBundle()')}), which proves who sent it; ${code('verifyBundle()')} checks it against the sender's JWKS. See [signed bundles](../guides/transfer-a-learner#signatures).`,
            '',
          ]
        : []),
      `When a learner moves between England and Scotland the codes change nation: codes with a clear counterpart are mapped (a Year 8 pupil is in S2), and anything without one (a legal status, a placement type) is not guessed but kept in the learner's ${code('review')} list with where it was, its list and its label, for the receiving authority to deal with. Nothing is dropped.`,
      '',
    );
  }
  return {
    pages: new Map([['_generated/transfers.md', parts.join('\n')]]),
    available: operations.length > 0,
  };
}
