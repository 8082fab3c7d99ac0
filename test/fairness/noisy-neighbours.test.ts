/**
 * Fair delivery end to end (real API, worker, Postgres, Redis, receivers):
 * a slow endpoint with a backlog, a tenant whose hanging webhooks together
 * exceed WORKER_CONCURRENCY, and a retry storm must not delay another
 * tenant's healthy endpoint. Latency = arrival at the receiver - the moment
 * the test sent the event; margins are for a busy 2-core machine.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { publishMany, statusCounts } from '../support/faults.js';

/** The target is 1 s with separate processes; here the API, the worker, the receivers and the test share one event loop on a busy 2-core machine (without fair delivery: tens of seconds). */
const HEALTHY_BOUND_MS = 3000;

let stack: Stack;
let db: PrismaClient;
const receivers: CountingReceiver[] = [];

beforeAll(async () => {
  stack = await startStack({ WORKER_CONCURRENCY: '50', DELIVERY_TIMEOUT_MS: '3000', RETRY_SCHEDULE: '1,1' });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await db?.$disconnect();
}, 60_000);

async function receiver(behaviour: { delayMs?: number; status?: number; hang?: boolean } = {}): Promise<CountingReceiver> {
  const r = await startCountingReceiver(behaviour);
  receivers.push(r);
  return r;
}

async function webhook(tenant: string, url: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url, enabled_events: ['CARD.*'], is_enabled: true, ...extra });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** Publishes `count` events to `tenant` one after the other, `gapMs` apart; returns notification id -> send time, in order. */
async function publishTimed(tenant: string, count: number, gapMs = 50): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const at = Date.now();
    const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } });
    expect(res.status).toBe(202);
    for (const id of res.body.notification_ids as string[]) sent.set(id, at);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return sent;
}

/** The healthy tenant: every delivery arrives within the bound (an unordered webhook: two events 50 ms apart may swap). */
async function expectHealthy(fast: CountingReceiver, sent: Map<string, number>): Promise<number[]> {
  await until(async () => [...sent.keys()].every((id) => fast.arrivals.some((a) => a.notificationId === id)), { timeoutMs: 30_000, intervalMs: 50 });
  const latencies = [...sent].map(([id, at]) => fast.arrivals.find((a) => a.notificationId === id)!.receivedAt - at);
  console.log(`[fairness] healthy latencies ms: p50 ${[...latencies].sort((a, b) => a - b)[latencies.length >> 1]} max ${Math.max(...latencies)}`);
  expect(Math.max(...latencies)).toBeLessThan(HEALTHY_BOUND_MS);
  expect(fast.arrivals.filter((a) => sent.has(a.notificationId))).toHaveLength(sent.size);
  // the last attempt's record may still be committing
  await until(async () => (await statusCounts(db, [...sent.keys()])).SUCCEEDED === sent.size, { timeoutMs: 10_000 });
  return latencies;
}

test('a slow endpoint with a backlog: another tenant is not delayed, the slow one stays at its cap', async () => {
  const slow = await receiver({ delayMs: 2000 });
  const fast = await receiver();
  const slowTenant = uniqueTenant('slow');
  const slowHook = await webhook(slowTenant, slow.url);
  const healthy = uniqueTenant('healthy');
  await webhook(healthy, fast.url);

  const backlog = await publishMany(stack.call, slowTenant, 120, 16);
  await until(async () => slow.arrivals.length >= 10, { timeoutMs: 10_000, intervalMs: 20 });
  await expectHealthy(fast, await publishTimed(healthy, 20));

  // the slow webhook's backlog drains at its cap (10 at a time, 2 s each), nothing lost
  await until(async () => (await statusCounts(db, backlog)).SUCCEEDED === backlog.length, { timeoutMs: 60_000, intervalMs: 250 });
  expect(slow.maxConcurrent()).toBeLessThanOrEqual(10);
  expect(slow.maxConcurrent()).toBeGreaterThanOrEqual(8);
  expect(new Set(slow.arrivals.map((a) => a.notificationId)).size).toBe(backlog.length);
  const view = await stack.call('GET', `/v1/webhooks/${slowHook}`);
  expect(view.body.max_in_flight).toBeNull();
}, 120_000);

test('one tenant’s hanging webhooks together exceed WORKER_CONCURRENCY: another tenant is not delayed', async () => {
  const hanging = await receiver({ hang: true });
  const fast = await receiver();
  const noisy = uniqueTenant('noisy');
  const hooks: string[] = [];
  // 8 webhooks x cap 10 = 80 deliveries that would hang for 3 s each, with 50 worker slots
  for (let i = 0; i < 8; i++) hooks.push(await webhook(noisy, `${hanging.url}/${i}`));
  const backlog = await publishMany(stack.call, noisy, 60, 16);
  expect(backlog).toHaveLength(480);
  await until(async () => hanging.arrivals.length >= 30, { timeoutMs: 10_000, intervalMs: 20 });

  // operators see it: leases per webhook (bounded series), parked jobs, first vs retry depth, the dashboard's at-cap field
  const text = (await stack.worker!.metrics.render()).body;
  const value = (prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix)).map((l) => Number(l.split(' ').pop()));
  expect(value('hookrelay_webhook_in_flight{').length).toBeLessThanOrEqual(11);
  expect(value('hookrelay_in_flight_total')[0]).toBeGreaterThan(0);
  expect(value('hookrelay_in_flight_total')[0]).toBeLessThanOrEqual(40);
  expect(value('hookrelay_deferred_jobs{').reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(value('hookrelay_delivery_queue_depth{attempt="first"}')).toHaveLength(1);
  expect(value('hookrelay_delivery_queue_depth{attempt="retry"}')).toHaveLength(1);
  const stats = await stack.call('GET', `/v1/stats?tenant=${noisy}`);
  expect(stats.body.endpoint_max_in_flight).toBe(10);
  const inFlight = (stats.body.webhooks as { in_flight: number }[]).map((w) => w.in_flight);
  expect(inFlight.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(Math.max(...inFlight)).toBeLessThanOrEqual(10);

  const healthy = uniqueTenant('healthy');
  await webhook(healthy, fast.url);
  await expectHealthy(fast, await publishTimed(healthy, 20));
  // the noisy tenant never held more than its share of the fleet (0.8 x 50 slots)
  expect(hanging.maxConcurrent()).toBeLessThanOrEqual(40);

  // deleting the noisy webhooks cancels what is left: every notification ends CANCELLED or EXPIRED, none PENDING
  for (const id of hooks) expect((await stack.call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
  const counts = await statusCounts(db, backlog);
  expect(counts.PENDING ?? 0).toBe(0);
  expect((counts.CANCELLED ?? 0) + (counts.EXPIRED ?? 0)).toBe(backlog.length);
}, 120_000);
