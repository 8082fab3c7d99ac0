/**
 * The fan-out's filter cache against a real Postgres: a warm cache answers
 * in code, a webhook changed after the cache was read falls back to SQL at
 * once (never a stale answer), and both agree with the SQL evaluator.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { FanOutStore, type NewEvent } from '@hookrelay/db';
import { startStack, type Stack } from '../support/stack.js';
import { testDatabaseUrl, uniqueTenant } from '../support/env.js';

let stack: Stack;
let pool: pg.Pool;
beforeAll(async () => {
  stack = await startStack({}, { worker: false });
  pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 3 });
});
afterAll(async () => {
  await pool.end();
  await stack.stop();
});

const event = (tenantId: string, amount: number): NewEvent => ({
  id: randomUUID(),
  tenantId,
  type: 'CARD.CREATED',
  resource: JSON.stringify({ amount }),
  changedFields: null,
  eventTime: new Date(),
  idempotencyKey: null,
  orderingKey: null,
});

test('warm cache, stale entries and new webhooks all give the current answer', async () => {
  const tenant = uniqueTenant();
  const mk = async (filter: unknown) =>
    (await stack.call('POST', '/v1/webhooks', { tenant, url: 'http://127.0.0.1:9/x', enabled_events: ['CARD.*'], is_enabled: true, filter })).body.id as string;
  const big = await mk({ 'resource.amount': { $gte: 100 } });
  const small = await mk({ 'resource.amount': { $lt: 100 } });
  const store = new FanOutStore(pool);

  const cold = await store.fanOut(event(tenant, 150)); // cache cold: SQL
  expect(cold!.notificationIds).toHaveLength(1);
  await store.filters.warm(tenant);
  const plan = store.filters.plan([event(tenant, 150), event(tenant, 5)]);
  expect(plan.ids.sort()).toEqual([big, small].sort());
  expect(plan.allowed.map((a) => a.length)).toEqual([1, 1]);

  const hit = async (amount: number) => {
    const r = await store.fanOut(event(tenant, amount));
    const { rows } = await pool.query('SELECT webhook_id FROM notifications WHERE id = ANY($1::uuid[])', [r!.notificationIds]);
    return rows.map((x: { webhook_id: string }) => x.webhook_id).sort();
  };
  expect(await hit(150)).toEqual([big]);
  expect(await hit(5)).toEqual([small]);

  // changed through the API after the cache was read: the new filter applies to the very next event
  expect((await stack.call('PATCH', `/v1/webhooks/${big}`, { tenant, filter: { 'resource.amount': { $gte: 1000 } } })).status).toBe(200);
  expect(await hit(150)).toEqual([]);
  // removed, and a brand-new filtered webhook the cache has never seen
  await stack.call('PATCH', `/v1/webhooks/${small}`, { tenant, filter: null });
  const fresh = await mk({ 'resource.amount': 150 });
  expect(await hit(150)).toEqual([small, fresh].sort());
  // disabled webhooks get nothing, whatever the cache holds
  await stack.call('PATCH', `/v1/webhooks/${fresh}`, { tenant, is_enabled: false });
  expect(await hit(150)).toEqual([small]);
});
