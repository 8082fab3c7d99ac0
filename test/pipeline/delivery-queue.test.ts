/**
 * DeliveryQueue against a real Redis: one job per notification (its id the
 * job id) whichever way the enqueue went, a single job (add) or many
 * (addBulk), with the retry options and delays intact.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseRetrySchedule } from '@hookrelay/core';
import { DeliveryQueue } from '@hookrelay/services';
import { testQueuePrefix, testRedisUrl } from '../support/env.js';

let redis: Redis;
let queue: DeliveryQueue;
beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  queue = new DeliveryQueue(redis, testQueuePrefix(), parseRetrySchedule('5,300,1800'));
});
afterAll(async () => {
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

test('a single enqueue and a batch both make one job per notification, and repeats are no-ops', async () => {
  const one = randomUUID();
  await queue.enqueue([{ notificationId: one }]);
  await queue.enqueue([{ notificationId: one }]);
  const [a, b] = [randomUUID(), randomUUID()];
  await queue.enqueue([{ notificationId: a }, { notificationId: b }, { notificationId: one }]);
  await queue.enqueue([{ notificationId: a }]);

  const waiting = await queue.queue.getWaiting();
  expect(waiting.map((j) => j.id).sort()).toEqual([one, a, b].sort());
  for (const job of waiting) {
    expect(job.data).toEqual({ notificationId: job.id });
    expect(job.opts.attempts).toBe(5); // 1 + 3 retries, + 1 so that the database decides the end
    expect(job.opts.backoff).toEqual({ type: 'hookrelay' });
  }
});

test('a single delayed enqueue is delayed; cycle attempts shorten the job', async () => {
  const id = randomUUID();
  await queue.enqueue([{ notificationId: id, delayMs: 60_000, cycleAttempts: 2 }]);
  const job = await queue.queue.getJob(id);
  expect(await job!.getState()).toBe('delayed');
  expect(job!.opts.delay).toBe(60_000);
  expect(job!.opts.attempts).toBe(3);
});
