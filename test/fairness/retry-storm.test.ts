/**
 * Fair delivery end to end (real API, worker, Postgres, Redis, receivers):
 * a retry storm must not delay first attempts to another tenant's healthy
 * endpoint (its own stack: nothing left over from the other scenarios). Latency = arrival at the receiver - the moment
 * the test sent the event; margins are for a busy 2-core machine.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { publishMany, statusCounts } from '../support/faults.js';
import { fairSnapshot } from '@hookrelay/services';

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

test('a retry storm does not delay first attempts to a healthy endpoint', async () => {
  // every attempt fails after 1 s: 300 notifications come due for their retry at about the same time
  const failing = await receiver({ delayMs: 1000, status: 500 });
  const fast = await receiver();
  const stormy = uniqueTenant('stormy');
  for (let i = 0; i < 3; i++) await webhook(stormy, `${failing.url}/${i}`, { max_in_flight: 40 });
  const backlog = await publishMany(stack.call, stormy, 100, 16);
  await until(async () => failing.arrivals.length >= 150, { timeoutMs: 30_000, intervalMs: 20 });
  const healthy = uniqueTenant('healthy');
  await webhook(healthy, fast.url);
  await expectHealthy(fast, await publishTimed(healthy, 30));
  // the storm ends as the schedule says: 3 attempts each, then EXPIRED
  await until(async () => (await statusCounts(db, backlog)).EXPIRED === backlog.length, { timeoutMs: 150_000, intervalMs: 500 }).catch(async (error) => {
    const snapshot = await fairSnapshot((await stack.worker!.deliveries.queue.client) as never, stack.config.queuePrefix);
    const delayed = await stack.worker!.deliveries.queue.getJobCounts('delayed', 'prioritized', 'active', 'waiting', 'failed');
    console.log(`[fairness] storm stuck: ${JSON.stringify(await statusCounts(db, backlog))} parked ${JSON.stringify(snapshot.parked)} in flight ${JSON.stringify([...snapshot.inFlight])} jobs ${JSON.stringify(delayed)}`);
    throw error;
  });
  const attempts = await db.attempt.count({ where: { notificationId: { in: backlog } } });
  expect(attempts).toBe(backlog.length * 3);
}, 240_000);
