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

export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  // ::ffff:10.0.0.1 and friends reach IPv4 hosts: judge the IPv4 address
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === PUBLIC_RANGE;
}

/** The host of `url` when it is an IP literal, without IPv6 brackets. */
export function literalHost(url: string): string | null {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? host : null;
}

/** Why `url` may not be a webhook destination, or null when it may. */
export function destinationProblem(url: string): string | null {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return 'is not a valid URL';
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return 'points to a loopback host';
  const literal = literalHost(url);
  if (literal && !isPublicAddress(literal)) return 'points to a private, loopback or link-local address';
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `dns.lookup` that fails with BlockedDestinationError for non-public results. */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => !isPublicAddress(a.address));
    if (blocked) return callback(new BlockedDestinationError(blocked.address) as NodeJS.ErrnoException, []);
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}
