/**
 * Parking at enqueue (docs/scheduling.md): first attempts published while
 * their webhook is slow and has a backlog go straight to its parked set. No
 * worker fetches them only to park them; they are promoted one by one as
 * leases are released, in publish order, within the cap. Real API, worker,
 * Postgres, Redis and a slow receiver.
 */
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { testRedisUrl, uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { statusCounts } from '../support/faults.js';

const CAP = 2;
const FIRST = 3;
const BACKLOG = 20;
// longer than SLOW_EXCHANGE_MS (the webhook is slow), and no lease is released while the backlog is published
const DELAY_MS = 1200;

let stack: Stack;
let receiver: CountingReceiver;
let db: PrismaClient;
let database: IsolatedDatabase;
let redis: Redis;

beforeAll(async () => {
  receiver = await startCountingReceiver({ delayMs: DELAY_MS });
  database = await createIsolatedDatabase('park-at-enqueue');
  stack = await startStack({ DATABASE_URL: database.url, WORKER_CONCURRENCY: '20' });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
  redis = new Redis(testRedisUrl());
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  await db?.$disconnect();
  await redis?.quit();
  await database?.drop();
}, 60_000);

const publish = async (tenant: string, i: number): Promise<string> => {
  const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } });
  expect(res.status).toBe(202);
  return res.body.notification_ids[0] as string;
};

test('jobs published to a slow webhook with a backlog are parked without being fetched, then delivered in order', async () => {
  const tenant = uniqueTenant('park-enqueue');
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, max_in_flight: CAP });
  expect(res.status).toBe(201);
  const webhookId = res.body.id as string;
  const prefix = stack.config.queuePrefix;
  const parkedKey = `${prefix}:fair:w:${webhookId}:parked`;

  const published: string[] = [];
  for (let i = 0; i < FIRST; i++) published.push(await publish(tenant, i));
  // the first exchanges ended after DELAY_MS: the webhook is slow, its third job has a lease
  await until(async () => (await redis.exists(`${prefix}:fair:w:${webhookId}:slow`)) === 1 && receiver.open() >= 1, { timeoutMs: 20_000, intervalMs: 10 });

  const later: string[] = [];
  for (let i = FIRST; i < FIRST + BACKLOG; i++) later.push(await publish(tenant, i));
  published.push(...later);

  // past twice the cap pending, every later job is in the parked set and none was fetched by a worker
  // (BullMQ counts each start in `ats`); the first few were fetched and took a lease or parked there
  const deep = later.slice(2 * CAP - (FIRST - CAP));
  const parked = new Set(await redis.zrange(parkedKey, 0, -1));
  expect(deep.filter((id) => !parked.has(id))).toEqual([]);
  const started = await Promise.all(deep.map((id) => redis.hget(`${prefix}:deliveries:${id}`, 'ats')));
  expect(started.filter((ats) => ats !== null && Number(ats) > 0)).toEqual([]);

  const delivered = () => new Set(receiver.arrivals.map((a) => a.notificationId));
  await until(async () => published.every((id) => delivered().has(id)), { timeoutMs: 60_000, intervalMs: 50 });
  expect(receiver.maxConcurrent()).toBeLessThanOrEqual(CAP);
  await until(async () => (await statusCounts(db, published)).SUCCEEDED === published.length, { timeoutMs: 20_000 });

  // publish order, give or take the cap's window
  const order = receiver.arrivals.filter((a) => published.includes(a.notificationId)).map((a) => published.indexOf(a.notificationId));
  expect(Math.max(...order.map((p, i) => Math.abs(p - i)))).toBeLessThanOrEqual(CAP);
  // promoted as leases were released, not after a fallback delay (seconds): arrivals come a delivery's time apart at most
  const times = receiver.arrivals.map((a) => a.receivedAt).sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  expect(Math.max(...gaps)).toBeLessThan(DELAY_MS + 1000);
}, 120_000);
