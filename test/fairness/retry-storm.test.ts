/**
 * Fair delivery end to end (real API, worker, Postgres, Redis, receivers):
 * a retry storm must not delay first attempts to another tenant's healthy
 * endpoint (its own stack: nothing left over from the other scenarios). Latency = arrival at the receiver - the moment
 * the test sent the event; margins are for a busy 2-core machine.
 */
import { startFairnessStack, type FairnessStack } from '../support/fairness-stack.js';
import { uniqueTenant } from '../support/env.js';
import { publishMany, statusCounts } from '../support/faults.js';
import { until } from '../support/stack.js';
import { fairSnapshot } from '@hookrelay/scheduling';

let fx: FairnessStack;
beforeAll(async () => {
  fx = await startFairnessStack();
}, 60_000);
afterAll(() => fx?.stop(), 60_000);

test('a retry storm does not delay first attempts to a healthy endpoint', async () => {
  // every attempt fails after 1 s: 300 notifications come due for their retry at about the same time
  const failing = await fx.receiver({ delayMs: 1000, status: 500 });
  const fast = await fx.receiver();
  const stormy = uniqueTenant('stormy');
  for (let i = 0; i < 3; i++) await fx.webhook(stormy, `${failing.url}/${i}`, { max_in_flight: 40 });
  const backlog = await publishMany(fx.stack.call, stormy, 100, 16);
  await until(async () => failing.arrivals.length >= 150, { timeoutMs: 30_000, intervalMs: 20 });
  const healthy = uniqueTenant('healthy');
  await fx.webhook(healthy, fast.url);
  await fx.expectHealthy(fast, await fx.publishTimed(healthy, 30));
  // the storm ends as the schedule says: 3 attempts each, then EXPIRED
  await until(async () => (await statusCounts(fx.db, backlog)).EXPIRED === backlog.length, { timeoutMs: 150_000, intervalMs: 500 }).catch(async (error) => {
    const snapshot = await fairSnapshot((await fx.stack.worker!.deliveries.queue.client) as never, fx.stack.config.queuePrefix);
    const delayed = await fx.stack.worker!.deliveries.queue.getJobCounts('delayed', 'prioritized', 'active', 'waiting', 'failed');
    console.log(
      `[fairness] storm stuck: ${JSON.stringify(await statusCounts(fx.db, backlog))} parked ${JSON.stringify(snapshot.parked)} in flight ${JSON.stringify([...snapshot.inFlight])} jobs ${JSON.stringify(delayed)}`,
    );
    throw error;
  });
  const attempts = await fx.db.attempt.count({ where: { notificationId: { in: backlog } } });
  expect(attempts).toBe(backlog.length * 3);
}, 240_000);
