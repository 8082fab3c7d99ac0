/**
 * Per-webhook throttling shared by every worker replica: a sliding-window
 * log in Redis (one sorted set per webhook, under the queue prefix). A
 * delivery may start when fewer than `limit` started in the last window;
 * otherwise the caller learns how long to wait. Redis's clock is used, so
 * replicas with skewed clocks still agree.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** The window of `rate_limit` (deliveries per second), plus a margin for network jitter between send and arrival. */
export const RATE_WINDOW_MS = 1000;
export const RATE_MARGIN_MS = 100;

const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

const COMMAND = 'hookrelayRateLimit';

type WithRateLimitCommand = { [COMMAND](key: string, limit: number, windowMs: number, member: string): Promise<number> };

export class WebhookRateLimiter {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly windowMs = RATE_WINDOW_MS + RATE_MARGIN_MS,
  ) {
    // a defined command runs by EVALSHA (the script text is sent only when Redis lacks it)
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: SCRIPT });
  }

  /** 0 when a delivery to `webhookId` may start now (and it is counted), else the ms to wait. */
  async acquire(webhookId: string, limit: number): Promise<number> {
    // starts with the queue prefix: on a Redis Cluster its hash tag puts the key in the queues' slot
    const key = `${this.prefix}:ratelimit:${webhookId}`;
    const wait = await (this.redis as unknown as WithRateLimitCommand)[COMMAND](key, limit, this.windowMs, randomUUID());
    return Number(wait);
  }
}
