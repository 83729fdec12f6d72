/**
 * A deliberately faulty CELR server, for testing the conformance kit and nothing else: a proxy on a
 * loopback port in front of the reference API that injects one fault at a time. It lives in the
 * tests, never in a build of the API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Headers = Record<string, string>;
interface Exchange {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}
interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/** A fault: how it changes a request before it is sent on, and the answer before it is returned. */
export interface Fault {
  description: string;
  request?: (req: Exchange, proxy: ProxyState) => void;
  response?: (req: Exchange, res: Answer, proxy: ProxyState) => Promise<void> | void;
}

interface ProxyState {
  upstream: string;
  self: string;
  /** Every access token the token endpoint handed out through the proxy. */
  tokens: string[];
  /** The last bundle a transfer's bundle endpoint served through the proxy. */
  lastBundle?: string;
  forward(req: Exchange): Promise<Answer>;
}

const json = (res: Answer): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};
const isProblem = (res: Answer) => (res.headers['content-type'] ?? '').startsWith('application/problem+json');
const RELAY = '/__relay/';

/** The faults, each aimed at what one clause of the kit checks. */
export const FAULTS = {
  'if-match-ignored': {
    description: 'A stale If-Match is not checked: every precondition is treated as *',
    request(req) {
      if (req.headers['if-match']) req.headers['if-match'] = '*';
    },
  },
  'if-match-not-required': {
    description: 'A replace without If-Match is applied (no 428)',
    request(req) {
      if ((req.method === 'PUT' || req.method === 'PATCH') && !req.headers['if-match'])
        req.headers['if-match'] = '*';
    },
  },
  'bad-input-500': {
    description: 'Bad input answers 500 instead of 422',
    response(_req, res) {
      if (res.status !== 422) return;
      res.status = 500;
      res.body = JSON.stringify({
        ...json(res),
        type: 'urn:celr:problem:internal',
        status: 500,
        title: 'Internal error',
      });
    },
  },
  'foreign-record-visible': {
    description: "Another organisation's learner is served to a client that may not see it",
    async response(req, res, proxy) {
      if (req.method !== 'GET' || res.status !== 404 || !/^\/v1\/learners\/[0-9a-f-]{36}$/.test(req.path))
        return;
      for (const token of proxy.tokens) {
        const other = await proxy.forward({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${token}` },
        });
        if (other.status === 200) {
          Object.assign(res, other);
          return;
        }
      }
    },
  },
  'wrong-problem-type': {
    description: 'A not-found problem names the wrong type',
    response(_req, res) {
      const body = json(res);
      if (isProblem(res) && body?.type === 'urn:celr:problem:not-found')
        res.body = JSON.stringify({ ...body, type: 'about:blank' });
    },
  },
  'problem-as-plain-json': {
    description: 'A 400 problem is sent as application/json',
    response(_req, res) {
      if (res.status === 400 && isProblem(res))
        res.headers['content-type'] = 'application/json; charset=utf-8';
    },
  },
  'feed-drops-updates': {
    description: 'The change feed leaves out updates',
    response(req, res) {
      const body = json(res) as { items?: { change: string }[] } | undefined;
      if (req.path.split('?')[0] === '/v1/changes' && body?.items) {
        body.items = body.items.filter((e) => e.change !== 'updated');
        res.body = JSON.stringify(body);
      }
    },
  },
  'unsigned-webhook': {
    description: 'Webhook deliveries carry no valid signature',
    request(req, proxy) {
      // Subscriptions point at the proxy, which relays deliveries to the kit's receiver.
      if (req.method === 'POST' && req.path === '/v1/webhook-subscriptions') {
        const body = JSON.parse(req.body) as { url: string };
        body.url = `${proxy.self}${RELAY}${encodeURIComponent(body.url)}`;
        req.body = JSON.stringify(body);
      }
    },
  },
  'idempotency-ignored': {
    description: 'Idempotency-Key is ignored: a retried create creates again',
    request(req) {
      if (req.method === 'POST' && req.path.startsWith('/v1/learners')) delete req.headers['idempotency-key'];
    },
  },
  'list-next-missing': {
    description: 'A list page leaves out its `next` link',
    response(req, res) {
      const body = json(res);
      if (req.method === 'GET' && body && 'next' in body) {
        delete body.next;
        res.body = JSON.stringify(body);
      }
    },
  },
  'scope-ignored': {
    description: 'A token asked for with fewer scopes gets all of them',
    request(req) {
      if (req.path === '/oauth/token') {
        const form = new URLSearchParams(req.body);
        form.delete('scope');
        req.body = form.toString();
      }
    },
  },
  'no-location': {
    description: 'A 201 has no Location header',
    response(_req, res) {
      if (res.status === 201) delete res.headers.location;
    },
  },
  'no-bearer-challenge': {
    description: 'A 401 has no WWW-Authenticate challenge',
    response(_req, res) {
      if (res.status === 401) delete res.headers['www-authenticate'];
    },
  },
  'record-off-schema': {
    description: 'A record read carries a member its schema does not have',
    response(req, res) {
      if (
        req.method !== 'GET' ||
        res.status !== 200 ||
        !/^\/v1\/(learners|plans)\/[0-9a-f-]{36}$/.test(req.path)
      )
        return;
      res.body = JSON.stringify({ ...json(res), internalNotes: 'not in the schema' });
    },
  },
  'deleted-is-404': {
    description: 'A deleted record answers 404, not 410',
    response(_req, res) {
      if (res.status !== 410) return;
      res.status = 404;
      res.body = JSON.stringify({
        ...json(res),
        type: 'urn:celr:problem:not-found',
        status: 404,
        title: 'No such resource',
      });
    },
  },
  'bundle-digest-unchecked': {
    description: 'A bundle changed after it was signed is imported: its digest is not checked',
    request(req, proxy) {
      // The server sees the bundle as it was served, whatever the client changed: what it imports
      // is not what the client sent, as a server that skips the digest check would do.
      if (req.method === 'POST' && req.path === '/v1/bundles/import' && proxy.lastBundle)
        req.body = proxy.lastBundle;
    },
    response(req, res, proxy) {
      if (
        req.method === 'GET' &&
        /^\/v1\/transfers\/[0-9a-f-]{36}\/bundle$/.test(req.path) &&
        res.status === 200
      )
        proxy.lastBundle = res.body;
    },
  },
  'reject-ignored': {
    description: 'Rejecting a transfer answers 200 and changes nothing',
    request(req) {
      if (req.method === 'POST' && /^\/v1\/transfers\/[0-9a-f-]{36}\/reject$/.test(req.path)) {
        // Passed on as a read of the transfer: the answer is 200, and the transfer stays pending.
        req.method = 'GET';
        req.path = req.path.replace(/\/reject$/, '');
        req.body = '';
        delete req.headers['content-type'];
      }
    },
  },
  'transfer-missing-member': {
    description: 'A transfer is answered without its createdAt, a member the document requires',
    response(req, res) {
      if (!req.path.startsWith('/v1/transfers') || res.status >= 300) return;
      const body = json(res) as { items?: Record<string, unknown>[] } | undefined;
      if (!body || req.path.endsWith('/bundle') || req.path.endsWith('/history')) return;
      const transfers: Record<string, unknown>[] = body.items ?? [body as Record<string, unknown>];
      for (const transfer of transfers) delete transfer.createdAt;
      res.body = JSON.stringify(body);
    },
  },
  'feed-entry-wrong-type': {
    description: "The change feed's versions are strings, not the integers the document declares",
    response(req, res) {
      const body = json(res) as { items?: { version?: unknown }[] } | undefined;
      if (req.path.split('?')[0] !== '/v1/changes' || !body?.items) return;
      for (const entry of body.items) if (entry.version !== undefined) entry.version = String(entry.version);
      res.body = JSON.stringify(body);
    },
  },
  'token-cached': {
    description: 'The token answer may be cached',
    response(req, res) {
      if (req.path === '/oauth/token') delete res.headers['cache-control'];
    },
  },
} satisfies Record<string, Fault>;
export type FaultName = keyof typeof FAULTS;

const HOP = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'content-encoding',
  'host',
]);

/** Starts the proxy in front of `upstream` (the reference API's base URL) with one fault, or none. */
export async function startFaultyProxy(upstream: string) {
  let fault: Fault | undefined;
  const state: ProxyState = {
    upstream,
    self: '',
    tokens: [],
    async forward(req) {
      const res = await fetch(new URL(req.path, upstream), {
        method: req.method,
        headers: req.headers,
        // Bytes, so that fetch adds no Content-Type of its own; none at all when the client sent none.
        ...(req.method === 'GET' || req.method === 'HEAD' || req.body === ''
          ? {}
          : { body: Buffer.from(req.body) }),
        redirect: 'manual',
      });
      const headers: Headers = {};
      res.headers.forEach((value, name) => {
        if (!HOP.has(name)) headers[name] = value;
      });
      return { status: res.status, headers, body: await res.text() };
    },
  };

  async function relay(req: Exchange, out: ServerResponse) {
    // A delivery on its way to the kit's receiver, with its signature spoiled.
    const target = decodeURIComponent(req.path.slice(RELAY.length));
    const headers = {
      ...req.headers,
      'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    };
    const res = await fetch(target, { method: 'POST', headers, body: Buffer.from(req.body) });
    out.statusCode = res.status;
    out.end(await res.text());
  }

  async function handle(incoming: IncomingMessage, out: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers: Headers = {};
    for (const [name, value] of Object.entries(incoming.headers))
      if (!HOP.has(name) && value !== undefined)
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const req: Exchange = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    if (req.path.startsWith(RELAY)) return relay(req, out);
    fault?.request?.(req, state);
    const res = await state.forward(req);
    if (req.path === '/oauth/token' && res.status === 200) {
      const token = json(res)?.access_token;
      if (typeof token === 'string') state.tokens.push(token);
    }
    await fault?.response?.(req, res, state);
    out.writeHead(res.status, { ...res.headers, 'content-length': String(Buffer.byteLength(res.body)) });
    out.end(res.body);
  }

  const server = createServer((incoming, out) => {
    handle(incoming, out).catch((error: unknown) => {
      out.statusCode = 502;
      out.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: state.self,
    use(name: FaultName | undefined) {
      fault = name ? FAULTS[name] : undefined;
      state.tokens = [];
      delete state.lastBundle;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
