/**
 * Attempt records are committed without waiting for the WAL flush, and only
 * they: the relaxed setting is local to the recording statement's own
 * transaction, so a pooled connection that records an attempt and then
 * creates an event (the worker ingests SDK events on the same pool) commits
 * the event synchronously again.
 */
import pg from 'pg';
import { attemptRecord, DeliveryStore } from '@hookrelay/db';
import { startStack, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let pool: pg.Pool;

beforeAll(async () => {
  stack = await startStack({}, { worker: false });
  // one connection: whatever the record statement leaves behind, the next query sees
  pool = new pg.Pool({ connectionString: stack.config.databaseUrl, max: 1 });
});
afterAll(async () => {
  await pool.end();
  await stack.stop();
});

test('recording an attempt moves the notification and leaves synchronous_commit on for the connection', async () => {
  const tenant = uniqueTenant();
  await stack.call('POST', '/v1/webhooks', { tenant, url: 'https://example.com/hook', enabled_events: ['CARD.CREATED'], is_enabled: true });
  const event = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { n: 1 } });
  const [id] = event.body.notification_ids as string[];

  const store = new DeliveryStore(pool);
  const ctx = await store.load(id!);
  expect(ctx).toMatchObject({ id, status: 'PENDING' });
  const moved = await store.record(attemptRecord(ctx!, { durationMs: 12, statusCode: 200, responseBody: 'ok', error: null }, new Date(), 'schedule'), {
    status: 'SUCCEEDED',
  });
  expect(moved).toBe(true);

  expect((await pool.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on');
  const { rows } = await pool.query(
    'SELECT n.status, count(a.*)::int AS attempts FROM notifications n JOIN attempts a ON a.notification_id = n.id WHERE n.id = $1 GROUP BY n.status',
    [id],
  );
  expect(rows).toEqual([{ status: 'SUCCEEDED', attempts: 1 }]);
});
