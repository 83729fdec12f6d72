import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { ValidationIssue } from '@celr/schema';
import ipaddr from 'ipaddr.js';

/**
 * Where webhook deliveries may go. A subscription's URL is chosen by an API client, and the API
 * sends requests to it from inside the deployment's network: without a check, any client could make
 * the API call its database, its cloud's metadata service (169.254.169.254, fd00:ec2::254) or anything
 * else only the deployment can reach (server-side request forgery). So a delivery goes only to a
 * public unicast address, unless the operator allows a range (`CELR_WEBHOOK_ALLOW_TARGETS`), as
 * development and tests do for loopback.
 *
 * The address is checked twice: when the subscription is made (the URL as written, for a clear 422),
 * and at every delivery against the addresses the name resolves to at that moment, in the `lookup`
 * the connection itself uses. A name that resolved to a public address yesterday and to 127.0.0.1
 * now (DNS rebinding) is refused at the connection, not trusted from before.
 */
export interface TargetPolicy {
  /** Ranges the operator allows although they are not public, as written in the setting. */
  readonly allowed: readonly string[];
  /** Whether a delivery may connect to this address (any textual form ipaddr.js reads). */
  allows(address: string): boolean;
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An allowlist entry: an address (a range of one) or a CIDR range, IPv4 or IPv6. */
function parseRange(entry: string): Range {
  try {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    const address = ipaddr.parse(entry);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new Error(
      `CELR_WEBHOOK_ALLOW_TARGETS: "${entry}" is not an IP address or a CIDR range (such as 127.0.0.0/8 or ::1/128).`,
    );
  }
}

/** The only IPv6 addresses delivered to: global unicast (2000::/3), RFC 4291. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Public unicast, by ipaddr.js's special-purpose ranges (IANA's registries): not private, loopback,
 * link-local (so not 169.254.169.254), unique-local (so not fd00:ec2::254), carrier-grade NAT,
 * multicast, broadcast, unspecified or reserved. An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is
 * judged as the IPv4 address it carries. IPv6 must also be global unicast: ipaddr.js calls the
 * deprecated IPv4-compatible form (::127.0.0.1) "unicast", and NAT64 (64:ff9b::/96), 6to4 and Teredo
 * addresses embed IPv4 addresses that could be internal.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const ip = ipaddr.process(address);
  if (ip.range() !== 'unicast') return false;
  return ip.kind() === 'ipv4' || (ip as ipaddr.IPv6).match(GLOBAL_UNICAST_V6);
}

/** The policy for the operator's allowlist (`CELR_WEBHOOK_ALLOW_TARGETS`); throws on an entry it cannot read. */
export function targetPolicy(allowed: readonly string[] = []): TargetPolicy {
  const ranges = allowed.map((entry) => parseRange(entry.trim()));
  return {
    allowed,
    allows(address) {
      if (!ipaddr.isValid(address)) return false;
      const ip = ipaddr.process(address);
      if (ranges.some(([base, bits]) => base.kind() === ip.kind() && ip.match(base, bits))) return true;
      return isPublicAddress(address);
    },
  };
}

/** The host of a URL as an address, when it is one (`[::1]` → `::1`); undefined for a name. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

/** `localhost` and its subdomains always mean this machine (RFC 6761), whatever DNS would say. */
const isLocalhostName = (hostname: string) => {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
};

const POINTER = '/url';

/**
 * What the OpenAPI document declares of a subscription's URL: absolute, http or https (http only to
 * this machine, which `checkWebhookUrl` decides). The route checks `checkWebhookUrl` first, so a
 * client sees its precise rule (`url`, `https-required`) rather than a pattern.
 */
export const WEBHOOK_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://';

/**
 * The checks made when a subscription is created. The URL must be absolute, carry no credentials,
 * use https (or http to this machine), and its host, as written, must be a public address or a name.
 * The WHATWG URL parser has already turned every numeric spelling of an IPv4 address (2130706433,
 * 0x7f.1, 0177.0.0.1, 127.1) into dotted form, so each is judged as the address it means. A name is
 * not resolved here: what it resolves to is checked at each delivery, when it matters.
 */
export function checkWebhookUrl(raw: string, policy: TargetPolicy): ValidationIssue | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      pointer: POINTER,
      rule: 'url',
      message: 'Give an absolute URL, such as https://example.org/celr-hooks.',
    };
  }
  if (url.username || url.password)
    return { pointer: POINTER, rule: 'url-credentials', message: 'Put no user name or password in the URL.' };
  const address = literalAddress(url.hostname);
  const local = isLocalhostName(url.hostname);
  const loopback = local || (address !== undefined && ipaddr.process(address).range() === 'loopback');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return {
      pointer: POINTER,
      rule: 'https-required',
      message: 'The URL must use https (http is allowed only to this machine, where the operator allows it).',
    };
  const refused = local
    ? !policy.allows('127.0.0.1') && !policy.allows('::1')
    : address !== undefined && !policy.allows(address);
  if (refused)
    return {
      pointer: POINTER,
      rule: 'public-address-required',
      message:
        'The URL points at a private, loopback, link-local or otherwise internal address; deliveries go only to public addresses.',
    };
  return undefined;
}

/** Thrown by the guarded lookup when a name resolves to an address the policy refuses. */
export class TargetRefusedError extends Error {
  override readonly name = 'TargetRefusedError';
  readonly code = 'ETARGETREFUSED';
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`Webhook target ${hostname} resolves to ${address}, which is not allowed.`);
  }
}

/** Resolves a name to every address it has (default: the system resolver, as `dns.lookup`). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * A `lookup` for net/tls connections that resolves the name and refuses the connection when any
 * address it resolves to is not allowed, so the socket can only ever connect to a checked address.
 * Node calls it for every connection to a name (not for an address literal: check those yourself).
 */
export function guardedLookup(policy: TargetPolicy, resolver: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (found) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = found.filter((a) => family === undefined || a.family === family);
        const refused = found.find((a) => !policy.allows(a.address));
        if (refused) return callback(new TargetRefusedError(hostname, refused.address), '', 4);
        if (addresses.length === 0) {
          const error = Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' });
          return callback(error, '', 4);
        }
        if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
}
