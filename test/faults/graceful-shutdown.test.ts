/**
 * SIGTERM with work in flight: the worker finishes (and records) the delivery
 * it is making, then exits 0; the API finishes the request it is serving,
 * then exits 0. Both as real child processes.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startApiProcess, startWorkerProcess, type AppProcess } from '../support/processes.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { ADMIN_KEY, startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { createWebhook, lossReport, publishMany } from '../support/faults.js';

const TIMEOUT_MS = 5000;
/** the worker's own bound (apps/worker/src/main.ts): DELIVERY_TIMEOUT_MS + 15 s */
const WORKER_EXIT_BOUND_MS = TIMEOUT_MS + 15_000;

let stack: Stack;
let receiver: Receiver;
let db: PrismaClient;
let database: IsolatedDatabase;
const processes: AppProcess[] = [];

beforeAll(async () => {
  receiver = await startReceiver({ status: 200, delayMs: 1500 });
  database = await createIsolatedDatabase();
  stack = await startStack({ DATABASE_URL: database.url, DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS), RETRY_SCHEDULE: '1,1' }, { worker: false });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
}, 90_000);
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await stack?.stop();
  await receiver?.close();
  await db?.$disconnect();
  await database?.drop();
}, 60_000);

test('worker SIGTERM during a slow delivery: the delivery completes, is recorded SUCCEEDED, exit 0', async () => {
  const tenant = uniqueTenant('term');
  await createWebhook(stack.call, tenant, receiver.url);
  const worker = await startWorkerProcess({
    DATABASE_URL: stack.config.databaseUrl,
    QUEUE_PREFIX: stack.config.queuePrefix,
    DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
    RETRY_SCHEDULE: '1,1',
    WORKER_CONCURRENCY: '5',
    RECONCILE_INTERVAL_MS: '1000',
  });
  processes.push(worker);
  const published = await publishMany(stack.call, tenant, 3, 3);
  const requests = await receiver.waitFor(3, { timeoutMs: 40_000, filter: (r) => published.includes(String(r.headers['webhook-id'])) });
  const signalledAt = Date.now();
  worker.signal('SIGTERM');
  const exit = await Promise.race([
    worker.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`worker still running ${WORKER_EXIT_BOUND_MS} ms after SIGTERM\n${worker.tail()}`)), WORKER_EXIT_BOUND_MS + 5000),
    ),
  ]);
  const exitedAfterMs = Date.now() - signalledAt;

  const rows = await db.notification.findMany({ where: { id: { in: published } }, include: { attempts: true } });
  const report = lossReport('worker-sigterm', published, receiver, {
    exitCode: exit.code,
    exitedAfterMs,
    replyDelayMs: 1500,
    statuses: rows.map((r) => r.status),
  });
  expect(exit).toEqual({ code: 0, signal: null });
  // it waited for the receiver's answers (1.5 s after the requests arrived) …
  expect(Date.now() - Math.min(...requests.map((r) => r.receivedAt))).toBeGreaterThanOrEqual(1400);
  // … and did not hang
  expect(exitedAfterMs).toBeLessThan(WORKER_EXIT_BOUND_MS);
  expect(report.lost).toBe(0);
  expect(report.repeats).toBe(0);
  for (const row of rows) {
    expect(row.status).toBe('SUCCEEDED');
    expect(row.attempts).toEqual([expect.objectContaining({ attemptNumber: 1, statusCode: 200 })]);
  }
  expect(worker.logs.some((l) => l.msg === 'worker stopped')).toBe(true);
}, 90_000);

test('API SIGTERM during a slow request: the request completes, exit 0, no new connections', async () => {
  const { app, url } = await startApiProcess({
    DATABASE_URL: stack.config.databaseUrl,
    QUEUE_PREFIX: stack.config.queuePrefix,
    ADMIN_API_KEY: ADMIN_KEY,
    DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
  });
  processes.push(app);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const webhook = await createWebhook(call, uniqueTenant('apiterm'), receiver.url);

  // a ping waits for the receiver (1.5 s): that is the in-flight request
  const before = receiver.requests.length;
  const ping = call('POST', `/v1/webhooks/${webhook.id}:ping`);
  await until(async () => receiver.requests.length > before, { timeoutMs: 30_000, intervalMs: 20 });
  const signalledAt = Date.now();
  app.signal('SIGTERM');
  await until(async () => app.logs.some((l) => l.msg === 'api stopping'), { timeoutMs: 15_000, intervalMs: 20 });

  const answered = await ping;
  const exit = await Promise.race([
    app.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`api still running 20 s after SIGTERM\n${app.tail()}`)), 20_000)),
  ]);
  const exitedAfterMs = Date.now() - signalledAt;
  console.log(
    `[faults] ${JSON.stringify({ scenario: 'api-sigterm', inFlightStatus: answered.status, inFlightSuccess: answered.body?.success, exitCode: exit.code, exitedAfterMs })}`,
  );

  expect(answered.status).toBe(200);
  expect(answered.body).toMatchObject({ success: true, status_code: 200 });
  expect(exit).toEqual({ code: 0, signal: null });
  expect(exitedAfterMs).toBeLessThan(15_000);
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
}, 90_000);
