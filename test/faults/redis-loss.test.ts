/**
 * Fault: Redis loses every key of the deployment (SCAN + DEL <prefix>:*)
 * while notifications are PENDING. Postgres is the truth: the reconciler (at
 * worker start, then every RECONCILE_INTERVAL_MS) re-enqueues them, due ones
 * at once and those whose next attempt is still ahead with the remaining delay.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startWorkerProcess, type AppProcess } from '../support/processes.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { countRedisKeys, createWebhook, deliveredIds, lossReport, publishMany, statusCounts, wipeRedisPrefix } from '../support/faults.js';

// the first retry waits 9 s: longer than the reconciler's 5 s grace, so the
// second scenario sees PENDING rows whose next attempt is still in the future
const RETRY_SCHEDULE = '9,9,9,9,9,9';

let stack: Stack;
let receiver: Receiver;
let db: PrismaClient;
let database: IsolatedDatabase;
let worker: AppProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver({ status: 200 });
  database = await createIsolatedDatabase();
  stack = await startStack({ DATABASE_URL: database.url, RETRY_SCHEDULE, DELIVERY_TIMEOUT_MS: '1000' }, { worker: false });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
}, 90_000);
afterAll(async () => {
  await worker?.kill();
  await stack?.stop();
  await receiver?.close();
  await db?.$disconnect();
  await database?.drop();
}, 60_000);

const prefix = () => stack.config.queuePrefix;
const workerEnv = () => ({
  DATABASE_URL: stack.config.databaseUrl,
  QUEUE_PREFIX: prefix(),
  RETRY_SCHEDULE,
  DELIVERY_TIMEOUT_MS: '1000',
  WORKER_CONCURRENCY: '20',
  RECONCILE_INTERVAL_MS: '1000',
});
const reconciled = (w: AppProcess) =>
  w.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('reconciler re-enqueued')).reduce((n, l) => n + Number(l.requeued ?? 0), 0);

test('jobs enqueued, then Redis wiped before any worker ran: the reconciler re-enqueues every one', async () => {
  const tenant = uniqueTenant('wipe');
  await createWebhook(stack.call, tenant, receiver.url);
  const published = await publishMany(stack.call, tenant, 100, 16);
  expect(await countRedisKeys(stack.config.redisUrl, prefix())).toBeGreaterThan(0);

  const wiped = await wipeRedisPrefix(stack.config.redisUrl, prefix());
  expect(await countRedisKeys(stack.config.redisUrl, prefix())).toBe(0);
  worker = await startWorkerProcess(workerEnv());

  // fresh rows wait out the 5 s grace, then the next pass (1 s) re-enqueues them
  await until(async () => deliveredIds(receiver).size >= published.length, { timeoutMs: 60_000, intervalMs: 100 }).catch((error) => {
    lossReport('redis-wiped-before-worker', published, receiver);
    throw new Error(`${(error as Error).message}\n${worker?.tail()}`);
  });
  const statuses = await until(async () => {
    const counts = await statusCounts(db, published);
    return counts.SUCCEEDED === published.length ? counts : null;
  });
  const report = lossReport('redis-wiped-before-worker', published, receiver, { wipedKeys: wiped, reconciled: reconciled(worker), statuses });
  expect(report.lost).toBe(0);
  expect(report.foreign).toBe(0);
  expect(reconciled(worker)).toBeGreaterThanOrEqual(published.length);
}, 120_000);

test('Redis wiped while notifications wait for a retry: re-enqueued with their remaining delay, then delivered', async () => {
  if (!worker?.running) worker = await startWorkerProcess(workerEnv());
  const before = reconciled(worker);
  receiver.respondWith({ status: 503 });
  const tenant = uniqueTenant('wipe2');
  await createWebhook(stack.call, tenant, receiver.url);
  const published = await publishMany(stack.call, tenant, 60, 16);

  // every notification failed at least once and waits for a retry (9 s after its last attempt)
  await until(
    async () => {
      const rows = await db.notification.findMany({ where: { id: { in: published } }, select: { status: true, attemptCount: true } });
      return rows.length === published.length && rows.every((r) => r.status === 'PENDING' && r.attemptCount >= 1);
    },
    { timeoutMs: 60_000 },
  );
  const wiped = await wipeRedisPrefix(stack.config.redisUrl, prefix());
  const wipedAt = Date.now();
  // attempts in flight at the wipe still record their outcome: read the schedule once they settled
  await new Promise((r) => setTimeout(r, 1500));
  const waiting = await db.notification.findMany({
    where: { id: { in: published } },
    select: { id: true, status: true, attemptCount: true, nextAttemptAt: true },
  });
  expect(waiting.every((r) => r.status === 'PENDING')).toBe(true);
  const failuresBefore = receiver.requests.length;
  receiver.respondWith({ status: 200 });

  await until(
    async () => {
      const ok = new Set(receiver.requests.slice(failuresBefore).map((r) => String(r.headers['webhook-id'])));
      return published.every((id) => ok.has(id));
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  ).catch((error) => {
    lossReport('redis-wiped-during-retry-wait', published, receiver);
    throw new Error(`${(error as Error).message}\n${worker?.tail()}`);
  });
  const statuses = await until(
    async () => {
      const counts = await statusCounts(db, published);
      return counts.SUCCEEDED === published.length ? counts : null;
    },
    { timeoutMs: 30_000 },
  );

  // each retry was made when it was due: not early (its delay survived the wipe), and, for those
  // due well after the wipe (re-enqueued ahead of time by the reconciler), not late either
  const nextAt = new Map(waiting.map((r) => [r.id, r.nextAttemptAt!.getTime()]));
  const retries = receiver.requests.slice(failuresBefore).map((r) => ({ due: nextAt.get(String(r.headers['webhook-id']))!, at: r.receivedAt }));
  const early = Math.max(...retries.map((r) => r.due - r.at));
  const lateWhenDueLater = retries.filter((r) => r.due > wipedAt + 4000).map((r) => r.at - r.due);
  const report = lossReport('redis-wiped-during-retry-wait', published, receiver, {
    wipedKeys: wiped,
    reconciled: reconciled(worker) - before,
    retryMaxEarlyMs: early,
    retryMaxLateMs: Math.max(...retries.map((r) => r.at - r.due)),
    retriesDueLaterThan4s: lateWhenDueLater.length,
    theirMaxLateMs: lateWhenDueLater.length ? Math.max(...lateWhenDueLater) : null,
    deliveredWithinMs: Math.max(...retries.map((r) => r.at)) - wipedAt,
    statuses,
  });
  expect(report.lost).toBe(0);
  expect(report.foreign).toBe(0);
  expect(early).toBeLessThan(500);
  // the old reconciler only looked at rows due 5 s ago: these would have been ≥ 5 s late
  if (lateWhenDueLater.length) expect(Math.max(...lateWhenDueLater)).toBeLessThan(4000);
  expect(reconciled(worker) - before).toBeGreaterThanOrEqual(published.length);
}, 150_000);
