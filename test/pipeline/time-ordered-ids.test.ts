/**
 * Events, notifications and attempts get time-ordered ids (UUID v7): rows
 * created together have neighbouring keys, so inserts land at the right edge
 * of the id indexes (docs/operations.md). Checked through the API (events
 * and their notifications, made in one statement) and on the database's
 * own generator (attempts use it too).
 */
import pg from 'pg';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let receiver: Receiver;
let pool: pg.Pool;

beforeAll(async () => {
  stack = await startStack({}, { worker: false });
  receiver = await startReceiver();
  pool = new pg.Pool({ connectionString: stack.config.databaseUrl, max: 2 });
});
afterAll(async () => {
  await pool.end();
  await stack.stop();
  await receiver.close();
});

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millis = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

test('events and their notifications get version 7 ids that follow the clock', async () => {
  const tenant = uniqueTenant('v7');
  await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
  const before = Date.now();
  const published: { id: string; notification_ids: string[] }[] = [];
  for (let i = 0; i < 3; i++) {
    published.push((await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } })).body);
    await new Promise((r) => setTimeout(r, 5));
  }
  const after = Date.now();
  const events = published.map((p) => p.id);
  const notifications = published.flatMap((p) => p.notification_ids);
  for (const id of [...events, ...notifications]) {
    expect(id).toMatch(V7);
    expect(millis(id)).toBeGreaterThanOrEqual(before - 1000); // the database's clock may differ a little from ours
    expect(millis(id)).toBeLessThanOrEqual(after + 1000);
  }
  expect([...events].sort()).toEqual(events);
  expect([...notifications].sort()).toEqual(notifications);
});

test("the database's generator: version 7, RFC variant, its clock in the first 48 bits, ordered across milliseconds", async () => {
  const { rows } = await pool.query<{ id: string; at: string }>(
    `SELECT hookrelay_uuid_v7()::text AS id, (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS at, pg_sleep(0.002) FROM generate_series(1, 20)`,
  );
  for (const { id, at } of rows) {
    expect(id).toMatch(V7);
    expect(Math.abs(millis(id) - Number(at))).toBeLessThanOrEqual(2);
  }
  const ids = rows.map((r) => r.id);
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
});
