import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisSettings } from './redis-settings.js';

/** What the service talks to: one Redis server or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/**
 * The one place a Redis connection is made, for the API, the workers and the
 * producer SDK alike, from a REDIS_URL or cluster settings.
 *
 * By default a connection as BullMQ wants it: `maxRetriesPerRequest: null` so a
 * blocked worker waits for Redis to come back instead of failing commands.
 * For a cluster BullMQ reads that from `redisOptions` (the options of each
 * node connection), so it goes there; the queue prefix must carry a hash tag
 * (checked by the config), since BullMQ's scripts touch many keys at once.
 */
export function createRedisConnection(settings: RedisSettings | string, options: RedisOptions = {}): RedisConnection {
  const target = typeof settings === 'string' ? parseRedisUrl(settings) : settings;
  if (target.kind === 'single') return new Redis(target.url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
  return new Cluster(target.nodes, clusterOptions(target, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options }));
}

function clusterOptions(target: Extract<RedisSettings, { kind: 'cluster' }>, redisOptions: RedisOptions): ClusterOptions {
  return {
    enableReadyCheck: true,
    redisOptions: {
      ...redisOptions,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
    // managed TLS clusters (ElastiCache, MemoryDB) announce hosts their certificates name; resolving
    // them to IPs first would fail the certificate check (ioredis's advice for TLS clusters)
    ...(target.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
  };
}

export async function isRedisReachable(redis: RedisConnection): Promise<boolean> {
  try {
    // a cluster answers PING even when some slots have no master; only cluster_state:ok means it serves every key
    if (redis instanceof Cluster) return (await redis.cluster('INFO')).includes('cluster_state:ok');
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
