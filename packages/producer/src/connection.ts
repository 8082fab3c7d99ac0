/**
 * The producer's own Redis connection, from a URL or a cluster's seed nodes.
 * Commands give up after a few retries (unlike the workers' connections) so
 * that `publish` rejects when Redis is gone instead of hanging.
 */
import { Cluster, Redis } from 'ioredis';
import { ConfigError, clusterPrefixProblem, parseClusterNodes, parseRedisUrl, type RedisNode, type RedisSettings } from '@hookrelay/core';

const MAX_RETRIES_PER_REQUEST = 3;

export interface ConnectionOptions {
  redisUrl?: string;
  clusterNodes?: readonly (string | RedisNode)[];
}

export function redisSettingsOf(options: ConnectionOptions): RedisSettings {
  if (options.clusterNodes) {
    if (options.redisUrl) throw new ConfigError('createProducer: give either redisUrl or clusterNodes, not both');
    let nodes: RedisNode[];
    try {
      nodes = options.clusterNodes.flatMap((node) => (typeof node === 'string' ? parseClusterNodes(node) : [node]));
    } catch (error) {
      throw new ConfigError(`createProducer: clusterNodes: ${(error as Error).message}`);
    }
    if (!nodes.length) throw new ConfigError('createProducer: clusterNodes is empty');
    return { kind: 'cluster', nodes, tls: false };
  }
  try {
    return parseRedisUrl(options.redisUrl ?? 'redis://127.0.0.1:6379');
  } catch (error) {
    throw new ConfigError(`createProducer: redisUrl ${(error as Error).message}`);
  }
}

/** Throws when a cluster would be given a queue prefix without a hash tag (BullMQ would fail with CROSSSLOT). */
export function assertPrefixFits(isCluster: boolean, queuePrefix: string): void {
  const problem = isCluster ? clusterPrefixProblem(queuePrefix) : null;
  if (problem) throw new ConfigError(`createProducer: queuePrefix "${queuePrefix}" ${problem}`);
}

export function connect(settings: RedisSettings): Redis | Cluster {
  if (settings.kind === 'single') return new Redis(settings.url, { maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST });
  return new Cluster(settings.nodes, {
    redisOptions: {
      maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
      ...(settings.username ? { username: settings.username } : {}),
      ...(settings.password ? { password: settings.password } : {}),
      ...(settings.tls ? { tls: {} } : {}),
    },
    // managed TLS clusters announce the host names their certificates carry: keep them unresolved
    ...(settings.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
  });
}
