/**
 * Per-webhook rate limits (shared through Redis), Retry-After on 429/503,
 * and 410 Gone disabling the webhook.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let receiver: Receiver;
let db: PrismaClient;

beforeAll(async () => {
  stack = await startStack({ RETRY_SCHEDULE: '1,1' });
  receiver = await startReceiver();
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
});
afterAll(async () => {
  await stack.stop();
  await receiver.close();
  await db.$disconnect();
});
beforeEach(() => receiver.respondWith({ status: 200 }));

async function createWebhook(tenant: string, extra: Record<string, unknown> = {}) {
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, ...extra });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

test('rate_limit 5: 20 notifications take ≥ 3 s and never more than 5 arrive in any 1-s window', async () => {
  const tenant = uniqueTenant();
  const webhook = await createWebhook(tenant, { rate_limit: 5 });
  const started = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } });
    ids.push(...res.body.notification_ids);
  }
  const mine = (r: { headers: Record<string, unknown> }) => ids.includes(String(r.headers['webhook-id']));
  const received = await receiver.waitFor(20, { filter: mine, timeoutMs: 30_000 });
  const times = received.map((r) => r.receivedAt).sort((a, b) => a - b);
  expect(times[times.length - 1]! - started).toBeGreaterThanOrEqual(2900);
  for (let i = 0; i + 5 < times.length; i++) {
    // the 6th slot after any slot is a second later; arrivals trail their slot by the sender's and the
    // receiver's event-loop lag (up to ~100 ms each on a busy 2-core machine): 250 ms of slack. Unthrottled,
    // six arrive within a few ms
    expect(times[i + 5]! - times[i]!).toBeGreaterThanOrEqual(750);
  }
  // throttling records no attempt and uses up no schedule entry
  // (arrival precedes recording: wait for the last writes)
  const rows = await until(async () => {
    const found = await db.notification.findMany({ where: { webhookId: webhook.id } });
    return found.length === 20 && found.every((n) => n.status === 'SUCCEEDED') ? found : null;
  });
  expect(rows.map((n) => [n.attemptCount, n.cycleAttempts])).toEqual(Array(20).fill([1, 1]));
});

test('429 with Retry-After: the next attempt waits max(schedule, Retry-After)', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant);
  const throttled = new Set<string>();
  receiver.respondWith((r) => {
    const id = String(r.headers['webhook-id']);
    if (throttled.has(id)) return { status: 200 };
    throttled.add(id);
    return { status: 429, headers: { 'retry-after': '3' }, body: 'slow down' };
  });
  const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'r' } });
  const [nid] = res.body.notification_ids;
  const [first, second] = await receiver.waitFor(2, { filter: (r) => r.headers['webhook-id'] === nid, timeoutMs: 15_000 });
  // the schedule says 1 s; the receiver asked for 3
  expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(2900);
  const n = await until(async () => {
    const got = await stack.call('GET', `/v1/notifications/${nid}`);
    return got.body.status === 'SUCCEEDED' ? got.body : null;
  });
  expect(n.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([429, 200]);
});

test('503 with a Retry-After date is honoured too', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant);
  const seen = new Set<string>();
  receiver.respondWith((r) => {
    const id = String(r.headers['webhook-id']);
    if (seen.has(id)) return { status: 200 };
    seen.add(id);
    return { status: 503, headers: { 'retry-after': new Date(Date.now() + 4000).toUTCString() } };
  });
  const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'd' } });
  const [nid] = res.body.notification_ids;
  const [first, second] = await receiver.waitFor(2, { filter: (r) => r.headers['webhook-id'] === nid, timeoutMs: 15_000 });
  // HTTP dates have 1-s resolution
  expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(2500);
});

test('410 Gone disables the webhook and cancels its pending notifications', async () => {
  const tenant = uniqueTenant();
  const webhook = await createWebhook(tenant);
  const mine = new Set<string>();
  receiver.respondWith((r) => (mine.has(String(r.headers['webhook-id'])) && mine.size === 1 ? { status: 500 } : { status: 410 }));

  const first = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'g1' } });
  const [waiting] = first.body.notification_ids;
  mine.add(waiting);
  await receiver.waitFor(1, { filter: (r) => r.headers['webhook-id'] === waiting });
  // `waiting` failed with a 500 and waits for its retry; the next one meets a 410
  const second = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.UPDATED', resource: { id: 'g2' } });
  const [gone] = second.body.notification_ids;
  mine.add(gone);

  const disabled = await until(async () => {
    const res = await stack.call('GET', `/v1/webhooks/${webhook.id}`);
    return res.body.is_enabled === false ? res.body : null;
  });
  expect(disabled.disabled_reason).toMatch(/410/);
  for (const nid of [waiting, gone]) {
    const n = await until(async () => {
      const res = await stack.call('GET', `/v1/notifications/${nid}`);
      return res.body.status === 'CANCELLED' ? res.body : null;
    });
    expect(n.status).toBe('CANCELLED');
  }
  const goneView = (await stack.call('GET', `/v1/notifications/${gone}`)).body;
  expect(goneView.attempts.at(-1)).toMatchObject({ status_code: 410 });

  // nothing more is delivered to it
  const before = receiver.requests.length;
  const third = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'g3' } });
  expect(third.body.notification_ids).toEqual([]);
  await new Promise((r) => setTimeout(r, 1500));
  expect(receiver.requests.slice(before).filter((r) => mine.has(String(r.headers['webhook-id'])))).toEqual([]);
});
