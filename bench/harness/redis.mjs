// Redis figures of the run: server memory and this run's own keys.
import { Redis } from 'ioredis';
import { QUEUE_PREFIX, REDIS_URL } from './options.mjs';

export async function redisMemory(redis) {
  const info = await redis.info('memory');
  const m = /used_memory:(\d+)/.exec(info);
  return m ? Number(m[1]) : null;
}

/** This run's keys (QUEUE_PREFIX), their MEMORY USAGE and the job hashes left per queue. */
export async function prefixKeys(redis) {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  const jobHashes = { deliveries: 0, events: 0, floor: 0 };
  let guard = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${QUEUE_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    keys += batch.length;
    if (batch.length) {
      const p = redis.pipeline();
      for (const k of batch) p.memory('USAGE', k);
      for (const [, v] of (await p.exec()) ?? []) bytes += Number(v ?? 0);
    }
    for (const k of batch) {
      const rest = k.slice(QUEUE_PREFIX.length + 1).split(':');
      if (rest.length === 2 && /^[0-9a-f-]{36}$|^\d+$/.test(rest[1]) && rest[0] in jobHashes) jobHashes[rest[0]]++;
    }
  } while (cursor !== '0' && ++guard < 100_000);
  return { keys, bytes, job_hashes: jobHashes };
}

/** Queue prefixes besides QUEUE_PREFIX that a phase made (the tracing phase's variants); cleanup deletes their keys too. */
export const extraPrefixes = new Set();

export async function deletePrefixKeys(redis, prefix = QUEUE_PREFIX) {
  let cursor = '0';
  let deleted = 0;
  let guard = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length) deleted += await redis.unlink(...batch);
  } while (cursor !== '0' && ++guard < 100_000);
  return deleted;
}

/** Names of the BullMQ queues under a prefix (every queue has a `meta` hash). */
export async function queueNames(prefix = QUEUE_PREFIX) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    const names = new Set();
    let cursor = '0';
    let guard = 0;
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*:meta`, 'COUNT', 1000);
      cursor = next;
      for (const k of batch) names.add(k.slice(prefix.length + 1, -':meta'.length));
    } while (cursor !== '0' && ++guard < 100_000);
    return [...names];
  } finally {
    redis.disconnect();
  }
}
