import createClient, { type Client, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import type { HttpMethod, MediaType, PathsWithMethod, RequiredKeysOf } from 'openapi-typescript-helpers';
import {
  type ClientCredentials,
  ClientCredentialsTokenSource,
  StaticTokenSource,
  type TokenSource,
} from './auth.js';
import { CelrProblemError, isCelrProblem } from './errors.js';
import { etagOf, rememberEtag } from './etag.js';
import type { paths } from './generated/api.js';
import { MAX_PAGE_SIZES } from './generated/page-sizes.js';
import {
  COLLECTIONS,
  type InputOf,
  kindOfWrite,
  type Learner,
  type LearnerInput,
  type ListQueryOf,
  type PatchOf,
  type RecordKind,
  type RecordOf,
  toInput,
} from './records.js';
import {
  type FetchLike,
  type RetryEvent,
  type RetryHooks,
  type RetryOptions,
  retryingFetch,
} from './retry.js';

export const ON_BEHALF_OF_HEADER = 'celr-on-behalf-of';

export interface CelrClientOptions {
  /** Where the API is served, e.g. `https://celr.example.org` (the paths start with `/v1`). */
  baseUrl: string;
  /** OAuth client id, for client-credentials authentication. */
  clientId?: string | undefined;
  /** OAuth client secret. Keep it out of browsers: there, pass `accessToken` instead. */
  clientSecret?: string | undefined;
  /** Space-separated scopes to ask for; default all the client has. */
  scope?: string | undefined;
  /** Instead of client credentials: an access token, or a function that returns a current one. */
  accessToken?: string | (() => string | Promise<string>) | undefined;
  /** Vendors: the id of the organisation you act for; sent as `celr-on-behalf-of` on every request. */
  onBehalfOf?: string | undefined;
  /** Check bodies with @celr/schema before sending creates and replaces. Default false. */
  validate?: boolean | undefined;
  /** Retries of 429 and 503 responses; `false` turns them off. */
  retry?: RetryOptions | false | undefined;
  /** Called before each retry, e.g. to log it. */
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** A fetch to use instead of the global one (a proxy agent, a test double...). */
  fetch?: FetchLike | undefined;
  /** Headers sent with every request, e.g. a `user-agent`. */
  headers?: Record<string, string> | undefined;
}

/** Per-call options the SDK adds to openapi-fetch's. */
export interface CallOptions {
  /** Check the body with @celr/schema before sending (overrides the client's `validate`). */
  validate?: boolean | undefined;
}

type InitParam<Init> = RequiredKeysOf<Init> extends never ? [(Init & CallOptions)?] : [Init & CallOptions];

type NeverToUndefined<T> = [T] extends [never] ? undefined : T;

/** The success body of an operation, as the typed methods return it. */
export type DataOf<Op extends Record<string | number, unknown>, Init = object> = NeverToUndefined<
  Exclude<FetchResponse<Op, Init, MediaType>['data'], undefined>
>;

/**
 * A typed method: every path and its parameters, body and success body come from the OpenAPI
 * document. Unlike openapi-fetch's own methods the options are not inferred but checked against the
 * operation, so a misspelt parameter or body field is an error.
 */
export type CelrMethod<M extends HttpMethod> = <P extends PathsWithMethod<paths, M>>(
  path: P,
  ...init: InitParam<MaybeOptionalInit<paths[P], M>>
) => Promise<DataOf<paths[P][M] & Record<string | number, unknown>>>;

type GetPath = PathsWithMethod<paths, 'get'>;
type GetData<P extends GetPath> = DataOf<paths[P]['get'] & Record<string | number, unknown>>;

/** Paths whose GET answers a page: `{ items, next? }`. */
export type ListPath = {
  [P in GetPath]: GetData<P> extends { items: unknown[] } ? P : never;
}[GetPath];
/** One page of a list operation. */
export type PageOf<P extends ListPath> = GetData<P>;
/** One item of a list operation. */
export type ItemOf<P extends ListPath> = GetData<P> extends { items: (infer T)[] } ? T : never;

export interface WriteOptions extends CallOptions {
  signal?: AbortSignal | undefined;
}

export interface UpdateOptions extends WriteOptions {
  /** How many times to read, apply and write before giving up on 412 conflicts. Default 5. */
  attempts?: number | undefined;
}

/** A learner identifier as it appears in `identifiers`, e.g. `{ system: 'upn', value: 'C990123424001' }`. */
export interface IdentifierRef {
  system: string;
  value: string;
}

/** Throws the problem of a failed openapi-fetch result; returns its data and remembers its ETag. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) throw CelrProblemError.fromResponse(result.response, result.error);
  rememberEtag(result.data, result.response.headers.get('etag'));
  return result.data as T;
}

/**
 * A client of the CELR API. Every method is typed from the API's OpenAPI document; failures are
 * thrown as {@link CelrProblemError}.
 *
 * - `GET`, `POST`, `PUT`, `PATCH`, `DELETE`: any operation by path, returning the success body.
 * - `get`, `create`, `replace`, `patch`, `delete`, `list`, `update`, `upsertLearner`: the record
 *   operations by kind.
 * - `pages` and `paginate`: async iterators over any list operation, to the end.
 * - `raw`: the underlying openapi-fetch client (same authentication and retries), returning
 *   `{ data, error, response }` without throwing.
 */
export class CelrClient {
  /** The openapi-fetch client underneath; its results are not thrown, and bodies are not validated. */
  readonly raw: Client<paths>;
  readonly GET: CelrMethod<'get'>;
  readonly POST: CelrMethod<'post'>;
  readonly PUT: CelrMethod<'put'>;
  readonly PATCH: CelrMethod<'patch'>;
  readonly DELETE: CelrMethod<'delete'>;

  private readonly validateByDefault: boolean;

  constructor(
    readonly options: CelrClientOptions,
    private readonly tokens: TokenSource = tokenSourceFor(options),
    hooks: RetryHooks = {},
  ) {
    const base = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    const retrying = retryingFetch(base, options.retry, { onRetry: options.onRetry, ...hooks });
    this.raw = createClient<paths>({
      baseUrl: options.baseUrl,
      fetch: apiFetch(retrying, tokens, options.onBehalfOf),
      ...(options.headers ? { headers: options.headers } : {}),
    });
    this.validateByDefault = options.validate ?? false;
    this.GET = ((path: string, init?: Record<string, unknown>) =>
      this.call('get', path, init)) as CelrMethod<'get'>;
    this.POST = ((path: string, init?: Record<string, unknown>) =>
      this.call('post', path, init)) as CelrMethod<'post'>;
    this.PUT = ((path: string, init?: Record<string, unknown>) =>
      this.call('put', path, init)) as CelrMethod<'put'>;
    this.PATCH = ((path: string, init?: Record<string, unknown>) =>
      this.call('patch', path, init)) as CelrMethod<'patch'>;
    this.DELETE = ((path: string, init?: Record<string, unknown>) =>
      this.call('delete', path, init)) as CelrMethod<'delete'>;
  }

  /**
   * The same client acting for another organisation (vendors): shares this client's token cache and
   * sends `celr-on-behalf-of: <organisationId>`.
   */
  actingFor(organisationId: string): CelrClient {
    return new CelrClient({ ...this.options, onBehalfOf: organisationId }, this.tokens);
  }

  /** Reads a record; `etagOf(record)` then gives its ETag. */
  get<K extends RecordKind>(
    kind: K,
    id: string,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<RecordOf<K>> {
    return this.call('get', `${COLLECTIONS[kind]}/{id}`, { params: { path: { id } }, ...options }) as Promise<
      RecordOf<K>
    >;
  }

  /**
   * Creates a record. An `Idempotency-Key` is sent (a new UUID unless you pass one), so a retry
   * after a lost response returns the record created the first time instead of creating another.
   */
  create<K extends RecordKind>(
    kind: K,
    input: InputOf<K>,
    options: WriteOptions & { idempotencyKey?: string | undefined } = {},
  ): Promise<RecordOf<K>> {
    const { idempotencyKey, ...rest } = options;
    return this.call('post', COLLECTIONS[kind], {
      body: input,
      ...(idempotencyKey ? { params: { header: { 'idempotency-key': idempotencyKey } } } : {}),
      ...rest,
    }) as Promise<RecordOf<K>>;
  }

  /**
   * Replaces a record with `If-Match`: by default the ETag of `value` when it is a record you read
   * (so a change made since is refused with 412 rather than overwritten). `id` and `meta` are dropped.
   */
  replace<K extends RecordKind>(
    kind: K,
    id: string,
    value: InputOf<K> | RecordOf<K>,
    options: WriteOptions & { ifMatch?: string | undefined } = {},
  ): Promise<RecordOf<K>> {
    const { ifMatch = etagOf(value), ...rest } = options;
    return this.call('put', `${COLLECTIONS[kind]}/{id}`, {
      params: { path: { id }, header: ifMatch ? { 'if-match': ifMatch } : {} },
      body: toInput<K>(value),
      ...rest,
    }) as Promise<RecordOf<K>>;
  }

  /** Changes part of a record with a JSON merge patch (RFC 7396); `ifMatch` is required by the API. */
  patch<K extends RecordKind>(
    kind: K,
    id: string,
    patch: PatchOf<K>,
    options: { ifMatch: string; signal?: AbortSignal | undefined },
  ): Promise<RecordOf<K>> {
    const { ifMatch, ...rest } = options;
    return this.call('patch', `${COLLECTIONS[kind]}/{id}`, {
      params: { path: { id }, header: { 'if-match': ifMatch } },
      body: patch,
      headers: { 'content-type': 'application/merge-patch+json' },
      ...rest,
    }) as Promise<RecordOf<K>>;
  }

  /** Deletes a record (a tombstone: its history stays readable). */
  async delete(
    kind: RecordKind,
    id: string,
    options: { ifMatch?: string | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<void> {
    const { ifMatch, ...rest } = options;
    await this.call('delete', `${COLLECTIONS[kind]}/{id}`, {
      params: { path: { id }, header: ifMatch ? { 'if-match': ifMatch } : {} },
      ...rest,
    });
  }

  /**
   * Creates the learner your organisation holds under `identifier`, or replaces it: sync from an MIS
   * by UPN (or your own id) without storing CELR's ids. The body must carry the same identifier.
   * `createOnly` refuses (412) when the learner exists; `ifMatch` refuses a stale overwrite.
   */
  upsertLearner(
    identifier: IdentifierRef,
    input: LearnerInput | Learner,
    options: WriteOptions & { ifMatch?: string | undefined; createOnly?: boolean | undefined } = {},
  ): Promise<Learner> {
    const { ifMatch, createOnly, ...rest } = options;
    return this.call('put', '/v1/learners-by-identifier/{system}/{value}', {
      params: {
        path: identifier,
        header: {
          ...(ifMatch ? { 'if-match': ifMatch } : {}),
          ...(createOnly ? { 'if-none-match': '*' } : {}),
        },
      },
      body: toInput<'learner'>(input),
      ...rest,
    }) as Promise<Learner>;
  }

  /**
   * Reads a record, applies `change` to it and writes the result with `If-Match`. When someone else
   * changed the record in between (412), reads it again and reapplies `change`, up to `attempts`
   * times; then throws the 412. `change` may return `undefined` to write nothing.
   */
  async update<K extends RecordKind>(
    kind: K,
    id: string,
    change: (
      current: RecordOf<K>,
    ) => InputOf<K> | RecordOf<K> | undefined | Promise<InputOf<K> | RecordOf<K> | undefined>,
    options: UpdateOptions = {},
  ): Promise<RecordOf<K>> {
    const { attempts = 5, signal, ...rest } = options;
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(kind, id, signal ? { signal } : {});
      const next = await change(structuredClone(current));
      if (next === undefined) return current;
      try {
        return await this.replace(kind, id, next, {
          ...rest,
          ...(signal ? { signal } : {}),
          ifMatch: etagOf(current),
        });
      } catch (error) {
        if (attempt < attempts && isCelrProblem(error, 'precondition-failed')) continue;
        throw error;
      }
    }
  }

  /**
   * Every record of a kind you may see, oldest change first, following the pages to the end. Pages
   * are as large as the API serves unless `query.limit` says otherwise.
   */
  list<K extends RecordKind>(kind: K, query: ListQueryOf<K> = {}): AsyncGenerator<RecordOf<K>> {
    return this.paginate(COLLECTIONS[kind] as ListPath, { params: { query } } as never) as AsyncGenerator<
      RecordOf<K>
    >;
  }

  /**
   * The pages of any list operation, following each page's `next` link until the last page. The
   * link carries a `cursor` (records, transfers, audit events...) or an `after` position (the change
   * feed, bulk import errors); either is sent back as the link gives it. Without a `limit` in the
   * query, each page is the largest the operation serves (its `limit` maximum in the OpenAPI
   * document): over a cohort of 50,000 learners that is four times fewer requests than the API's
   * default page, and several times faster.
   */
  async *pages<P extends ListPath>(
    path: P,
    ...init: InitParam<MaybeOptionalInit<paths[P], 'get'>>
  ): AsyncGenerator<PageOf<P>> {
    const first = (init[0] ?? {}) as { params?: { query?: Record<string, unknown> } };
    const maximum = MAX_PAGE_SIZES[path];
    const query = {
      ...(maximum !== undefined && first.params?.query?.limit === undefined ? { limit: maximum } : {}),
      ...first.params?.query,
    };
    let position: PagePosition | undefined;
    do {
      const params = { ...first.params, query: { ...query, ...position } };
      const page = (await this.call('get', path, { ...first, params })) as { next?: string };
      yield page as PageOf<P>;
      const next = positionOf(page.next);
      if (next !== undefined && position !== undefined && samePosition(next, position)) {
        throw new Error(`${path}: the next link repeats the position of the page before`);
      }
      position = next;
    } while (position);
  }

  /** The items of any list operation, across all its pages. */
  async *paginate<P extends ListPath>(
    path: P,
    ...init: InitParam<MaybeOptionalInit<paths[P], 'get'>>
  ): AsyncGenerator<ItemOf<P>> {
    for await (const page of this.pages(path, ...init)) {
      for (const item of (page as unknown as { items: ItemOf<P>[] }).items) yield item;
    }
  }

  private async call(method: HttpMethod, path: string, init: Record<string, unknown> = {}): Promise<unknown> {
    const { validate = this.validateByDefault, ...rest } = init as Record<string, unknown> & CallOptions;
    if (validate && rest.body !== undefined) {
      const kind = kindOfWrite(method, path);
      if (kind) await assertValid(kind, rest.body);
    }
    // Paths and kinds are typed at the public methods; here they are plain strings.
    const raw = this.raw as unknown as {
      request(
        method: string,
        path: string,
        init: object,
      ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
    };
    return unwrap(await raw.request(method, path, rest));
  }
}

/** A client of the CELR API; see {@link CelrClient}. */
export function createCelrClient(options: CelrClientOptions): CelrClient {
  return new CelrClient(options);
}

function tokenSourceFor(options: CelrClientOptions): TokenSource {
  if (options.accessToken !== undefined) return new StaticTokenSource(options.accessToken);
  if (!options.clientId || !options.clientSecret) {
    throw new TypeError('createCelrClient: pass clientId and clientSecret, or accessToken.');
  }
  const credentials: ClientCredentials = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...(options.scope ? { scope: options.scope } : {}),
  };
  const base = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  return new ClientCredentialsTokenSource(
    options.baseUrl,
    credentials,
    retryingFetch(base, options.retry, { onRetry: options.onRetry }),
  );
}

/**
 * The fetch under every API call: the bearer token (a fresh one once, when the API says the cached
 * one is no longer good), `celr-on-behalf-of`, and an `Idempotency-Key` on POST, chosen once so
 * that every retry of the request carries the same key.
 */
function apiFetch(next: FetchLike, tokens: TokenSource, onBehalfOf: string | undefined): FetchLike {
  return async (request) => {
    if (onBehalfOf && !request.headers.has(ON_BEHALF_OF_HEADER))
      request.headers.set(ON_BEHALF_OF_HEADER, onBehalfOf);
    if (request.method === 'POST' && !request.headers.has('idempotency-key')) {
      request.headers.set('idempotency-key', globalThis.crypto.randomUUID());
    }
    const token = await tokens.token();
    request.headers.set('authorization', `Bearer ${token}`);
    const response = await next(request);
    if (response.status !== 401) return response;
    tokens.invalidate(token);
    const fresh = await tokens.token();
    if (fresh === token) return response;
    await response.body?.cancel().catch(() => {});
    request.headers.set('authorization', `Bearer ${fresh}`);
    return next(request);
  };
}

/** Where the next page starts: the query parameter a `next` link carries to say so. */
type PagePosition = { cursor: string } | { after: string };

function positionOf(next: string | undefined): PagePosition | undefined {
  if (!next) return undefined;
  const query = new URL(next, 'http://celr.invalid').searchParams;
  const cursor = query.get('cursor');
  if (cursor) return { cursor };
  const after = query.get('after');
  if (after) return { after };
  throw new Error(`The next link ${next} has neither a cursor nor an after position`);
}

function samePosition(a: PagePosition, b: PagePosition): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** @celr/schema is loaded on first use only, so clients that do not validate do not carry it. */
async function assertValid(kind: RecordKind, body: unknown): Promise<void> {
  const { validate } = await import('@celr/schema');
  const result = validate(kind, body);
  if (!result.ok) throw CelrProblemError.clientValidation(result.issues, `The ${kind}`);
}
