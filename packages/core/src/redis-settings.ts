/**
 * Where Redis is: one server (`redis://`, `rediss://`) or a Redis Cluster
 * (`redis+cluster://[user:pass@]host:port[,host:port...]`, `rediss+cluster://`
 * for TLS, or a bare `host:port,...` seed list). Shared by the config and
 * the producer SDK so both read the same URLs the same way.
 */

export interface RedisNode {
  host: string;
  port: number;
}

export type RedisSettings = { kind: 'single'; url: string } | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean };

const CLUSTER_SCHEMES: Record<string, boolean> = { 'redis+cluster:': false, 'rediss+cluster:': true };
const SINGLE_SCHEMES = new Set(['redis:', 'rediss:']);

function parseNode(text: string): RedisNode {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(`redis://${trimmed}`);
  } catch {
    throw new Error(`"${trimmed}" is not a host:port`);
  }
  if (!url.hostname || url.username || url.password || (url.pathname && url.pathname !== '/') || url.search) {
    throw new Error(`"${trimmed}" is not a host:port`);
  }
  // URL keeps IPv6 literals bracketed; ioredis wants them bare
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 6379 };
}

/** `host:port,host:port` (spaces allowed around commas) → nodes; at least one. */
export function parseClusterNodes(list: string): RedisNode[] {
  const parts = list.split(',').filter((part) => part.trim() !== '');
  if (!parts.length) throw new Error('needs at least one host:port');
  return parts.map(parseNode);
}

/** A REDIS_URL: `redis://` / `rediss://` for one server, `redis+cluster://` / `rediss+cluster://` for a cluster. */
export function parseRedisUrl(value: string): RedisSettings {
  const scheme = /^([a-z+]+:)\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme && SINGLE_SCHEMES.has(scheme)) {
    let host = '';
    try {
      host = new URL(value).hostname;
    } catch {
      // reported below
    }
    if (!host) throw new Error('must be a valid redis:// or rediss:// URL with a host');
    return { kind: 'single', url: value };
  }
  if (!scheme || !(scheme in CLUSTER_SCHEMES)) {
    throw new Error('must be a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL');
  }
  const rest = value.slice(scheme.length + 2);
  // the node list ends where a path or query would start; credentials end at the last '@' before it
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? '' : rest.slice(end);
  if (tail && !/^\/0?$/.test(tail)) throw new Error('a cluster URL takes no database, path or query (Redis Cluster has only database 0)');
  const at = authority.lastIndexOf('@');
  const credentials = at === -1 ? '' : authority.slice(0, at);
  const nodes = parseClusterNodes(authority.slice(at + 1));
  const colon = credentials.indexOf(':');
  const username = decodeURIComponent(colon === -1 ? credentials : credentials.slice(0, colon));
  const password = colon === -1 ? undefined : decodeURIComponent(credentials.slice(colon + 1));
  return {
    kind: 'cluster',
    nodes,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    tls: CLUSTER_SCHEMES[scheme] ?? false,
  };
}

/**
 * The hash tag Redis Cluster hashes a key by: the text between the first `{`
 * and the next `}`, if not empty; null when the whole key is hashed.
 */
export function hashTagOf(key: string): string | null {
  const open = key.indexOf('{');
  if (open === -1) return null;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}

/**
 * Why a queue prefix cannot be used on a cluster, or null when it can.
 * BullMQ's Lua scripts touch several keys of a queue at once, and a cluster
 * only runs those when every key hashes to one slot: the prefix, which starts
 * every key, must carry a hash tag.
 */
export function clusterPrefixProblem(prefix: string): string | null {
  if (hashTagOf(prefix) !== null) return null;
  return `must contain a Redis Cluster hash tag, e.g. "{${prefix.replace(/[{}]/g, '') || 'hookrelay'}}", when Redis is a cluster: BullMQ needs every key of a queue in one hash slot`;
}
