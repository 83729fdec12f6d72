/**
 * Sending a byte range of a file as a request body, streamed from disk. Not through `fetch`: in
 * Node.js 20 fetch reads a streamed request body ahead of the network without limit, and a retry
 * needs a copy of the request, which for a stream keeps every byte sent in memory. Here each
 * attempt opens the file again and sends it at the speed of the connection, so memory stays small
 * whatever the size of the file, and a retry is as safe as the Idempotency-Key that goes with it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TokenSource } from '../auth.js';
import { CelrProblemError } from '../errors.js';
import {
  backoffDelay,
  defaultSleep,
  parseRetryAfter,
  type RetryEvent,
  type RetryOptions,
  retryPolicy,
} from '../retry.js';

export interface FileUpload {
  /** Absolute URL, query included. */
  url: string;
  /** Sent as they are; `authorization` and `content-length` are added. */
  headers: Record<string, string>;
  path: string;
  /** Byte range: from `start` up to but not including `end`. */
  start: number;
  end: number;
  /** SHA-256 (hex) the bytes had when the file was read before: a file changed since is not sent. */
  sha256: string;
  signal: AbortSignal;
  /** Bytes sent so far, as they go. */
  onSent?: (bytes: number) => void;
}

/** The file changed between reading it and sending it: what was sent is not what was read. */
export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';
}

/**
 * POSTs the bytes with a bearer token from `tokens`. Like the SDK's fetch: one new token when the
 * API refuses the one it had, and retries of 429 and 503 (after `Retry-After`) and of failures to
 * get any response, which is safe only because the request carries an Idempotency-Key. Failures
 * without a response end as a {@link CelrProblemError} with status 0.
 */
export async function uploadFile(
  upload: FileUpload,
  tokens: TokenSource,
  hooks: { onRetry?: (event: RetryEvent) => void; retry?: RetryOptions } = {},
): Promise<Response> {
  const policy = retryPolicy(hooks.retry);
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    const retriesLeft = attempt <= policy.retries;
    const token = await tokens.token();
    let response: Response;
    try {
      response = await sendOnce(upload, token);
    } catch (error) {
      if (upload.signal.aborted || error instanceof FileChangedError) throw error;
      if (!retriesLeft) throw CelrProblemError.network(`POST ${upload.url}`, error);
      const delayMs = backoffDelay(attempt, policy);
      hooks.onRetry?.({ method: 'POST', url: upload.url, attempt, delayMs, error });
      await defaultSleep(delayMs, upload.signal);
      continue;
    }
    if (response.status === 401 && !refreshed) {
      refreshed = true;
      tokens.invalidate(token);
      if ((await tokens.token()) !== token) {
        attempt--;
        continue;
      }
    }
    if (retriesLeft && policy.statuses.includes(response.status)) {
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      if (retryAfter === undefined || retryAfter <= policy.maxDelayMs) {
        const delayMs = retryAfter ?? backoffDelay(attempt, policy);
        hooks.onRetry?.({ method: 'POST', url: upload.url, attempt, delayMs, status: response.status });
        await defaultSleep(delayMs, upload.signal);
        continue;
      }
    }
    return response;
  }
}

function sendOnce(upload: FileUpload, token: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const url = new URL(upload.url);
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers: {
        ...upload.headers,
        authorization: `Bearer ${token}`,
        'content-length': String(upload.end - upload.start),
      },
      signal: upload.signal,
    });
    let answered = false;
    let sentAll = false;
    const file = createReadStream(upload.path, { start: upload.start, end: upload.end - 1 });
    request.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve(
          new Response(Buffer.concat(chunks), {
            status: res.statusCode ?? 502,
            statusText: res.statusMessage ?? '',
            headers: toHeaders(res.headers),
          }),
        );
        // The API answered before taking the whole file (a refusal): the rest need not be sent.
        if (!sentAll) file.destroy();
      });
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const hash = createHash('sha256');
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        sent += chunk.length;
        upload.onSent?.(sent);
        done(null, chunk);
      },
      // Checked before the request ends, so a changed file is never taken as a whole upload.
      flush(done) {
        const same = sent === upload.end - upload.start && hash.digest('hex') === upload.sha256;
        done(same ? null : new FileChangedError(`${upload.path} changed while it was being sent.`));
      },
    });
    pipeline(file, counter, request).then(
      () => {
        sentAll = true;
      },
      (error) => {
        if (!answered) reject(error);
      },
    );
  });
}

function toHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return out;
}
