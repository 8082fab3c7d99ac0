/**
 * Retries on the schedule, timeouts, EXPIRED, sendexpired (also twice at
 * once), resend, and cancellation — with a short RETRY_SCHEDULE.
 */
import { Queue } from 'bullmq';
import { QUEUES } from '@hookrelay/core';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let receiver: Receiver;
let queue: Queue;

beforeAll(async () => {
  stack = await startStack({ RETRY_SCHEDULE: '1,2', DELIVERY_TIMEOUT_MS: '500' });
  receiver = await startReceiver();
  queue = new Queue(QUEUES.deliveries, { connection: { url: stack.config.redisUrl }, prefix: stack.config.queuePrefix });
});
afterAll(async () => {
  await queue.close();
  await stack.stop();
  await receiver.close();
});

async function publishTo(tenant: string) {
  const webhook = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
  const event = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 1 } });
  return { webhookId: webhook.body.id as string, notificationId: event.body.notification_ids[0] as string };
}

const notification = async (id: string) => (await stack.call('GET', `/v1/notifications/${id}`)).body;
const forId = (id: string) => (r: { headers: Record<string, unknown> }) => r.headers['webhook-id'] === id;

test('failed attempts are retried after the schedule delays, then delivered', async () => {
  const tenant = uniqueTenant();
  receiver.respondWith((req) => ({ status: receiver.requests.filter((r) => r.headers['webhook-id'] === req.headers['webhook-id']).length < 2 ? 500 : 200 }));
  const { notificationId } = await publishTo(tenant);
  // while PENDING, each failed attempt's record names its next attempt: the schedule entry after it
  const scheduled: number[] = [];
  for (const count of [1, 2]) {
    const pending = await until(
      async () => {
        const current = await notification(notificationId);
        return current.attempts.length === count && current.next_attempt_at ? current : null;
      },
      { timeoutMs: 20000, intervalMs: 50 },
    );
    const last = pending.attempts[count - 1];
    const gap = Date.parse(pending.next_attempt_at) - Date.parse(last.attempted_at);
    // RETRY_SCHEDULE=1,2: 1 s after the first failure, 2 s after the second (counted from the response)
    expect(gap).toBeGreaterThanOrEqual(count * 1000);
    expect(gap).toBeLessThanOrEqual(count * 1000 + last.duration_ms + 250);
    scheduled.push(Date.parse(pending.next_attempt_at));
  }
  const requests = await receiver.waitFor(3, { filter: forId(notificationId), timeoutMs: 20000 });
  expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([notificationId]));

  const n = await until(async () => {
    const current = await notification(notificationId);
    return current.status === 'SUCCEEDED' ? current : null;
  });
  // no attempt started before the time its predecessor recorded for it
  expect(Date.parse(n.attempts[1].attempted_at)).toBeGreaterThanOrEqual(scheduled[0]);
  expect(Date.parse(n.attempts[2].attempted_at)).toBeGreaterThanOrEqual(scheduled[1]);
  expect(n.next_attempt_at).toBeNull();
  expect(n.attempt_count).toBe(3);
  expect(n.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 200]);
  expect(n.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['schedule', 'schedule', 'schedule']);
  expect(n.attempts[0].response_body).toBe('ok');
});

test('a receiver slower than DELIVERY_TIMEOUT_MS is a failed attempt without status code', async () => {
  const tenant = uniqueTenant();
  receiver.respondWith({ status: 200, delayMs: 1500 });
  const { notificationId } = await publishTo(tenant);
  const n = await until(async () => {
    const current = await notification(notificationId);
    return current.attempts.length >= 1 ? current : null;
  });
  expect(n.attempts[0]).toMatchObject({ status_code: null, error: expect.stringMatching(/timeout/i) });
  expect(n.attempts[0].duration_ms).toBeGreaterThanOrEqual(450);
  expect(n.attempts[0].duration_ms).toBeLessThan(1400);
  receiver.respondWith({ status: 200 });
});

test('after the last attempt the notification is EXPIRED and its job is in the failed set; sendexpired brings it back once', async () => {
  const tenant = uniqueTenant();
  receiver.respondWith({ status: 503, body: 'unavailable' });
  const { notificationId, webhookId } = await publishTo(tenant);
  const expired = await until(
    async () => {
      const current = await notification(notificationId);
      return current.status === 'EXPIRED' ? current : null;
    },
    { timeoutMs: 20000 },
  );
  expect(expired.attempt_count).toBe(3);
  expect(expired.expired_at).toEqual(expect.any(String));
  expect(expired.next_attempt_at).toBeNull();
  expect(await (await queue.getJob(notificationId))?.getState()).toBe('failed');

  receiver.respondWith({ status: 200 });
  const [a, b] = await Promise.all([
    stack.call('POST', '/v1/webhooks:sendexpired', { tenant, webhook_id: webhookId }),
    stack.call('POST', '/v1/webhooks/sendexpired', { tenant, webhook_id: webhookId }),
  ]);
  expect([a.status, b.status]).toEqual([202, 202]);
  expect(a.body.requeued + b.body.requeued).toBe(1);

  const delivered = await until(async () => {
    const current = await notification(notificationId);
    return current.status === 'SUCCEEDED' ? current : null;
  });
  expect(delivered.attempt_count).toBe(4);
  expect(delivered.attempts[3]).toMatchObject({ attempt_number: 4, status_code: 200, trigger: 'sendexpired' });
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.requests.filter(forId(notificationId))).toHaveLength(4);

  const again = await stack.call('POST', '/v1/webhooks:sendexpired', { tenant });
  expect(again.body).toEqual({ requeued: 0 });
});

test('resend makes one attempt now; a PENDING notification cannot be resent', async () => {
  const tenant = uniqueTenant();
  receiver.respondWith({ status: 200 });
  const { notificationId } = await publishTo(tenant);
  await until(async () => (await notification(notificationId)).status === 'SUCCEEDED');
  const resent = await stack.call('POST', `/v1/notifications/${notificationId}:resend`);
  expect(resent.status).toBe(200);
  expect(resent.body.attempts).toHaveLength(2);
  expect(resent.body.attempts[1]).toMatchObject({ attempt_number: 2, trigger: 'resend', status_code: 200 });
  expect(receiver.requests.filter(forId(notificationId))).toHaveLength(2);

  receiver.respondWith({ status: 500 });
  const pending = await publishTo(tenant);
  await until(async () => (await notification(pending.notificationId)).attempts.length >= 1);
  const refused = await stack.call('POST', `/v1/notifications/${pending.notificationId}:resend`);
  expect(refused.status).toBe(409);
  receiver.respondWith({ status: 200 });
});

test('deleting or disabling a webhook cancels its pending notifications', async () => {
  const tenant = uniqueTenant();
  receiver.respondWith({ status: 500 });
  const first = await publishTo(tenant);
  await until(async () => (await notification(first.notificationId)).attempts.length >= 1);
  expect((await stack.call('DELETE', `/v1/webhooks/${first.webhookId}`)).status).toBe(204);
  expect((await notification(first.notificationId)).status).toBe('CANCELLED');

  const second = await publishTo(tenant);
  await until(async () => (await notification(second.notificationId)).attempts.length >= 1);
  expect((await stack.call('PATCH', `/v1/webhooks/${second.webhookId}`, { is_enabled: false })).status).toBe(200);
  expect((await notification(second.notificationId)).status).toBe('CANCELLED');
  const seen = receiver.requests.filter(forId(second.notificationId)).length;
  await new Promise((r) => setTimeout(r, 2500));
  expect(receiver.requests.filter(forId(second.notificationId))).toHaveLength(seen);
  receiver.respondWith({ status: 200 });
});

test('search filters by status and webhook and pages with next_page_token', async () => {
  const tenant = uniqueTenant();
  receiver.respondWith({ status: 200 });
  const webhook = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } })).body.notification_ids[0]);
  await until(async () => (await stack.call('POST', '/v1/webhooks:search', { tenant, status: 'SUCCEEDED', limit: 100 })).body.notifications.length === 5);

  const seen: string[] = [];
  let token: string | null = null;
  do {
    const page: { status: number; body: any } = await stack.call('POST', '/v1/webhooks:search', {
      tenant,
      webhook_id: webhook.body.id,
      limit: 2,
      ...(token ? { page_token: token } : {}),
    });
    expect(page.status).toBe(200);
    expect(page.body.notifications.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.notifications.map((n: { id: string }) => n.id));
    token = page.body.next_page_token;
  } while (token);
  expect(seen.sort()).toEqual([...ids].sort());
  expect((await stack.call('POST', '/v1/webhooks:search', { tenant, status: 'EXPIRED' })).body.notifications).toEqual([]);
  expect((await stack.call('POST', '/v1/webhooks:search', { tenant, status: 'NOPE' })).status).toBe(400);
  expect((await stack.call('POST', '/v1/webhooks:search', { tenant, limit: 0 })).status).toBe(400);
  expect((await stack.call('POST', '/v1/webhooks:search', { tenant, page_token: 'garbage' })).status).toBe(400);
});
