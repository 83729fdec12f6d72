import http from 'node:http';
import https from 'node:https';
import {
  guardedLookup,
  literalAddress,
  type Resolver,
  type TargetPolicy,
  TargetRefusedError,
} from './targets.js';

/**
 * POSTs one delivery and resolves with the receiver's status code; rejects when no HTTP answer came
 * (the caller records every such failure alike). node:http rather than fetch, because its `lookup`
 * option lets the connection itself check each address it is about to connect to: the name is
 * resolved once, by the guarded lookup, and the socket connects to exactly what that allowed. An
 * address written in the URL is never looked up by Node, so it is checked here first. Redirects are
 * not followed: a 3xx is the receiver's answer.
 */
export function postDelivery(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: { targets: TargetPolicy; resolver?: Resolver; signal: AbortSignal },
): Promise<number> {
  const url = new URL(target);
  const address = literalAddress(url.hostname);
  if (address !== undefined && !options.targets.allows(address))
    return Promise.reject(new TargetRefusedError(url.hostname, address));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: guardedLookup(options.targets, options.resolver),
      // A new connection each time, so no socket made by anything else in the process is reused.
      agent: false,
      signal: options.signal,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      response.on('error', () => {});
      resolve(response.statusCode ?? 0);
      // Only the status matters: the body is not read.
      response.destroy();
      request.destroy();
    });
    request.end(body);
  });
}
