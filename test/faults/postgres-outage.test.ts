/**
 * Fault: Postgres goes away for ~3 s while deliveries flow. The worker reaches
 * Postgres through a TCP proxy this test owns; pausing it cuts every open
 * connection and refuses new ones. Infrastructure errors postpone the job
 * (moveToDelayed, capped backoff) without using an attempt of the
 * notification's schedule, so nothing expires or fails and nothing is lost;
 * an attempt made but not recorded is sent again with the same webhook-id.
 * Event jobs published through the SDK during the outage are postponed the
 * same way: they carry the only copy of their event.
 */
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { createProducer } from '@hookrelay/producer';
import { startWorkerProcess, type AppProcess } from '../support/processes.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { createWebhook, deliveredIds, deliveriesCount, lossReport, publishMany, statusCounts } from '../support/faults.js';

const EVENTS = 200;
// one retry, an hour later: a notification not delivered during the test
// would have had its attempt recorded as failed (checked below)
const RETRY_SCHEDULE = '3600';

let stack: Stack;
let receiver: Receiver;
let db: PrismaClient;
let database: IsolatedDatabase;
let proxy: TcpProxy;
let worker: AppProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver({ status: 200, delayMs: 50 });
  database = await createIsolatedDatabase();
  stack = await startStack({ DATABASE_URL: database.url, RETRY_SCHEDULE, DELIVERY_TIMEOUT_MS: '1000' }, { worker: false });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
  proxy = await startTcpProxy({ port: Number(new URL(stack.config.databaseUrl).port || 5432) });
}, 90_000);
afterAll(async () => {
  await worker?.kill();
  await proxy?.close();
  await stack?.stop();
  await receiver?.close();
  await db?.$disconnect();
  await database?.drop();
}, 60_000);

test('Postgres unreachable for 3 s mid-batch: the worker waits, recovers, delivers every notification', async () => {
  const tenant = uniqueTenant('pgdown');
  await createWebhook(stack.call, tenant, receiver.url);
  const published = await publishMany(stack.call, tenant, EVENTS, 16);

  worker = await startWorkerProcess({
    DATABASE_URL: proxy.proxied(stack.config.databaseUrl),
    QUEUE_PREFIX: stack.config.queuePrefix,
    RETRY_SCHEDULE,
    DELIVERY_TIMEOUT_MS: '1000',
    WORKER_CONCURRENCY: '10',
    RECONCILE_INTERVAL_MS: '1000',
  });

  await until(async () => deliveredIds(receiver).size >= EVENTS / 3, { timeoutMs: 60_000, intervalMs: 20 });
  proxy.pause();
  const deliveredAtCut = deliveredIds(receiver).size;
  const cutAt = Date.now();
  await new Promise((r) => setTimeout(r, 3000));
  const deliveredDuringCut = deliveredIds(receiver).size - deliveredAtCut;
  proxy.resume();
  const restoredAt = Date.now();

  await until(async () => deliveredIds(receiver).size >= EVENTS, { timeoutMs: 60_000, intervalMs: 100 }).catch((error) => {
    lossReport('postgres-outage', published, receiver, { deliveredAtCut });
    throw new Error(`${(error as Error).message}\n${worker?.tail()}`);
  });
  const recoveredAfterMs = Date.now() - restoredAt;
  const statuses = await until(
    async () => {
      const counts = await statusCounts(db, published);
      return counts.SUCCEEDED === EVENTS ? counts : null;
    },
    { timeoutMs: 30_000 },
  ).catch(async (error) => {
    throw new Error(`${(error as Error).message}: ${JSON.stringify(await statusCounts(db, published))}\n${worker?.tail()}`);
  });

  const postponed = worker.logs.filter((l) => l.msg === 'delivery postponed: infrastructure error');
  const report = lossReport('postgres-outage', published, receiver, {
    deliveredAtCut,
    deliveredDuringCut,
    outageMs: restoredAt - cutAt,
    refusedConnections: proxy.refused,
    postponedJobs: new Set(postponed.map((l) => l.notification_id)).size,
    postponedByStage: postponed.reduce<Record<string, number>>((acc, l) => {
      acc[String(l.stage)] = (acc[String(l.stage)] ?? 0) + 1;
      return acc;
    }, {}),
    recoveredAfterMs,
    statuses,
  });
  expect(report.lost).toBe(0);
  expect(report.foreign).toBe(0);
  expect(postponed.length).toBeGreaterThan(0);
  expect(worker.running).toBe(true);
  // no job failed in BullMQ, nothing expired, no attempt recorded as failed
  expect(await deliveriesCount(stack.config.redisUrl, stack.config.queuePrefix, 'failed')).toBe(0);
  expect(await db.attempt.count({ where: { notificationId: { in: published }, OR: [{ statusCode: null }, { statusCode: { not: 200 } }] } })).toBe(0);
}, 150_000);

test('events published through the SDK while Postgres is unreachable wait in Redis and are all delivered once it is back', async () => {
  expect(worker?.running).toBe(true);
  const tenant = uniqueTenant('pgdown-sdk');
  await createWebhook(stack.call, tenant, receiver.url);
  const producer = createProducer({ redisUrl: stack.config.redisUrl, queuePrefix: stack.config.queuePrefix });
  try {
    proxy.pause();
    // one by one and as batch jobs: both kinds of event job meet the outage
    const single = await Promise.all(Array.from({ length: 10 }, (_, i) => producer.publish({ tenant, type: 'CARD.CREATED', resource: { i } })));
    const batch = await producer.publishBatch(Array.from({ length: 30 }, (_, i) => ({ tenant, type: 'CARD.CREATED', resource: { b: i } })));
    const eventIds = new Set([...single, ...batch].map((e) => e.id));
    await until(async () => worker!.logs.some((l) => l.msg === 'event job postponed: infrastructure error'), { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 2000));
    proxy.resume();

    const received = await until(
      async () => {
        const got = receiver.requests.filter((r) => eventIds.has(JSON.parse(r.body).event_id));
        return new Set(got.map((r) => JSON.parse(r.body).event_id)).size === eventIds.size ? got : null;
      },
      { timeoutMs: 60_000 },
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\n${worker?.tail()}`);
    });
    expect(new Set(received.map((r) => JSON.parse(r.body).event_id))).toEqual(eventIds);
    // no event job gave up: none in the events queue's failed set
    const redis = new Redis(stack.config.redisUrl);
    try {
      expect(await redis.zcard(`${stack.config.queuePrefix}:events:failed`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  } finally {
    proxy.resume();
    await producer.close();
  }
}, 120_000);
