import { CelrProblemError } from './errors.js';

/** A fetch that takes a Request, as openapi-fetch calls it. */
export type FetchLike = (request: Request) => Promise<Response>;

export interface RetryOptions {
  /** Attempts after the first one. Default 4; 0 turns retrying off. */
  retries?: number | undefined;
  /** The first backoff step in milliseconds; each retry doubles it. Default 250. */
  baseDelayMs?: number | undefined;
  /**
   * The longest wait before a retry, in milliseconds. A `Retry-After` longer than this is not
   * waited out: the 429 or 503 is thrown instead, so a caller is never parked for an hour. Default 30 000.
   */
  maxDelayMs?: number | undefined;
  /** Statuses that are retried. Default 429 and 503: the API did not act on the request. */
  statuses?: number[] | undefined;
}

/** What is about to be retried, for logging. */
export interface RetryEvent {
  method: string;
  url: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** The status that caused the retry; absent when there was no response. */
  status?: number | undefined;
  error?: unknown;
}

export interface RetryHooks {
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Waits; replaceable in tests. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
}

/** Retry options with every member given. */
export type RetryPolicy = { [K in keyof RetryOptions]-?: Exclude<RetryOptions[K], undefined> };

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 4,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  statuses: [429, 503],
};

/** The options over the defaults. */
export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  // A member given as undefined (`retries: process.env.X ? Number(...) : undefined`) keeps its default.
  const given = Object.entries(options ?? {}).filter(([, value]) => value !== undefined);
  return { ...DEFAULT_RETRY, ...Object.fromEntries(given) };
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 section 10.2.3).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header == null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: a random wait between 0 and base * 2^(attempt-1), capped. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random = Math.random,
) {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/**
 * Whether a request may be sent again after it got no response: only when sending it twice cannot
 * do anything twice (reads, and POSTs carrying an Idempotency-Key). A PUT or PATCH that did succeed
 * would be refused on the second try (412), which would misreport the first one.
 */
function replayableWithoutResponse(request: Request): boolean {
  const method = request.method.toUpperCase();
  return (
    method === 'GET' ||
    method === 'HEAD' ||
    method === 'OPTIONS' ||
    (method === 'POST' && request.headers.has('idempotency-key'))
  );
}

export const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * A fetch that retries 429 and 503 responses (honouring `Retry-After`, otherwise backing off
 * exponentially with jitter) and, for requests that are safe to replay, failures to get any response.
 * The request passed in is never consumed: each attempt sends a clone, so the caller may send it again.
 * Failures without a response end as a {@link CelrProblemError} with status 0.
 */
export function retryingFetch(
  fetchImpl: FetchLike,
  options: RetryOptions | false | undefined,
  hooks: RetryHooks = {},
): FetchLike {
  const policy = retryPolicy(options === false ? { retries: 0 } : options);
  const sleep = hooks.sleep ?? defaultSleep;
  const random = hooks.random ?? Math.random;
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      const retriesLeft = attempt <= policy.retries;
      let response: Response;
      try {
        response = await fetchImpl(request.clone());
      } catch (error) {
        // Aborted by the caller: their own AbortError (or reason), not a network problem.
        if (request.signal.aborted) throw error;
        if (!retriesLeft || !replayableWithoutResponse(request)) {
          throw CelrProblemError.network(`${request.method} ${request.url}`, error);
        }
        const delayMs = backoffDelay(attempt, policy, random);
        hooks.onRetry?.({ method: request.method, url: request.url, attempt, delayMs, error });
        await sleep(delayMs, request.signal);
        continue;
      }
      if (!retriesLeft || !policy.statuses.includes(response.status)) return response;
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      if (retryAfter !== undefined && retryAfter > policy.maxDelayMs) return response;
      const delayMs = retryAfter ?? backoffDelay(attempt, policy, random);
      // The body is not needed; cancelling it frees the connection.
      await response.body?.cancel().catch(() => {});
      hooks.onRetry?.({
        method: request.method,
        url: request.url,
        attempt,
        delayMs,
        status: response.status,
      });
      await sleep(delayMs, request.signal);
    }
  };
}
