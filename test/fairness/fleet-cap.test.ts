/**
 * The per-webhook cap holds fleet-wide with 2 worker processes (the
 * receiver counts the requests open at once), jobs over the cap keep their
 * place in their webhook's order, and the cap survives a SIGKILL: the dead
 * worker's leases expire and every notification is delivered.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startWorkerProcess, type AppProcess } from '../support/processes.js';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { statusCounts } from '../support/faults.js';

const EVENTS = 60;
const CAP = 3;
const TIMEOUT_MS = '1000';

let stack: Stack;
let receiver: CountingReceiver;
let db: PrismaClient;
let database: IsolatedDatabase;
const workers: AppProcess[] = [];

beforeAll(async () => {
  receiver = await startCountingReceiver({ delayMs: 300 });
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
  RETRY_SCHEDULE: '1,1,1,1',
  WORKER_CONCURRENCY: '20',
  RECONCILE_INTERVAL_MS: '1000',
});

test('max_in_flight holds across 2 workers, keeps each job’s place and survives a SIGKILL', async () => {
  const tenant = uniqueTenant('cap');
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, max_in_flight: CAP });
  expect(res.status).toBe(201);
  expect(res.body.max_in_flight).toBe(CAP);
  const published: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const r = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } });
    published.push(...(r.body.notification_ids as string[]));
  }
  workers.push(await startWorkerProcess(workerEnv()), await startWorkerProcess(workerEnv()));

  await until(async () => receiver.arrivals.length >= 20, { timeoutMs: 30_000, intervalMs: 20 });
  expect(receiver.maxConcurrent()).toBeLessThanOrEqual(CAP);
  workers[0]!.child.kill('SIGKILL');
  await workers[0]!.exited;
  const killedAt = Date.now();

  const delivered = () => new Set(receiver.arrivals.map((a) => a.notificationId));
  await until(async () => delivered().size >= EVENTS, { timeoutMs: 90_000, intervalMs: 100 });
  console.log(`[fairness] all delivered ${Date.now() - killedAt} ms after the SIGKILL; max concurrent ${receiver.maxConcurrent()}`);
  expect(receiver.maxConcurrent()).toBeLessThanOrEqual(CAP);
  await until(async () => (await statusCounts(db, published)).SUCCEEDED === EVENTS, { timeoutMs: 20_000 });

  // parked jobs keep their place: before the kill, arrivals follow publish order within the cap's window
  const firstArrivals = receiver.arrivals.slice(0, 20).map((a) => published.indexOf(a.notificationId));
  const displacement = Math.max(...firstArrivals.map((p, i) => Math.abs(p - i)));
  expect(displacement).toBeLessThanOrEqual(2 * CAP);
}, 180_000);
