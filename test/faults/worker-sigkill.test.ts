/**
 * Fault: a worker process is SIGKILLed in the middle of a batch. A new
 * worker takes over: the waiting jobs at once, the ones that were active in
 * the dead worker once their BullMQ lock lapsed. Nothing is lost; repeats
 * (an attempt made but not recorded before the kill) carry the same webhook-id.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { lockDurationFor } from '@hookrelay/worker';
import { startWorkerProcess, type AppProcess } from '../support/processes.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { createWebhook, deliveredIds, deliveriesCount, lossReport, publishMany, statusCounts } from '../support/faults.js';

const EVENTS = 300;
const TIMEOUT_MS = '1000';

let stack: Stack;
let receiver: Receiver;
let db: PrismaClient;
let database: IsolatedDatabase;
const workers: AppProcess[] = [];

beforeAll(async () => {
  receiver = await startReceiver({ status: 200, delayMs: 50 });
  database = await createIsolatedDatabase();
  stack = await startStack({ DATABASE_URL: database.url, DELIVERY_TIMEOUT_MS: TIMEOUT_MS, RETRY_SCHEDULE: '1,1,1,1' }, { worker: false });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
}, 90_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await stack?.stop();
  await receiver?.close();
  await db?.$disconnect();
  await database?.drop();
}, 60_000);

function workerEnv(): Record<string, string> {
  return {
    DATABASE_URL: stack.config.databaseUrl,
    QUEUE_PREFIX: stack.config.queuePrefix,
    DELIVERY_TIMEOUT_MS: TIMEOUT_MS,
    RETRY_SCHEDULE: '1,1,1,1',
    WORKER_CONCURRENCY: '20',
    RECONCILE_INTERVAL_MS: '1000',
    LOG_LEVEL: 'info',
  };
}

test('SIGKILL of a worker mid-batch: a new worker delivers every notification', async () => {
  const tenant = uniqueTenant('kill');
  await createWebhook(stack.call, tenant, receiver.url);

  // everything is published (and enqueued by the API) before the first worker starts
  const t0 = Date.now();
  const published = await publishMany(stack.call, tenant, EVENTS, 16);
  expect(published).toHaveLength(EVENTS);
  const publishMs = Date.now() - t0;
  const first = await startWorkerProcess(workerEnv());
  workers.push(first);

  await until(async () => deliveredIds(receiver).size >= EVENTS / 3, { timeoutMs: 60_000, intervalMs: 20 });
  const killedAt = Date.now();
  first.child.kill('SIGKILL');
  const exit = await first.exited;
  expect(exit.signal).toBe('SIGKILL');
  const deliveredAtKill = deliveredIds(receiver).size;
  // jobs the dead worker held: they stay in the active list until their lock lapses
  const activeAtKill = await deliveriesCount(stack.config.redisUrl, stack.config.queuePrefix, 'active');
  expect(deliveredAtKill).toBeLessThan(EVENTS);

  const second = await startWorkerProcess(workerEnv());
  workers.push(second);
  // the dead worker's active jobs come back once their lock lapsed (lockDurationFor + stalled checks)
  const recoveryBound = lockDurationFor(Number(TIMEOUT_MS)) * 2 + 20_000;
  await until(async () => deliveredIds(receiver).size >= EVENTS, { timeoutMs: recoveryBound, intervalMs: 100 }).catch((error) => {
    lossReport('worker-sigkill', published, receiver, { deliveredAtKill });
    throw new Error(`${(error as Error).message}\nsecond worker:\n${second.tail()}`);
  });
  const statuses = await until(
    async () => {
      const counts = await statusCounts(db, published);
      return counts.SUCCEEDED === EVENTS ? counts : null;
    },
    { timeoutMs: 30_000 },
  );

  const report = lossReport('worker-sigkill', published, receiver, {
    publishMs,
    deliveredAtKill,
    activeAtKill,
    recoveredAfterMs: Date.now() - killedAt,
    statuses,
  });
  expect(report.lost).toBe(0);
  expect(report.delivered).toBe(EVENTS);
  expect(report.foreign).toBe(0);
  expect(second.running).toBe(true);
  expect(await deliveriesCount(stack.config.redisUrl, stack.config.queuePrefix, 'failed')).toBe(0);
}, 150_000);
