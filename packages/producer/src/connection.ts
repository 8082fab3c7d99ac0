/**
 * The producer's own Redis connection, from a URL or a cluster's seed nodes.
 * Commands give up after a few retries (unlike the workers' connections) and
 * a publish waits a bounded time for a connection, so that `publish` rejects
 * when Redis is gone instead of hanging.
 */
import type { Cluster, Redis } from 'ioredis';
import {
  ConfigError,
  clusterPrefixProblem,
  createRedisConnection,
  parseClusterNodes,
  parseRedisUrl,
  type RedisNode,
  type RedisSettings,
} from '@hookrelay/core/producer';

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

/** Commands give up after a few retries, so that a publish rejects instead of waiting for Redis forever. */
export function connect(settings: RedisSettings): Redis | Cluster {
  return createRedisConnection(settings, { maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST });
}

/** Redis could not be reached in time; nothing was sent. */
export class ProducerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerUnavailableError';
  }
}

/**
 * Resolves once the connection is ready (at once when it is); rejects after
 * `timeoutMs` while it is (re)connecting, or when it was closed. No command
 * has been sent when it rejects.
 */
export function whenReady(connection: Redis | Cluster, timeoutMs: number): Promise<void> {
  // 'wait' is a lazyConnect connection that BullMQ will open itself
  if (connection.status === 'ready' || connection.status === 'wait') return Promise.resolve();
  if (connection.status === 'end') return Promise.reject(new ProducerUnavailableError('the producer is closed'));
  return new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => (lastError = error);
    const settle = (error?: Error) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('error', onError);
      connection.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onEnd = () => settle(new ProducerUnavailableError('the Redis connection was closed'));
    const timer = setTimeout(
      () =>
        settle(new ProducerUnavailableError(`Redis not reachable within ${timeoutMs} ms${lastError ? ` (${lastError.message})` : ''}; nothing was published`)),
      timeoutMs,
    );
    connection.once('ready', onReady);
    connection.on('error', onError);
    connection.once('end', onEnd);
  });
}
