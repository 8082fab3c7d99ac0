/**
 * Shared pieces of the fault tests (test/faults): publishing many events,
 * wiping a queue prefix from Redis, and the "nothing lost" report.
 */
import { Redis } from 'ioredis';
import type { PrismaClient } from '@hookrelay/db';
import type { Receiver } from './receiver.js';
import type { Stack } from './stack.js';

export type Caller = Stack['call'];

export async function createWebhook(call: Caller, tenant: string, url: string): Promise<{ id: string; secret: string }> {
  const res = await call('POST', '/v1/webhooks', { tenant, url, enabled_events: ['CARD.*'], is_enabled: true });
  if (res.status !== 201) throw new Error(`creating a webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Publishes `count` events (a few requests at a time); returns every notification id created. */
export async function publishMany(call: Caller, tenant: string, count: number, parallel = 8): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = next++;
      const res = await call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { n } });
      if (res.status !== 202) throw new Error(`publishing failed: ${res.status} ${JSON.stringify(res.body)}`);
      ids.push(...(res.body.notification_ids as string[]));
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return ids;
}

/** SCAN + DEL of every key under `prefix`: what Redis losing its data looks like to one deployment. */
export async function wipeRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export async function countRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let count = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      count += keys.length;
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return count;
}

/** Length of a deliveries list/zset (e.g. 'active', 'failed', 'delayed') under `prefix`. */
export async function deliveriesCount(redisUrl: string, prefix: string, state: 'active' | 'wait' | 'failed' | 'delayed'): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const key = `${prefix}:deliveries:${state}`;
    return state === 'active' || state === 'wait' ? await redis.llen(key) : await redis.zcard(key);
  } finally {
    redis.disconnect();
  }
}

/** Notification ids the receiver got at least once (by webhook-id). */
export function deliveredIds(receiver: Receiver): Set<string> {
  return new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));
}

export async function statusCounts(db: PrismaClient, ids: readonly string[]): Promise<Record<string, number>> {
  const rows = await db.notification.groupBy({ by: ['status'], where: { id: { in: [...ids] } }, _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
}

export interface LossReport {
  scenario: string;
  published: number;
  delivered: number;
  lost: number;
  /** requests beyond the first per notification: repeats after a crash (allowed, at least once) and failed attempts the test provoked */
  repeats: number;
  /** requests whose webhook-id differs from the body's notification_id or is not one we published */
  foreign: number;
  [extra: string]: unknown;
}

/** Counts and prints (one line) what was published, delivered, lost. */
export function lossReport(scenario: string, published: readonly string[], receiver: Receiver, extra: Record<string, unknown> = {}): LossReport {
  const publishedSet = new Set(published);
  const requests = receiver.requests.filter((r) => publishedSet.has(String(r.headers['webhook-id'])) || publishedSet.has(safeNotificationId(r.body)));
  const delivered = new Set(requests.map((r) => String(r.headers['webhook-id'])).filter((id) => publishedSet.has(id)));
  const foreign = requests.filter((r) => r.headers['webhook-id'] !== safeNotificationId(r.body) || !publishedSet.has(String(r.headers['webhook-id']))).length;
  const report: LossReport = {
    scenario,
    published: publishedSet.size,
    delivered: delivered.size,
    lost: [...publishedSet].filter((id) => !delivered.has(id)).length,
    repeats: requests.length - delivered.size,
    foreign,
    ...extra,
  };
  console.log(`[faults] ${JSON.stringify(report)}`);
  return report;
}

function safeNotificationId(body: string): string {
  try {
    return String(JSON.parse(body).notification_id);
  } catch {
    return '';
  }
}
