/**
 * The whole loop through HTTP and a real receiver: register, publish, receive
 * signed callbacks, fan-out, idempotency, disabled webhooks, ping.
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver();
});
afterAll(async () => {
  await stack.stop();
  await receiver.close();
});
beforeEach(() => receiver.respondWith({ status: 200 }));

async function createWebhook(tenant: string, events: string[], extra: Record<string, unknown> = {}) {
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: events, is_enabled: true, ...extra });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string };
}

const forNotification = (id: string) => (r: { headers: Record<string, unknown> }) => r.headers['webhook-id'] === id;

test('a published event arrives signed, with the reference callback body', async () => {
  const tenant = uniqueTenant();
  const webhook = await createWebhook(tenant, ['CARD.*'], { metadata: { team: 'cards' } });
  const published = await stack.call('POST', '/v1/events', {
    tenant,
    type: 'CARD.IMAGE.CREATED',
    resource: { id: 'card_1', status: 'ACTIVE' },
    changed_fields: '{"status":"PENDING"}',
    event_time: '2026-01-02T03:04:05.000Z',
  });
  expect(published.status).toBe(202);
  const [notificationId] = published.body.notification_ids;
  expect(published.body.notification_ids).toHaveLength(1);

  const [request] = await receiver.waitFor(1, { filter: forNotification(notificationId) });
  expect(request.method).toBe('POST');
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers['user-agent']).toMatch(/^Hookrelay\//);
  const verified = new StandardWebhook(webhook.secret).verify(request.body, request.headers as Record<string, string>);
  expect(verified).toEqual({
    event_time: '2026-01-02T03:04:05.000Z',
    metadata: '{"team":"cards"}',
    type: 'CARD.IMAGE.CREATED',
    url: receiver.url,
    webhook_id: webhook.id,
    changed_fields: '{"status":"PENDING"}',
    resource: '{"id":"card_1","status":"ACTIVE"}',
    event_id: published.body.id,
    notification_id: notificationId,
  });
  expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);

  const found = await until(async () => {
    const res = await stack.call('POST', '/v1/webhooks:search', { notification_id: notificationId });
    return res.body.notifications[0]?.status === 'SUCCEEDED' ? res.body.notifications[0] : null;
  });
  expect(found).toMatchObject({
    id: notificationId,
    event_id: published.body.id,
    webhook_id: webhook.id,
    type: 'CARD.IMAGE.CREATED',
    attempt_count: 1,
    last_status_code: 200,
  });
  expect(found.delivered_at).toEqual(expect.any(String));
  expect(found.attempts).toEqual([
    expect.objectContaining({ attempt_number: 1, status_code: 200, response_body: 'ok', error: null, trigger: 'schedule', duration_ms: expect.any(Number) }),
  ]);
});

test('fan-out: one notification per matching enabled webhook, none for others', async () => {
  const tenant = uniqueTenant();
  const all = await createWebhook(tenant, ['*']);
  const cards = await createWebhook(tenant, ['CARD.*']);
  const exact = await createWebhook(tenant, ['CARD.IMAGE.CREATED']);
  const other = await createWebhook(tenant, ['TRANSACTION.*']);
  const disabled = await createWebhook(tenant, ['CARD.*'], { is_enabled: false });
  const otherTenant = await createWebhook(uniqueTenant(), ['*']);

  const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.IMAGE.CREATED', resource: {} });
  expect(res.status).toBe(202);
  expect(res.body.notification_ids).toHaveLength(3);
  const received = await receiver.waitFor(3, { filter: (r) => JSON.parse(r.body).event_id === res.body.id });
  expect(received.map((r) => JSON.parse(r.body).webhook_id).sort()).toEqual([all.id, cards.id, exact.id].sort());
  await new Promise((r) => setTimeout(r, 300));
  const ids = receiver.requests.filter((r) => JSON.parse(r.body).event_id === res.body.id).map((r) => JSON.parse(r.body).webhook_id);
  expect(ids).not.toContain(other.id);
  expect(ids).not.toContain(disabled.id);
  expect(ids).not.toContain(otherTenant.id);
});

test('an event no webhook wants creates no notification', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant, ['TRANSACTION.*']);
  const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} });
  expect(res.status).toBe(202);
  expect(res.body.notification_ids).toEqual([]);
});

test('a repeated idempotency key returns the first event, 200, and delivers once', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant, ['CARD.CREATED']);
  const body = { tenant, type: 'CARD.CREATED', resource: { n: 1 }, idempotency_key: 'order-42' };
  const first = await stack.call('POST', '/v1/events', body);
  const second = await stack.call('POST', '/v1/events', body);
  expect(first.status).toBe(202);
  expect(second.status).toBe(200);
  expect(second.body.id).toBe(first.body.id);
  expect(second.body.notification_ids).toEqual(first.body.notification_ids);
  await receiver.waitFor(1, { filter: (r) => JSON.parse(r.body).event_id === first.body.id });
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.requests.filter((r) => JSON.parse(r.body).event_id === first.body.id)).toHaveLength(1);
  const search = await stack.call('POST', '/v1/webhooks:search', { event_id: first.body.id });
  expect(search.body.notifications).toHaveLength(1);
});

test('concurrent publishes with one idempotency key create one event', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant, ['CARD.CREATED']);
  const body = { tenant, type: 'CARD.CREATED', resource: {}, idempotency_key: 'race' };
  const results = await Promise.all(Array.from({ length: 5 }, () => stack.call('POST', '/v1/events', body)));
  expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  expect(results.filter((r) => r.status === 202)).toHaveLength(1);
  expect(results.filter((r) => r.status === 200)).toHaveLength(4);
});

test('an unknown event type is rejected with 400 and nothing is created', async () => {
  const tenant = uniqueTenant();
  const res = await stack.call('POST', '/v1/events', { tenant, type: 'NOPE.CREATED', resource: {} });
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(JSON.stringify(res.body)).toContain('type');
});

test('a custom event type can be published once added', async () => {
  const tenant = uniqueTenant();
  expect((await stack.call('POST', '/v1/event-types', { tenant, name: 'INVOICE.PAID' })).status).toBe(201);
  await createWebhook(tenant, ['INVOICE.*']);
  const res = await stack.call('POST', '/v1/events', { tenant, type: 'INVOICE.PAID', resource: '{"amount":5}' });
  expect(res.status).toBe(202);
  const [request] = await receiver.waitFor(1, { filter: (r) => JSON.parse(r.body).event_id === res.body.id });
  const body = JSON.parse(request.body);
  expect(body.resource).toBe('{"amount":5}');
  // every reference field is present even when the event named no changed fields
  expect(Object.keys(body).sort()).toEqual([
    'changed_fields',
    'event_id',
    'event_time',
    'metadata',
    'notification_id',
    'resource',
    'type',
    'url',
    'webhook_id',
  ]);
  expect(body.changed_fields).toBe('{}');
  expect(body.metadata).toBe('{}');
});

test('ping sends a signed WEBHOOK.PING and reports success or failure', async () => {
  const tenant = uniqueTenant();
  const webhook = await createWebhook(tenant, ['CARD.*']);
  const ok = await stack.call('POST', `/v1/webhooks/${webhook.id}:ping`, undefined);
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual({ success: true, status_code: 200, duration_ms: expect.any(Number), error: null });
  const ping = receiver.requests.find((r) => JSON.parse(r.body).type === 'WEBHOOK.PING' && JSON.parse(r.body).webhook_id === webhook.id);
  expect(ping).toBeDefined();
  expect(() => new StandardWebhook(webhook.secret).verify(ping!.body, ping!.headers as Record<string, string>)).not.toThrow();

  receiver.respondWith({ status: 500, body: 'down' });
  const failed = await stack.call('POST', `/v1/webhooks/${webhook.id}:ping`, undefined);
  expect(failed.body).toMatchObject({ success: false, status_code: 500 });

  const unreachable = await stack.call('POST', '/v1/webhooks', { tenant, url: 'http://127.0.0.1:1/nothing', enabled_events: ['*'], is_enabled: true });
  const refused = await stack.call('POST', `/v1/webhooks/${unreachable.body.id}:ping`, undefined);
  expect(refused.body).toMatchObject({ success: false, status_code: null, error: expect.stringContaining('ECONNREFUSED') });
});
