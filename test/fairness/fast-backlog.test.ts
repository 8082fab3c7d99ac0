/**
 * A fast webhook's backlog at its cap (docs/scheduling.md, "Fast endpoints
 * wait in place"): while the next job the queue would hand out is that
 * webhook's own, its jobs wait in place for a lease instead of being parked
 * and fetched again, and another tenant's delivery still gets a worker slot
 * at once. Real API, worker, Postgres, Redis and receivers.
 */
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { testRedisUrl, uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { statusCounts } from '../support/faults.js';

const CAP = 2;
const BACKLOG = 300;
// fast: well under the 150 ms that makes a gate's exchanges slow, yet the backlog takes seconds at the cap
const DELAY_MS = 20;

let stack: Stack;
let busy: CountingReceiver;
let other: CountingReceiver;
let db: PrismaClient;
let database: IsolatedDatabase;
let redis: Redis;

beforeAll(async () => {
  busy = await startCountingReceiver({ delayMs: DELAY_MS });
  other = await startCountingReceiver({ delayMs: DELAY_MS });
  database = await createIsolatedDatabase('fast-backlog');
  stack = await startStack({ DATABASE_URL: database.url, WORKER_CONCURRENCY: '20' });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
  redis = new Redis(testRedisUrl());
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await busy?.close();
  await other?.close();
  await db?.$disconnect();
  await redis?.quit();
  await database?.drop();
}, 60_000);

async function webhook(tenant: string, url: string, maxInFlight?: number): Promise<string> {
  const res = await stack.call('POST', '/v1/webhooks', {
    tenant,
    url,
    enabled_events: ['CARD.*'],
    is_enabled: true,
    ...(maxInFlight ? { max_in_flight: maxInFlight } : {}),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** The job ids BullMQ's events stream saw moved back to delayed (parked, or postponed). */
async function delayedJobs(): Promise<Set<string>> {
  const entries = await redis.xrange(`${stack.config.queuePrefix}:deliveries:events`, '-', '+');
  const ids = new Set<string>();
  for (const [, fields] of entries) {
    const event = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) event.set(fields[i]!, fields[i + 1]!);
    if (event.get('event') === 'delayed') ids.add(event.get('jobId') ?? '');
  }
  return ids;
}

test('a fast webhook at its cap works through its backlog without parking, and another tenant is not held up', async () => {
  const tenant = uniqueTenant('fast-backlog');
  const otherTenant = uniqueTenant('fast-other');
  await webhook(tenant, busy.url, CAP);
  await webhook(otherTenant, other.url);

  const published: string[] = [];
  for (let start = 0; start < BACKLOG; start += 100) {
    const events = Array.from({ length: 100 }, (_, i) => ({ tenant, type: 'CARD.CREATED', resource: { i: start + i } }));
    const res = await stack.call('POST', '/v1/events:batch', { events });
    expect(res.status).toBe(200);
    for (const item of res.body.results) published.push(item.notification_ids[0] as string);
  }

  // a third of the backlog delivered: none of its jobs went back to BullMQ's delayed set to be fetched again
  // (the old way, with the worker's 20 slots fetching a webhook capped at 2: most of them, several times)
  await until(async () => busy.arrivals.length >= BACKLOG / 3, { timeoutMs: 30_000, intervalMs: 10 });
  const delayed = await delayedJobs();
  expect(published.filter((id) => delayed.has(id))).toEqual([]);

  // while the rest drains (about BACKLOG / CAP × DELAY_MS in all), another tenant publishes: it takes a slot at once
  const sentAt = new Map<string, number>();
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    const res = await stack.call('POST', '/v1/events', { tenant: otherTenant, type: 'CARD.CREATED', resource: { i } });
    expect(res.status).toBe(202);
    sentAt.set(res.body.notification_ids[0] as string, t);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await until(async () => other.arrivals.length >= 5, { timeoutMs: 20_000, intervalMs: 10 });
  const waited = other.arrivals.map((a) => a.receivedAt - sentAt.get(a.notificationId)!);
  expect(Math.max(...waited)).toBeLessThan(1000);
  // the other tenant's deliveries came while the backlog was still draining
  expect(busy.arrivals.length).toBeLessThan(BACKLOG);

  const delivered = () => new Set(busy.arrivals.map((a) => a.notificationId));
  await until(async () => published.every((id) => delivered().has(id)), { timeoutMs: 60_000, intervalMs: 50 });
  await until(async () => (await statusCounts(db, published)).SUCCEEDED === published.length, { timeoutMs: 20_000 });
  expect(busy.maxConcurrent()).toBeLessThanOrEqual(CAP);

  // publish order, give or take the jobs in flight and waiting at the time (the worker's slots)
  const order = busy.arrivals.map((a) => published.indexOf(a.notificationId));
  expect(Math.max(...order.map((p, i) => Math.abs(p - i)))).toBeLessThanOrEqual(20);
}, 120_000);
