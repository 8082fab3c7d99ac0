/**
 * Whether anything accepts TCP connections at a Redis URL's host and port.
 * The producer's ioredis client retries a refused connection forever, so the
 * CLI asks this first to fail fast (exit 3) with a clear reason.
 */
import { connect } from 'node:net';
import { parseRedisUrl, type RedisSettings } from '@hookrelay/core/light';
import { UsageError } from './errors.js';

export type ProbeResult = true | { where: string; reason: string };

/** The host:port pairs a Redis URL names: one for redis:// and rediss://, the seed list of a redis+cluster:// URL (read as the service reads it). */
export function redisEndpoints(redisUrl: string): { host: string; port: number }[] {
  let settings: RedisSettings;
  try {
    settings = parseRedisUrl(redisUrl);
  } catch (error) {
    const several = /^rediss?:\/\/(?:[^@/]*@)?[^/?#]*,/i.test(redisUrl);
    if (several) throw new UsageError(`--redis-url names several hosts; use redis+cluster:// for a Redis Cluster: ${redisUrl}`);
    throw new UsageError(`--redis-url ${(error as Error).message}: ${redisUrl}`);
  }
  if (settings.kind === 'cluster') return settings.nodes;
  const url = new URL(settings.url);
  return [{ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 6379 }];
}

/** True when the first reachable endpoint of the URL accepts a TCP connection (a cluster needs one seed). */
export async function redisReachable(redisUrl: string, timeoutMs: number): Promise<ProbeResult> {
  let last: ProbeResult = true;
  for (const endpoint of redisEndpoints(redisUrl)) {
    last = await tcpReachable(endpoint.host, endpoint.port, timeoutMs);
    if (last === true) return true;
  }
  return last;
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const where = `${host}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done({ where, reason: `no answer within ${timeoutMs} ms` }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ where, reason: error.code ?? error.message }));
  });
}
