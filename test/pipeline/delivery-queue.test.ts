/**
 * DeliveryQueue against a real Redis: one job per notification (its id the
 * job id) whichever way the enqueue went, a single job (add) or many
 * (addBulk), with the retry options and delays intact.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseRetrySchedule } from '@hookrelay/core';
import { DeliveryQueue, RETRY_PRIORITY } from '@hookrelay/scheduling';
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

  // first attempts wait in BullMQ's prioritized set (their priority: the position in their flow, docs/scheduling.md)
  const waiting = await queue.queue.getPrioritized();
  expect(waiting.map((j) => j.id).sort()).toEqual([one, a, b].sort());
  for (const job of waiting) {
    expect(job.data).toEqual({ notificationId: job.id, flow: 'shared' });
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
  // a retry (attempts made in its cycle) queues behind every first attempt
  expect(job!.opts.priority).toBe(RETRY_PRIORITY);
});

test('first attempts get their position in their webhook’s backlog as priority', async () => {
  const [w1, w2] = [randomUUID(), randomUUID()];
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  await queue.enqueue([
    { notificationId: ids[0]!, webhookId: w1 },
    { notificationId: ids[1]!, webhookId: w1 },
    { notificationId: ids[2]!, webhookId: w2 },
  ]);
  const priorities = await Promise.all(ids.map(async (id) => (await queue.queue.getJob(id))!.opts.priority));
  expect(priorities).toEqual([1, 2, 1]);
});
