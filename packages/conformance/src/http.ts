import type { Exchange } from './model.js';

/** Bodies kept as evidence are cut here: a report must stay readable, and a list can be long. */
export const EVIDENCE_BYTES = 8 * 1024;

/**
 * The most the kit reads of one response: 8 MiB. Every answer the kit asks for is small (a record,
 * a page of at most 1,000 feed entries, one learner's export); a server that sends more, or never
 * stops, ends the test with an error instead of exhausting the kit's memory.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** The kit could not read an answer: none came in time, the connection failed, or it was unreadable. */
export class ExchangeError extends Error {
  override name = 'ExchangeError';
}

export interface Response {
  status: number;
  headers: Headers;
  text: string;
  /**
   * The body as JSON, or undefined when there is none or it is not JSON. A body that says it is JSON
   * (its Content-Type) and does not parse throws an ExchangeError when read: the test cannot read it.
   */
  readonly json: unknown;
  exchange: Exchange;
}

export interface RequestOptions {
  body?: unknown;
  /** A body sent as it is (a form, NDJSON, or bytes that are deliberately not JSON). */
  raw?: string;
  headers?: Record<string, string>;
  /** The bearer token; omitted for a request without one. */
  token?: string;
}

const cut = (text: string) =>
  text.length > EVIDENCE_BYTES ? `${text.slice(0, EVIDENCE_BYTES)}… (${text.length} characters)` : text;

/** Headers as evidence, with secrets hidden: a report is shared, credentials never are. */
function shown(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = /^(authorization|cookie|set-cookie)$/i.test(name) ? `${value.split(' ')[0]} (hidden)` : value;
  }
  return out;
}

/**
 * Sends requests and keeps each as evidence (`exchanges`). Only to the base URL the run was given:
 * the kit never follows a link elsewhere.
 */
export class RecordingHttp {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
    /** Told of every response read (the run checks each against its declared schema). */
    private readonly observe?: (method: string, path: string, res: Response) => void,
    /** Where the exchanges are kept: a test's requests to a second deployment join its own. */
    readonly exchanges: Exchange[] = [],
  ) {}

  url(path: string): string {
    const url = new URL(path, this.baseUrl);
    if (url.origin !== new URL(this.baseUrl).origin) throw new Error(`${path} is not on ${this.baseUrl}.`);
    return url.href;
  }

  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const url = this.url(path);
    const exchange: Exchange = {
      request: { method, url, headers: shown(headers), ...(body !== undefined ? { body: cut(body) } : {}) },
      ms: 0,
    };
    this.exchanges.push(exchange);
    const started = performance.now();
    const what = `${method} ${new URL(url).pathname}`;
    // One deadline for the whole exchange, the body included: a server that answers its headers and
    // then trickles (or never ends) its body is cut off like one that never answers.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: controller.signal,
        redirect: 'manual',
      });
      const text = await readCapped(res, what);
      exchange.ms = Math.round(performance.now() - started);
      exchange.response = {
        status: res.status,
        headers: shown(Object.fromEntries(res.headers.entries())),
        body: cut(text),
      };
      const response = answer(what, res, text, exchange);
      this.observe?.(method, url, response);
      return response;
    } catch (error) {
      exchange.ms = Math.round(performance.now() - started);
      const failure = controller.signal.aborted
        ? new ExchangeError(`${what}: no complete answer within ${this.timeoutMs / 1000} s.`)
        : error instanceof ExchangeError
          ? error
          : new ExchangeError(`${what}: ${reason(error)}`);
      exchange.error = failure.message;
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The body as text, reading no more than MAX_RESPONSE_BYTES of it. */
async function readCapped(res: globalThis.Response, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_RESPONSE_BYTES) {
    await res.body?.cancel().catch(() => {});
    throw new ExchangeError(
      `${what}: the answer is ${declared} bytes, more than the kit reads (${MAX_RESPONSE_BYTES} bytes).`,
    );
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => {});
      throw new ExchangeError(
        `${what}: the answer went on past ${MAX_RESPONSE_BYTES} bytes, more than the kit reads; it stopped reading.`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const isJsonType = (type: string | null) => /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type ?? '');

/** The response as tests read it: its JSON parsed once, on first read. */
function answer(what: string, res: globalThis.Response, text: string, exchange: Exchange): Response {
  let parsed: { value: unknown } | undefined;
  return {
    status: res.status,
    headers: res.headers,
    text,
    exchange,
    get json() {
      if (!parsed) {
        try {
          parsed = { value: text ? JSON.parse(text) : undefined };
        } catch (error) {
          if (isJsonType(res.headers.get('content-type')))
            throw new ExchangeError(
              `${what} answered ${res.status} with a ${res.headers.get('content-type')} body that is not JSON (${
                error instanceof Error ? error.message : String(error)
              }): ${JSON.stringify(text.slice(0, 120))}`,
            );
          parsed = { value: undefined };
        }
      }
      return parsed.value;
    },
  };
}

/** Why a request failed, as fetch buries it: the cause names the connection or parser error. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.code === 'UND_ERR_HEADERS_OVERFLOW')
    return "the answer's headers are larger than the kit reads (16 KiB); it stopped reading.";
  if (cause?.message) return `${error.message}: ${cause.code ? `${cause.code} ` : ''}${cause.message}`;
  return error.message;
}
