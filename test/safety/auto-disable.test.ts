/**
 * Auto-disable: a webhook failing continuously for AUTO_DISABLE_AFTER_SECONDS
 * is disabled with a reason, its tenant gets a WEBHOOK.DISABLED event, and
 * re-enabling starts afresh. `failing_since` tracks the failure streak.
 */
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let failing: Receiver;
let monitor: Receiver;
let db: PrismaClient;

beforeAll(async () => {
  stack = await startStack({ AUTO_DISABLE_AFTER_SECONDS: '1', RETRY_SCHEDULE: '1,1,1,1' });
  failing = await startReceiver({ status: 500 });
  monitor = await startReceiver({ status: 200 });
  db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
});
afterAll(async () => {
  await stack.stop();
  await failing.close();
  await monitor.close();
  await db.$disconnect();
});

test('failing for longer than AUTO_DISABLE_AFTER_SECONDS disables the webhook and publishes WEBHOOK.DISABLED', async () => {
  const tenant = uniqueTenant();
  const bad = await stack.call('POST', '/v1/webhooks', { tenant, url: failing.url, enabled_events: ['CARD.*'], is_enabled: true, description: 'flaky' });
  const watcher = await stack.call('POST', '/v1/webhooks', { tenant, url: monitor.url, enabled_events: ['WEBHOOK.DISABLED'], is_enabled: true });
  const otherTenant = uniqueTenant();
  const outsider = await stack.call('POST', '/v1/webhooks', { tenant: otherTenant, url: monitor.url, enabled_events: ['WEBHOOK.*'], is_enabled: true });
  expect([bad.status, watcher.status, outsider.status]).toEqual([201, 201, 201]);

  const published = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'c1' } });
  const [nid] = published.body.notification_ids;

  // first failure starts the streak
  await failing.waitFor(1, { filter: (r) => r.headers['webhook-id'] === nid });
  const streak = await until(async () => (await db.webhook.findUniqueOrThrow({ where: { id: bad.body.id } })).failingSince);
  expect(streak).toBeInstanceOf(Date);

  const disabled = await until(async () => {
    const res = await stack.call('GET', `/v1/webhooks/${bad.body.id}`);
    return res.body.is_enabled === false ? res.body : null;
  });
  expect(disabled.disabled_reason).toMatch(/failed since/);
  const n = await until(async () => {
    const res = await stack.call('GET', `/v1/notifications/${nid}`);
    return res.body.status === 'CANCELLED' ? res.body : null;
  });
  expect(n.attempts.length).toBeGreaterThanOrEqual(2);

  // the tenant's WEBHOOK.DISABLED subscriber hears about it, with the webhook as the API shows it
  const [event] = await monitor.waitFor(1, {
    filter: (r) => JSON.parse(r.body).type === 'WEBHOOK.DISABLED' && JSON.parse(r.body).webhook_id === watcher.body.id,
  });
  const body = JSON.parse(event!.body);
  const resource = JSON.parse(body.resource);
  const shown = (await stack.call('GET', `/v1/webhooks/${bad.body.id}`)).body;
  expect(resource).toEqual(shown);
  expect(resource).not.toHaveProperty('secret');
  expect(event!.body).not.toContain(bad.body.secret.slice(6));
  expect(JSON.parse(body.changed_fields)).toEqual({ is_enabled: true, disabled_reason: null });

  // exactly one such event for the tenant; none for the other tenant
  await new Promise((r) => setTimeout(r, 1500));
  const events = await db.event.findMany({ where: { type: 'WEBHOOK.DISABLED', tenantId: { in: [tenant, otherTenant] } } });
  expect(events.map((e) => e.tenantId)).toEqual([tenant]);
  expect(monitor.requests.filter((r) => JSON.parse(r.body).webhook_id === outsider.body.id)).toEqual([]);

  // re-enabling clears the reason and the streak
  const on = await stack.call('PATCH', `/v1/webhooks/${bad.body.id}`, { is_enabled: true });
  expect(on.body).toMatchObject({ is_enabled: true, disabled_reason: null });
  const row = await db.webhook.findUniqueOrThrow({ where: { id: bad.body.id } });
  expect(row.failingSince).toBeNull();
  expect(row.disabledReason).toBeNull();
});

test('a success ends the failure streak, so intermittent failures never disable', async () => {
  const tenant = uniqueTenant();
  const flaky = await startReceiver();
  try {
    const seen = new Set<string>();
    // each notification fails once, then succeeds
    flaky.respondWith((r) => {
      const id = String(r.headers['webhook-id']);
      if (seen.has(id)) return { status: 200 };
      seen.add(id);
      return { status: 500 };
    });
    const webhook = await stack.call('POST', '/v1/webhooks', { tenant, url: flaky.url, enabled_events: ['CARD.*'], is_enabled: true });
    const published = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'f1' } });
    const [nid] = published.body.notification_ids;
    await until(async () => (await stack.call('GET', `/v1/notifications/${nid}`)).body.status === 'SUCCEEDED');
    const row = await db.webhook.findUniqueOrThrow({ where: { id: webhook.body.id } });
    expect(row.failingSince).toBeNull();
    expect(row.isEnabled).toBe(true);
  } finally {
    await flaky.close();
  }
});

test('disabling and WEBHOOK.DISABLED commit together: when the event cannot be written the webhook stays enabled, and the next failure disables it with its event', async () => {
  const tenant = uniqueTenant('atomic');
  const bad = await stack.call('POST', '/v1/webhooks', { tenant, url: failing.url, enabled_events: ['CARD.*'], is_enabled: true });
  const watcher = await stack.call('POST', '/v1/webhooks', { tenant, url: monitor.url, enabled_events: ['WEBHOOK.DISABLED'], is_enabled: true });
  // Postgres refuses this tenant's WEBHOOK.DISABLED event until the trigger is dropped
  const fn = `refuse_disabled_${tenant.replace(/[^a-z0-9]/gi, '_')}`.toLowerCase();
  await db.$executeRawUnsafe(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.tenant_id = '${tenant}' AND NEW.type = 'WEBHOOK.DISABLED' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
  await db.$executeRawUnsafe(`CREATE TRIGGER ${fn} BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
  try {
    const published = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'c2' } });
    const [nid] = published.body.notification_ids;
    // the streak starts at the first failure; from the second one on (1 s apart, AUTO_DISABLE_AFTER_SECONDS=1) each tries to disable
    await failing.waitFor(3, { timeoutMs: 15_000, filter: (r) => r.headers['webhook-id'] === nid });
    await until(async () => ((await db.attempt.count({ where: { notificationId: nid } })) >= 3 ? true : null));
    const still = await db.webhook.findUniqueOrThrow({ where: { id: bad.body.id } });
    expect(still.isEnabled).toBe(true);
    expect(still.disabledReason).toBeNull();
    expect(await db.event.count({ where: { tenantId: tenant, type: 'WEBHOOK.DISABLED' } })).toBe(0);
  } finally {
    await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${fn} ON events`);
    await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${fn}()`);
  }

  // the next failure disables it, and the tenant hears about it
  const disabled = await until(
    async () => {
      const row = await db.webhook.findUniqueOrThrow({ where: { id: bad.body.id } });
      return row.isEnabled ? null : row;
    },
    { timeoutMs: 15_000 },
  );
  expect(disabled.disabledReason).toMatch(/failed since/);
  await monitor.waitFor(1, { filter: (r) => JSON.parse(r.body).type === 'WEBHOOK.DISABLED' && JSON.parse(r.body).webhook_id === watcher.body.id });
  expect(await db.event.count({ where: { tenantId: tenant, type: 'WEBHOOK.DISABLED' } })).toBe(1);
}, 60_000);
