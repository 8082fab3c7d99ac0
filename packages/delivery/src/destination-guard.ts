/**
 * SSRF guard: webhooks must not reach into the network Hookrelay runs in.
 * Literal hosts are checked when a webhook is saved and again at delivery;
 * DNS names are checked at delivery on the addresses they resolve to, so a
 * name that is re-pointed inside is still blocked.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Ranges that are public; everything else (loopback, private, link-local incl. 169.254.169.254, ULA, …) is blocked. */
const PUBLIC_RANGE = 'unicast';

export class BlockedDestinationError extends Error {
  readonly code = 'EBLOCKEDDESTINATION';
  constructor(readonly address: string) {
    super(`destination ${address} is not a public address`);
    this.name = 'BlockedDestinationError';
  }
}

/** Host names that mean "this machine" without being IP literals (besides `localhost` and `*.localhost`). */
const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback', 'localhost.localdomain', 'localhost6', 'localhost6.localdomain6']);

export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // ::ffff:10.0.0.1 and friends reach IPv4 hosts: judge the IPv4 address
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    // ::a.b.c.d (deprecated IPv4-compatible, ::/96) is never a legitimate destination
    else if (v6.parts.slice(0, 6).every((p) => p === 0)) return false;
  }
  return parsed.range() === PUBLIC_RANGE;
}

/** The host of `url` when it is an IP literal, without IPv6 brackets. */
export function literalHost(url: string): string | null {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return isIP(host) ? host : null;
}

/** Why `url` may not be a webhook destination, or null when it may. */
export function destinationProblem(url: string): string | null {
  let hostname: string;
  try {
    // WHATWG URL parsing already turns 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 into 127.0.0.1
    hostname = new URL(url).hostname.toLowerCase().replace(/\.+$/, '');
  } catch {
    return 'is not a valid URL';
  }
  if (LOOPBACK_NAMES.has(hostname) || hostname.endsWith('.localhost')) return 'points to a loopback host';
  const literal = literalHost(url);
  if (literal && !isPublicAddress(literal)) return 'points to a private, loopback or link-local address';
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `dns.lookup` that fails with BlockedDestinationError for non-public results. */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  guardLookup(dnsLookup as LookupFunction)(hostname, options, callback);
}

export type LookupFunction = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** Wraps a resolver (dns.lookup by default; tests inject one) so that non-public results fail with BlockedDestinationError. */
export function guardLookup(resolve: LookupFunction) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, list) => {
      if (err) return callback(err, []);
      const blocked = list.find((a) => !isPublicAddress(a.address));
      if (blocked) return callback(new BlockedDestinationError(blocked.address) as NodeJS.ErrnoException, []);
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}
