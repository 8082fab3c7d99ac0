import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection as BullMQ wants it: `maxRetriesPerRequest: null` so a
 * blocked worker waits for Redis to come back instead of failing commands.
 */
export function createRedisConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

export async function isRedisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
