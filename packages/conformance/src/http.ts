import type { Exchange } from './model.js';

/** Bodies kept as evidence are cut here: a report must stay readable, and a list can be long. */
export const EVIDENCE_BYTES = 8 * 1024;

export interface Response {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
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
  readonly exchanges: Exchange[] = [];

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
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
    try {
      const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await res.text();
      exchange.ms = Math.round(performance.now() - started);
      exchange.response = {
        status: res.status,
        headers: shown(Object.fromEntries(res.headers.entries())),
        body: cut(text),
      };
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json, exchange };
    } catch (error) {
      exchange.ms = Math.round(performance.now() - started);
      exchange.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }
}
