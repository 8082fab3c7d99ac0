/**
 * Fair delivery end to end (real API, worker, Postgres, Redis, receivers):
 * a slow endpoint with a backlog, a tenant whose hanging webhooks together
 * exceed WORKER_CONCURRENCY, several tenants with one hanging webhook each,
 * and a retry storm (retry-storm.test.ts) must not delay another
 * tenant's healthy endpoint. Latency = arrival at the receiver - the moment
 * the test sent the event; margins are for a busy 2-core machine.
 */
import { startFairnessStack, type FairnessStack } from '../support/fairness-stack.js';
import { uniqueTenant } from '../support/env.js';
import { publishMany, statusCounts } from '../support/faults.js';
import { until } from '../support/stack.js';

let fx: FairnessStack;
beforeAll(async () => {
  fx = await startFairnessStack();
}, 60_000);
afterAll(() => fx?.stop(), 60_000);

test('a slow endpoint with a backlog: another tenant is not delayed, the slow one stays at its cap', async () => {
  const slow = await fx.receiver({ delayMs: 2000 });
  const fast = await fx.receiver();
  const slowTenant = uniqueTenant('slow');
  const slowHook = await fx.webhook(slowTenant, slow.url);
  const healthy = uniqueTenant('healthy');
  await fx.webhook(healthy, fast.url);

  const backlog = await publishMany(fx.stack.call, slowTenant, 120, 16);
  await until(async () => slow.arrivals.length >= 10, { timeoutMs: 10_000, intervalMs: 20 });
  await fx.expectHealthy(fast, await fx.publishTimed(healthy, 20));

  // the slow webhook's backlog drains at its cap (10 at a time, 2 s each), nothing lost
  await until(async () => (await statusCounts(fx.db, backlog)).SUCCEEDED === backlog.length, { timeoutMs: 60_000, intervalMs: 250 });
  expect(slow.maxConcurrent()).toBeLessThanOrEqual(10);
  expect(slow.maxConcurrent()).toBeGreaterThanOrEqual(8);
  expect(new Set(slow.arrivals.map((a) => a.notificationId)).size).toBe(backlog.length);
  const view = await fx.stack.call('GET', `/v1/webhooks/${slowHook}`);
  expect(view.body.max_in_flight).toBeNull();
}, 120_000);

test('one tenant’s hanging webhooks together exceed WORKER_CONCURRENCY: another tenant is not delayed', async () => {
  const hanging = await fx.receiver({ hang: true });
  const fast = await fx.receiver();
  const noisy = uniqueTenant('noisy');
  const hooks: string[] = [];
  // 8 webhooks x cap 10 = 80 deliveries that would hang for 3 s each, with 50 worker slots
  for (let i = 0; i < 8; i++) hooks.push(await fx.webhook(noisy, `${hanging.url}/${i}`));
  const backlog = await publishMany(fx.stack.call, noisy, 60, 16);
  expect(backlog).toHaveLength(480);
  await until(async () => hanging.arrivals.length >= 30, { timeoutMs: 10_000, intervalMs: 20 });

  // operators see it: leases per webhook (bounded series), parked jobs, first vs retry depth, the dashboard's at-cap field
  const text = (await fx.stack.worker!.metrics.render()).body;
  const value = (prefix: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(prefix))
      .map((l) => Number(l.split(' ').pop()));
  expect(value('hookrelay_webhook_in_flight{').length).toBeLessThanOrEqual(11);
  expect(value('hookrelay_in_flight_total')[0]).toBeGreaterThan(0);
  expect(value('hookrelay_in_flight_total')[0]).toBeLessThanOrEqual(40);
  expect(value('hookrelay_deferred_jobs{').reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(value('hookrelay_delivery_queue_depth{attempt="first"}')).toHaveLength(1);
  expect(value('hookrelay_delivery_queue_depth{attempt="retry"}')).toHaveLength(1);
  const stats = await fx.stack.call('GET', `/v1/stats?tenant=${noisy}`);
  expect(stats.body.endpoint_max_in_flight).toBe(10);
  const inFlight = (stats.body.webhooks as { in_flight: number }[]).map((w) => w.in_flight);
  expect(inFlight.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(Math.max(...inFlight)).toBeLessThanOrEqual(10);

  const healthy = uniqueTenant('healthy');
  await fx.webhook(healthy, fast.url);
  await fx.expectHealthy(fast, await fx.publishTimed(healthy, 20));
  // the noisy tenant never held more than its share of the fleet (0.8 x 50 slots)
  expect(hanging.maxConcurrent()).toBeLessThanOrEqual(40);

  // deleting the noisy webhooks cancels what is left: every notification ends CANCELLED or EXPIRED, none PENDING
  for (const id of hooks) expect((await fx.stack.call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
  const counts = await statusCounts(fx.db, backlog);
  expect(counts.PENDING ?? 0).toBe(0);
  expect((counts.CANCELLED ?? 0) + (counts.EXPIRED ?? 0)).toBe(backlog.length);
}, 120_000);

test('several tenants’ hanging webhooks, each tenant within its share, hold at most half the fleet together', async () => {
  const hanging = await fx.receiver({ hang: true });
  const fast = await fx.receiver();
  // 5 tenants x 1 webhook x cap 10 = every one of the 50 slots, each tenant far below its 40;
  // 300 first attempts = 6 rounds of 3 s timeouts before any retry (retries have a gate of their own)
  const backlogs: Set<string>[] = [];
  for (let i = 0; i < 5; i++) {
    const tenant = uniqueTenant(`hang${i}`);
    await fx.webhook(tenant, `${hanging.url}/${i}`);
    backlogs.push(new Set(await publishMany(fx.stack.call, tenant, 60, 8)));
  }
  // the first exchanges of a new webhook are not known to be slow yet (up to its cap of 10); once one has
  // lasted 1 s (or timed out), the webhook is slow and its next exchanges share the slow gate: half of the
  // 50 slots. A webhook's 11th request starts after one of its first 10 ended (3 s): it is known slow by then
  const known = () => backlogs.every((ids) => hanging.arrivals.filter((a) => ids.has(a.notificationId)).length > 10);
  await until(async () => known() && hanging.open() <= 25, { timeoutMs: 30_000, intervalMs: 20 });
  // ... from the second round of first attempts on, not only once the retries come (without the slow gate: 50 open until then)
  expect(hanging.arrivals.length).toBeLessThan(200);
  hanging.resetMax();
  const healthy = uniqueTenant('healthy');
  await fx.webhook(healthy, fast.url);
  await fx.expectHealthy(fast, await fx.publishTimed(healthy, 20));
  // a whole round of 3 s exchanges later, still at most the slow share
  const seen = hanging.arrivals.length;
  await until(async () => hanging.arrivals.length >= seen + 25, { timeoutMs: 20_000, intervalMs: 50 });
  expect(hanging.maxConcurrent()).toBeLessThanOrEqual(25);
  const text = (await fx.stack.worker!.metrics.render()).body;
  expect(text).toMatch(/^hookrelay_deferred_jobs\{gate="slow"\} [1-9]/m);
}, 120_000);
