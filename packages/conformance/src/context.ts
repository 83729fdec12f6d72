import { randomInt } from 'node:crypto';
import { englandLearner, scotlandLearner, upnCheckLetter } from '@celr/schema';
import { DeclaredResponses, type SchemaCheck } from './declared.js';
import { RecordingHttp, type RequestOptions, type Response } from './http.js';
import { type Exchange, type Role, TestFailure, TestSkipped } from './model.js';

export interface Credentials {
  clientId: string;
  clientSecret: string;
  /** A vendor's: the organisation it acts for (`CELR-On-Behalf-Of`). */
  onBehalfOf?: string | undefined;
}

export interface RunOptions {
  baseUrl: string;
  role: Role;
  /** The implementation's client for the role under test. */
  credentials: Credentials;
  /** A client of a second organisation, for the access boundaries; those tests skip without it. */
  other?: Credentials | undefined;
  /**
   * A second deployment (another server, with its own signing keys) and an authority's client
   * there, for bundles exchanged between deployments; those tests skip without it. Each deployment's
   * operator must have registered the other's sending organisation as a trusted bundle sender.
   */
  peer?: { baseUrl: string; credentials: Credentials } | undefined;
  /** Where the server can reach the kit's webhook receiver: `http://127.0.0.1` unless said. */
  receiverHost?: string | undefined;
  /** Per request, its whole answer included: 30 s unless said. */
  timeoutMs?: number | undefined;
  /** How long to wait for a change to reach the feed or a delivery to arrive. */
  waitMs?: number | undefined;
}

/**
 * Who a request is sent as: the role's client, the second organisation's, or the client of an
 * authority on a second deployment (its own server and keys: `peer`).
 */
export type Who = 'primary' | 'other' | 'peer';

export interface Organisation {
  id: string;
  kind: string;
  scheme: string | null;
  code: string | null;
  name: string;
}

/**
 * What the tests of one run share: the server, the tokens (asked for once per client and scope) and
 * who the clients are. Each test gets a TestContext of its own on top.
 */
export class Session {
  private readonly tokens = new Map<string, Promise<string>>();
  private me?: Promise<{ organisation: Organisation; actingFor: Organisation; scopes: string[] }>;
  private declared?: DeclaredResponses;
  /** The test running now: what a response's schema check found is filed under it. */
  currentTest = '';
  /** Every response of the run that had a declared schema to be checked against, and what was found. */
  readonly schemaChecks: { test: string; exchange: Exchange; check: SchemaCheck }[] = [];

  constructor(readonly options: RunOptions) {}

  /** A recorder whose every response is checked against the schema the CELR document declares for it. */
  http(who: Who = 'primary', exchanges?: Exchange[]): RecordingHttp {
    return new RecordingHttp(
      this.baseUrl(who),
      this.options.timeoutMs,
      (method, url, res) => this.checkSchema(method, url, res),
      exchanges,
    );
  }

  /** The server a client is on: the peer's is the second deployment's. */
  baseUrl(who: Who): string {
    if (who !== 'peer') return this.options.baseUrl;
    this.credentials('peer');
    return (this.options.peer as NonNullable<RunOptions['peer']>).baseUrl;
  }

  private checkSchema(method: string, url: string, res: Response) {
    this.declared ??= DeclaredResponses.load();
    let body: unknown;
    try {
      body = res.json;
    } catch {
      return; // Not JSON: the test that reads it says so.
    }
    const check = this.declared.check(
      method,
      new URL(url).pathname,
      res.status,
      res.headers.get('content-type') ?? '',
      body,
    );
    if (!check) return;
    res.exchange.schema = {
      operation: check.operation,
      violations: check.violations.map((v) => v.message),
    };
    this.schemaChecks.push({ test: this.currentTest, exchange: res.exchange, check });
  }

  credentials(who: Who): Credentials {
    if (who === 'primary') return this.options.credentials;
    if (who === 'peer') {
      if (!this.options.peer)
        throw new TestSkipped(
          'No second deployment was given (--peer-base-url, --peer-client-id and --peer-client-secret).',
        );
      return this.options.peer.credentials;
    }
    if (!this.options.other)
      throw new TestSkipped(
        "No second organisation's credentials were given (--other-client-id and --other-client-secret).",
      );
    return this.options.other;
  }

  /** An access token for a client, asked for once (per scope) and kept for the run. */
  token(who: Who, scope?: string): Promise<string> {
    const credentials = this.credentials(who);
    const key = `${this.baseUrl(who)}\u0000${credentials.clientId}\u0000${scope ?? ''}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = requestToken(this.http(who), credentials, scope);
      this.tokens.set(key, token);
      token.catch(() => this.tokens.delete(key));
    }
    return token;
  }

  /** The organisation the role's client acts for, from `GET /v1/me`. */
  async actingFor(): Promise<Organisation> {
    this.me ??= (async () => {
      const res = await this.http().send('GET', '/v1/me', {
        token: await this.token('primary'),
        headers: this.onBehalfOf('primary'),
      });
      if (res.status !== 200) throw new Error(`GET /v1/me answered ${res.status}: ${res.text.slice(0, 300)}`);
      const me = res.json as {
        organisation: Organisation;
        actingFor: { id: string };
        delegatedBy?: Organisation[];
        scopes?: string[];
      };
      const actingFor =
        me.actingFor.id === me.organisation.id
          ? me.organisation
          : (me.delegatedBy?.find((d) => d.id === me.actingFor.id) ?? {
              ...me.organisation,
              ...me.actingFor,
            });
      return {
        organisation: me.organisation,
        actingFor: actingFor as Organisation,
        scopes: Array.isArray(me.scopes) ? me.scopes : [],
      };
    })();
    return (await this.me).actingFor;
  }

  /** The scopes the role's client holds, as `GET /v1/me` names them. */
  async scopes(): Promise<string[]> {
    await this.actingFor();
    return (await (this.me as NonNullable<typeof this.me>)).scopes;
  }

  onBehalfOf(who: Who): Record<string, string> {
    const id = this.credentials(who).onBehalfOf;
    return id ? { 'celr-on-behalf-of': id } : {};
  }
}

async function requestToken(http: RecordingHttp, credentials: Credentials, scope?: string): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    ...(scope ? { scope } : {}),
  });
  const res = await http.send('POST', '/oauth/token', {
    raw: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const token = (res.json as { access_token?: unknown } | undefined)?.access_token;
  if (res.status !== 200 || typeof token !== 'string')
    throw new Error(
      `The token endpoint refused client ${credentials.clientId}: ${res.status} ${res.text.slice(0, 300)}`,
    );
  return token;
}

export interface SendOptions extends RequestOptions {
  /**
   * Who sends it (default the role's client); `none` sends no token. May be given as undefined: a
   * helper that takes an optional sender passes it straight on.
   */
  as?: Who | 'none' | undefined;
  /** Ask the token for these scopes only. */
  scope?: string;
}

/** A record the test made, and what it needs to be changed or removed. */
export interface Made {
  id: string;
  etag: string;
  body: Record<string, unknown>;
}

const COLLECTION = {
  learner: 'learners',
  plan: 'plans',
  meeting: 'meetings',
  transition: 'transitions',
} as const;
export type Kind = keyof typeof COLLECTION;
export const collectionOf = (kind: Kind) => `/v1/${COLLECTION[kind]}`;

/**
 * What one test works with: requests that are kept as its evidence, the checks that decide it, and
 * fictional records it makes and removes again (tombstones) when it ends, whatever its result.
 */
export class TestContext {
  readonly http: RecordingHttp;
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  private peerHttp?: RecordingHttp;

  constructor(readonly session: Session) {
    this.http = session.http();
  }

  /**
   * Fails the test when a response it received so far departs from the schema the CELR OpenAPI
   * document declares for its operation and status, naming each: operation, status, JSON pointer
   * and rule. Returns how many responses were checked.
   */
  conforms(): number {
    const mine = this.session.schemaChecks.filter((c) => this.http.exchanges.includes(c.exchange));
    const off = mine.flatMap((c) => c.check.violations);
    this.check(!off.length, `${describeViolations(off)}.`);
    return mine.length;
  }

  get waitMs() {
    return this.session.options.waitMs ?? 20_000;
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const who = options.as ?? 'primary';
    const headers = { ...(who === 'none' ? {} : this.session.onBehalfOf(who)), ...options.headers };
    const token = who === 'none' ? undefined : await this.session.token(who, options.scope);
    // The second deployment's requests are the test's evidence too, in the order sent.
    if (who === 'peer') this.peerHttp ??= this.session.http('peer', this.http.exchanges);
    const http = who === 'peer' && this.peerHttp ? this.peerHttp : this.http;
    return http.send(method, path, { ...options, headers, ...(token ? { token } : {}) });
  }

  /** Fails the test unless `condition` holds. */
  check(condition: unknown, message: string): asserts condition {
    if (!condition) throw new TestFailure(message);
  }

  /** Fails the test unless the response has this status. */
  status(res: Response, expected: number | number[], what: string): void {
    const list = Array.isArray(expected) ? expected : [expected];
    this.check(
      list.includes(res.status),
      `${what}: expected HTTP ${list.join(' or ')}, got ${res.status}${res.text ? `: ${res.text.slice(0, 200)}` : ''}.`,
    );
  }

  skip(why: string): never {
    throw new TestSkipped(why);
  }

  /**
   * Skips the test unless the role's client holds these scopes: a vendor's client, say, need not
   * hold the transfer scopes (it acts for the authority within its own client's scopes), and then
   * what the test checks cannot be tried with it.
   */
  async needsScopes(...scopes: string[]): Promise<void> {
    const held = await this.session.scopes();
    const missing = scopes.filter((s) => !held.includes(s));
    if (missing.length)
      this.skip(
        `The client does not hold ${missing.join(', ')}: give it ${missing.length === 1 ? 'that scope' : 'those scopes'} to run this test.`,
      );
  }

  onCleanup(fn: () => Promise<unknown>) {
    this.cleanups.push(fn);
  }

  /** How many requests the test sent before its clean-up began: the last of them decided it. */
  exchangesBeforeCleanup?: number;

  /**
   * Runs the clean-ups, newest first, and says what could not be removed: a request that failed, or
   * a removal the server refused (a 4xx or 5xx other than 404 and 410, which mean it is gone).
   */
  async cleanup(): Promise<string[]> {
    this.exchangesBeforeCleanup = this.http.exchanges.length;
    const problems: string[] = [];
    for (const fn of this.cleanups.reverse()) {
      await fn().catch((error: unknown) =>
        problems.push(error instanceof Error ? error.message : String(error)),
      );
    }
    for (const e of this.http.exchanges.slice(this.exchangesBeforeCleanup)) {
      const status = e.response?.status ?? 0;
      if (e.request.method === 'DELETE' && status >= 400 && status !== 404 && status !== 410)
        problems.push(`${e.request.method} ${new URL(e.request.url).pathname} answered ${status}`);
    }
    return problems;
  }

  /**
   * A fictional learner of the organisation the role acts for, made for this test and tombstoned
   * after it: no enrolment and no host authority, so that nobody else may see it.
   */
  async learnerBody(
    overrides: Record<string, unknown> = {},
    /** Whose learner: the organisation the role acts for, unless said. */
    of?: Organisation,
  ): Promise<Record<string, unknown>> {
    const org = of ?? (await this.session.actingFor());
    const authority = { scheme: org.scheme, code: org.code, name: org.name };
    if (org.scheme === 'council-code') {
      const { enrolment: _e, identifiers: _i, ...base } = scotlandLearner as Record<string, unknown>;
      return { ...base, name: FICTIONAL_NAME, responsibleAuthority: authority, ...overrides };
    }
    const {
      enrolment: _e,
      hostAuthority: _h,
      identifiers: _i,
      ...base
    } = englandLearner as Record<string, unknown>;
    return {
      ...base,
      name: FICTIONAL_NAME,
      responsibleAuthority: authority,
      identifiers: [{ system: 'upn', value: freshUpn(org.code) }],
      ...overrides,
    };
  }

  /** Creates a record (201 expected) and tombstones it when the test ends. */
  async create(kind: Kind, body: Record<string, unknown>, options: SendOptions = {}): Promise<Made> {
    const res = await this.send('POST', collectionOf(kind), { ...options, body });
    this.status(res, 201, `POST ${collectionOf(kind)}`);
    const made = res.json as Record<string, unknown>;
    const id = String(made.id);
    this.onCleanup(() =>
      this.send('DELETE', `${collectionOf(kind)}/${id}`, { headers: { 'if-match': '*' } }),
    );
    return { id, etag: res.headers.get('etag') ?? '', body: made };
  }

  async learner(overrides: Record<string, unknown> = {}): Promise<Made> {
    return this.create('learner', await this.learnerBody(overrides));
  }

  /** Polls `probe` until it gives a value, or fails the test after `waitMs`. */
  async eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = this.waitMs): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > until) throw new TestFailure(`${what}: not seen within ${ms / 1000} s.`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Schema departures as a sentence a reader can act on: the first few, and how many there are. */
export function describeViolations(
  off: readonly { operation: string; status: number; pointer: string; rule: string; message: string }[],
): string {
  const shown = off
    .slice(0, 5)
    .map((v) => `${v.operation} ${v.status}: ${v.message} (rule ${v.rule}, at '${v.pointer}')`);
  return `${off.length} departure${off.length === 1 ? '' : 's'} from the declared response schemas: ${shown.join('; ')}${
    off.length > shown.length ? `; and ${off.length - shown.length} more` : ''
  }`;
}

export const FICTIONAL_NAME = { given: 'Conformance', family: 'Fictional' };

/**
 * A UPN of the authority's LA code that no child has: the DfE check letter, the LA code, and nine
 * random digits (a real UPN has the school's number and a serial there).
 */
export function freshUpn(laCode: string | null): string {
  const la = /^\d{3}$/.test(laCode ?? '') ? (laCode as string) : '999';
  const digits = `${la}${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
  return `${upnCheckLetter(`A${digits}`)}${digits}`;
}
