/**
 * A tenant at its share of the worker slots (docs/scheduling.md, "Fast
 * endpoints wait in place"): while its exchanges are fast, the jobs it
 * fetched beyond its share wait in place for its next free lease instead of
 * being parked, promoted and fetched again, and another tenant's deliveries
 * still get a worker slot at once. Real API, worker, Postgres, Redis and
 * receivers.
 */
import { until } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { startFairnessStack, type FairnessStack } from '../support/fairness-stack.js';

// a small worker, so that its exchanges stay fast (well under 150 ms) in the test's one event loop:
// the tenant's share is 0.8 of its 10 slots, while its 4 webhooks at the default cap of 10 could take 40 leases
const SLOTS = 10;
const SHARE = 8;
const WEBHOOKS = 4;
const EVENTS = 250;
const DELAY_MS = 20;

let fairness: FairnessStack;

beforeAll(async () => {
  fairness = await startFairnessStack({ concurrency: SLOTS });
}, 90_000);
afterAll(async () => {
  await fairness?.stop();
}, 60_000);

test('a tenant at its share of the slots with fast webhooks works through its backlog without parking', async () => {
  const busy = await fairness.receiver({ delayMs: DELAY_MS });
  const other = await fairness.receiver({ delayMs: DELAY_MS });
  const tenant = uniqueTenant('share-backlog');
  const otherTenant = uniqueTenant('share-other');
  for (let i = 0; i < WEBHOOKS; i++) await fairness.webhook(tenant, busy.url);
  await fairness.webhook(otherTenant, other.url);

  const published = await fairness.publishBacklog(tenant, EVENTS);
  expect(published).toHaveLength(EVENTS * WEBHOOKS);
  await until(async () => busy.arrivals.length >= published.length / 4, { timeoutMs: 30_000, intervalMs: 10 });
  // while the rest drains, another tenant publishes: it takes a slot at once
  const sent = await fairness.publishTimed(otherTenant, 5);
  await fairness.expectHealthy(other, sent);
  expect(busy.arrivals.length).toBeLessThan(published.length);

  await fairness.expectAllDelivered(busy, published);
  // the slots beyond the share waited in place for the tenant's next free lease: its jobs did not go back to
  // BullMQ's delayed set (the old way: ~80 % of them were refused, parked, promoted and fetched again). Some may
  // when the machine is so busy that exchanges look slow (the gate's oldest lease older than 150 ms): none to a
  // few here alone, 51 in one run of the whole suite
  const delayed = await fairness.delayedJobs();
  expect(published.filter((id) => delayed.has(id)).length).toBeLessThan(published.length / 4);
  expect(busy.maxConcurrent()).toBeLessThanOrEqual(SHARE);
  expect(busy.maxConcurrent()).toBe(SHARE);
}, 120_000);
