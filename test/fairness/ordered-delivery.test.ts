/**
 * Ordered delivery with 2 worker processes and a SIGKILL in the middle:
 * per ordering key, the receiver sees attempts strictly in publish order
 * (a failed attempt holds the next one until its retry succeeds; a repeat
 * after the kill comes before the next notification), other keys and
 * key-less events stay parallel, and every notification ends SUCCEEDED.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startWorkerProcess, type AppProcess } from '../support/processes.js';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { statusCounts, wipeRedisPrefix } from '../support/faults.js';

const KEYS = ['k0', 'k1', 'k2'];
const PER_KEY = 12;
const REPLY_MS = 100;
const TIMEOUT_MS = '1000';

let stack: Stack;
let receiver: CountingReceiver;
let db: PrismaClient;
let database: IsolatedDatabase;
const workers: AppProcess[] = [];

beforeAll(async () => {
  receiver = await startCountingReceiver({ delayMs: REPLY_MS });
  database = await createIsolatedDatabase();
  stack = await startStack({ DATABASE_URL: database.url, DELIVERY_TIMEOUT_MS: TIMEOUT_MS }, { worker: false });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
}, 90_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await stack?.stop();
  await receiver?.close();
  await db?.$disconnect();
  await database?.drop();
}, 60_000);

const workerEnv = (): Record<string, string> => ({
  DATABASE_URL: stack.config.databaseUrl,
  QUEUE_PREFIX: stack.config.queuePrefix,
  DELIVERY_TIMEOUT_MS: TIMEOUT_MS,
  RETRY_SCHEDULE: '1,1,1',
  WORKER_CONCURRENCY: '20',
  RECONCILE_INTERVAL_MS: '1000',
});

test('ordering keys: strict publish order per key across 2 workers and a SIGKILL, other keys in parallel', async () => {
  const tenant = uniqueTenant('ordered');
  const hook = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, ordered: true });
  expect(hook.status).toBe(201);
  expect(hook.body.ordered).toBe(true);

  // publish order per key (interleaved keys), plus key-less events
  const index = new Map<string, { key: string | null; n: number }>();
  for (let n = 0; n < PER_KEY; n++) {
    for (const key of [...KEYS, null]) {
      const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { n, key }, ...(key ? { ordering_key: key } : {}) });
      expect(res.status).toBe(202);
      index.set(res.body.notification_ids[0], { key, n });
    }
  }
  // the 3rd notification of k1 fails once: k1's 4th must wait for its retry
  const failOnce = [...index].find(([, v]) => v.key === 'k1' && v.n === 2)![0];
  let failed = false;
  receiver.behave((a) => {
    if (a.notificationId === failOnce && !failed) {
      failed = true;
      return { status: 500, delayMs: REPLY_MS };
    }
    return { delayMs: REPLY_MS };
  });

  workers.push(await startWorkerProcess(workerEnv()), await startWorkerProcess(workerEnv()));
  await until(async () => receiver.arrivals.length >= 12, { timeoutMs: 30_000, intervalMs: 10 });
  workers[0]!.child.kill('SIGKILL');
  await workers[0]!.exited;

  const all = [...index.keys()];
  await until(async () => (await statusCounts(db, all)).SUCCEEDED === all.length, { timeoutMs: 120_000, intervalMs: 250 });
  expect(failed).toBe(true);

  const gaps: number[] = [];
  for (const key of KEYS) {
    const seen = receiver.arrivals.filter((a) => index.get(a.notificationId)?.key === key);
    const order = seen.map((a) => index.get(a.notificationId)!.n);
    // strictly in publish order: repeats (a retry, a re-send after the kill) only of the current one
    for (let i = 1; i < order.length; i++) expect(order[i]! - order[i - 1]!).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < order.length; i++) expect(order[i]! - order[i - 1]!).toBeLessThanOrEqual(1);
    expect(new Set(order).size).toBe(PER_KEY);
    for (let i = 1; i < seen.length; i++) if (order[i] !== order[i - 1]) gaps.push(seen[i]!.receivedAt - (seen[i - 1]!.receivedAt + REPLY_MS));
  }
  gaps.sort((a, b) => a - b);
  console.log(`[ordered] next-in-key gap after the previous answered: p50 ${gaps[gaps.length >> 1]} ms, max ${gaps[gaps.length - 1]} ms`);
  // the next of a key starts right after its predecessor answered (promotion, not polling)
  // (250 ms is the target; the bound leaves room for a busy 2-core machine running 2 workers, the API and the test)
  expect(gaps[gaps.length >> 1]).toBeLessThan(500);

  // keys run in parallel: all of k0..k2's first notifications were in flight together at some point
  expect(receiver.maxConcurrent()).toBeGreaterThanOrEqual(3);
  const keyless = receiver.arrivals.filter((a) => index.get(a.notificationId)?.key === null);
  expect(new Set(keyless.map((a) => a.notificationId)).size).toBe(PER_KEY);
}, 200_000);

test('ordering survives a Redis wipe: the reconciler re-enqueues, Postgres keeps the order', async () => {
  const tenant = uniqueTenant('wiped');
  const hook = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, ordered: true });
  expect(hook.status).toBe(201);
  receiver.behave(() => ({ delayMs: 300 }));
  const ids: string[] = [];
  for (let n = 0; n < 10; n++) {
    const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { n }, ordering_key: 'wiped' });
    ids.push(res.body.notification_ids[0]);
  }
  const mine = () => receiver.arrivals.filter((a) => ids.includes(a.notificationId));
  await until(async () => mine().length >= 3, { timeoutMs: 30_000, intervalMs: 10 });
  await wipeRedisPrefix(stack.config.redisUrl, stack.config.queuePrefix);
  await until(async () => (await statusCounts(db, ids)).SUCCEEDED === ids.length, { timeoutMs: 90_000, intervalMs: 250 });
  const order = mine().map((a) => ids.indexOf(a.notificationId));
  for (let i = 1; i < order.length; i++) expect([0, 1]).toContain(order[i]! - order[i - 1]!);
  expect(new Set(order).size).toBe(ids.length);
}, 120_000);
