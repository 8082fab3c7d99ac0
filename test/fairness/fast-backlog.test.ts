/**
 * A fast webhook's backlog at its cap (docs/scheduling.md, "Fast endpoints
 * wait in place"): while the next job the queue would hand out is that
 * webhook's own, its jobs wait in place for a lease instead of being parked
 * and fetched again, and another tenant's deliveries still get a worker slot
 * at once. Real API, worker, Postgres, Redis and receivers.
 */
import { until } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { startFairnessStack, type FairnessStack } from '../support/fairness-stack.js';

const CAP = 2;
const BACKLOG = 300;
// fast: well under the 150 ms that makes a gate's exchanges slow, yet the backlog takes seconds at the cap
const DELAY_MS = 20;

let fairness: FairnessStack;

beforeAll(async () => {
  fairness = await startFairnessStack();
}, 90_000);
afterAll(async () => {
  await fairness?.stop();
}, 60_000);

test('a fast webhook at its cap works through its backlog without parking, and another tenant is not held up', async () => {
  const busy = await fairness.receiver({ delayMs: DELAY_MS });
  const other = await fairness.receiver({ delayMs: DELAY_MS });
  const tenant = uniqueTenant('fast-backlog');
  const otherTenant = uniqueTenant('fast-other');
  await fairness.webhook(tenant, busy.url, { max_in_flight: CAP });
  await fairness.webhook(otherTenant, other.url);

  const published = await fairness.publishBacklog(tenant, BACKLOG);

  // a third of the backlog delivered: none of its jobs went back to BullMQ's delayed set to be fetched again
  // (the old way, with the worker's 50 slots fetching a webhook capped at 2: nearly all of them)
  await until(async () => busy.arrivals.length >= BACKLOG / 3, { timeoutMs: 30_000, intervalMs: 10 });
  const delayed = await fairness.delayedJobs();
  expect(published.filter((id) => delayed.has(id))).toEqual([]);

  // while the rest drains (about BACKLOG / CAP × DELAY_MS in all), another tenant publishes: it takes a slot at once
  const sent = await fairness.publishTimed(otherTenant, 5);
  await fairness.expectHealthy(other, sent);
  expect(busy.arrivals.length).toBeLessThan(BACKLOG);

  await fairness.expectAllDelivered(busy, published);
  expect(busy.maxConcurrent()).toBeLessThanOrEqual(CAP);
  // publish order, give or take the jobs in flight and waiting at the time (the worker's slots)
  const order = busy.arrivals.map((a) => published.indexOf(a.notificationId));
  expect(Math.max(...order.map((p, i) => Math.abs(p - i)))).toBeLessThanOrEqual(50);
}, 120_000);
