/**
 * Ping and resend are attempts like the scheduled ones (one attempt path,
 * packages/delivery/src/delivery-attempt.ts): sent at once by the API, they
 * feed webhook health (failure streak, auto-disable, 410 Gone) and count in
 * the API's delivery metrics under their trigger. No worker runs here, so
 * whatever changes is the API's doing.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let receiver: Receiver;
let db: PrismaClient;

beforeAll(async () => {
  stack = await startStack({ AUTO_DISABLE_AFTER_SECONDS: '1' }, { worker: false });
  receiver = await startReceiver();
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
});
afterAll(async () => {
  await stack.stop();
  await receiver.close();
  await db.$disconnect();
});
beforeEach(() => receiver.respondWith({ status: 200 }));

async function createWebhook(tenant: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, ...extra });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** A notification of `webhook` that has ended (EXPIRED), so that it can be resent; with no worker it was never attempted. */
async function expiredNotification(tenant: string): Promise<string> {
  const published = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'c' } });
  const [id] = published.body.notification_ids as string[];
  await db.notification.update({ where: { id }, data: { status: 'EXPIRED', expiredAt: new Date(), nextAttemptAt: null } });
  return id!;
}

const ping = async (webhookId: string) => (await stack.call('POST', `/v1/webhooks/${webhookId}:ping`)).body;
const failingSince = async (webhookId: string) => (await db.webhook.findUniqueOrThrow({ where: { id: webhookId } })).failingSince;
const disabledEvents = (tenant: string) => db.event.count({ where: { tenantId: tenant, type: 'WEBHOOK.DISABLED' } });

function sample(text: string, name: string, labels: Record<string, string>): number {
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}
const apiMetrics = async () => (await fetch(`${stack.api.url}/metrics`)).text();

test('a failing ping starts the failure streak, a good one ends it, and one failing past AUTO_DISABLE_AFTER_SECONDS disables the webhook', async () => {
  const tenant = uniqueTenant('ping');
  const webhook = await createWebhook(tenant);

  receiver.respondWith({ status: 500 });
  expect(await ping(webhook)).toMatchObject({ success: false, status_code: 500 });
  expect(await failingSince(webhook)).toBeInstanceOf(Date);

  receiver.respondWith({ status: 200 });
  expect(await ping(webhook)).toMatchObject({ success: true });
  expect(await failingSince(webhook)).toBeNull();

  receiver.respondWith({ status: 500 });
  await ping(webhook);
  const since = await failingSince(webhook);
  await new Promise((r) => setTimeout(r, 1100));
  await ping(webhook);
  const row = await db.webhook.findUniqueOrThrow({ where: { id: webhook } });
  expect(row.isEnabled).toBe(false);
  expect(row.disabledReason).toContain(`every delivery failed since ${since!.toISOString()}`);
  expect(await disabledEvents(tenant)).toBe(1);
});

test('a 410 Gone answering a ping disables the webhook, as it would a scheduled attempt', async () => {
  const tenant = uniqueTenant('gone');
  const webhook = await createWebhook(tenant);
  receiver.respondWith({ status: 410 });
  expect(await ping(webhook)).toMatchObject({ success: false, status_code: 410 });
  const shown = (await stack.call('GET', `/v1/webhooks/${webhook}`)).body;
  expect(shown).toMatchObject({ is_enabled: false, disabled_reason: expect.stringContaining('410 Gone') });
  expect(await disabledEvents(tenant)).toBe(1);
});

test('a 410 Gone answering a resend disables the webhook and cancels its pending notifications; the resent one keeps its status', async () => {
  const tenant = uniqueTenant('gone');
  const webhook = await createWebhook(tenant);
  const resent = await expiredNotification(tenant);
  const waiting = (await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'w' } })).body.notification_ids[0];

  receiver.respondWith({ status: 410 });
  const answer = await stack.call('POST', `/v1/notifications/${resent}:resend`);
  expect(answer.status).toBe(200);
  // a resend that fails moves nothing (state machine: resend only enters SUCCEEDED); its attempt is recorded
  expect(answer.body).toMatchObject({ status: 'EXPIRED', attempt_count: 1, last_status_code: 410 });
  expect(answer.body.attempts).toEqual([expect.objectContaining({ attempt_number: 1, status_code: 410, trigger: 'resend' })]);

  const shown = (await stack.call('GET', `/v1/webhooks/${webhook}`)).body;
  expect(shown).toMatchObject({ is_enabled: false, disabled_reason: expect.stringContaining('410 Gone') });
  expect((await stack.call('GET', `/v1/notifications/${waiting}`)).body.status).toBe('CANCELLED');
  expect(await disabledEvents(tenant)).toBe(1);
});

test('a resend that fails starts the streak and one that succeeds ends it', async () => {
  const tenant = uniqueTenant('streak');
  const webhook = await createWebhook(tenant);
  const id = await expiredNotification(tenant);
  receiver.respondWith({ status: 503 });
  await stack.call('POST', `/v1/notifications/${id}:resend`);
  expect(await failingSince(webhook)).toBeInstanceOf(Date);
  receiver.respondWith({ status: 200 });
  expect((await stack.call('POST', `/v1/notifications/${id}:resend`)).body.status).toBe('SUCCEEDED');
  expect(await failingSince(webhook)).toBeNull();
});

test('a disabled webhook can still be pinged; its health is left alone (there is no streak to track)', async () => {
  const tenant = uniqueTenant('off');
  const webhook = await createWebhook(tenant, { is_enabled: false });
  receiver.respondWith({ status: 410 });
  expect(await ping(webhook)).toMatchObject({ success: false, status_code: 410 });
  const row = await db.webhook.findUniqueOrThrow({ where: { id: webhook } });
  expect(row).toMatchObject({ failingSince: null, disabledReason: null });
  expect(await disabledEvents(tenant)).toBe(0);
});

test("ping and resend count in the API's delivery metrics, by trigger", async () => {
  const tenant = uniqueTenant('metrics');
  const webhook = await createWebhook(tenant);
  const id = await expiredNotification(tenant);
  const before = await apiMetrics();

  await ping(webhook);
  receiver.respondWith({ status: 500 });
  await ping(webhook);
  receiver.respondWith({ status: 200 });
  expect((await stack.call('POST', `/v1/notifications/${id}:resend`)).body.status).toBe('SUCCEEDED');

  const after = await apiMetrics();
  const grew = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
  expect(grew('hookrelay_delivery_attempts_total', { result: 'delivered', trigger: 'ping' })).toBe(1);
  expect(grew('hookrelay_delivery_attempts_total', { result: 'retryable', trigger: 'ping' })).toBe(1);
  expect(grew('hookrelay_delivery_attempts_total', { result: 'delivered', trigger: 'resend' })).toBe(1);
  // a ping has no notification, so no state after it; a resend's is the notification's status
  expect(grew('hookrelay_deliveries_total', { outcome: 'SUCCEEDED', trigger: 'resend' })).toBe(1);
  expect(after).not.toMatch(/hookrelay_deliveries_total\{[^}]*trigger="ping"/);
  expect(sample(after, 'hookrelay_delivery_attempt_duration_seconds_count', {}) - sample(before, 'hookrelay_delivery_attempt_duration_seconds_count', {})).toBe(
    3,
  );
});

test('concurrent resends of one notification each record an attempt, numbered one after the other', async () => {
  const tenant = uniqueTenant('resend-race');
  await createWebhook(tenant);
  const id = await expiredNotification(tenant);
  const answers = await Promise.all(Array.from({ length: 4 }, () => stack.call('POST', `/v1/notifications/${id}:resend?tenant=${tenant}`)));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
  const attempts = await db.attempt.findMany({ where: { notificationId: id }, orderBy: { attemptNumber: 'asc' } });
  expect(attempts.map((a) => a.attemptNumber)).toEqual([1, 2, 3, 4]);
  expect((await db.notification.findUniqueOrThrow({ where: { id } })).attemptCount).toBe(4);
});
