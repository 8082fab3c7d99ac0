/**
 * A worker's load of a batch of deliveries must stay a primary-key lookup per
 * notification when the planner's statistics are stale: taken while the
 * tables were nearly empty (a fresh install, or autovacuum off or not yet
 * run) and followed by a burst of notifications. A plan chosen from those
 * statistics once walked every notification of each webhook for every load.
 * The test looks at what Postgres does with the statement DeliveryStore
 * actually sends: the buffers it touches, not the time it takes.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DeliveryStore } from '@hookrelay/db';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';

let database: IsolatedDatabase;
let pool: pg.Pool;
const WEBHOOKS = 20;
const EVENTS = 2000;

async function fanOut(events: number): Promise<void> {
  await pool.query(`INSERT INTO events (id, tenant_id, type, resource, event_time) SELECT gen_random_uuid(), 'stale', 'CARD.CREATED', '{}', now() FROM generate_series(1, $1)`, [events]);
  await pool.query(
    `INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, next_attempt_at)
     SELECT gen_random_uuid(), 'stale', e.id, w.id, e.type, now() FROM events e CROSS JOIN webhooks w
     WHERE NOT EXISTS (SELECT 1 FROM notifications x WHERE x.event_id = e.id)`,
  );
}

beforeAll(async () => {
  database = await createIsolatedDatabase('stale');
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  await pool.query(`INSERT INTO tenants (id) VALUES ('stale')`);
  for (let i = 0; i < WEBHOOKS; i++) {
    await pool.query(
      `INSERT INTO webhooks (id, tenant_id, url, enabled_events, is_enabled, metadata, secret, created_at, updated_at)
       VALUES ($1, 'stale', $2, '{CARD.CREATED}', true, '{}', 'whsec_x', now(), now())`,
      [randomUUID(), `https://example.com/${i}`],
    );
  }
  await fanOut(1);
  // statistics of nearly empty tables, then the burst
  await pool.query('VACUUM ANALYZE');
  await fanOut(EVENTS);
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

test('loading 40 deliveries reads each by its key, not every notification of their webhooks', async () => {
  const sent: pg.QueryConfig[] = [];
  const recording = { query: (config: pg.QueryConfig) => (sent.push(config), pool.query(config)) } as unknown as pg.Pool;
  const store = new DeliveryStore(recording);
  const { rows } = await pool.query<{ id: string; webhook_id: string }>(`SELECT id, webhook_id FROM notifications ORDER BY random() LIMIT 40`);

  const contexts = await Promise.all(rows.map((row) => store.load(row.id)));
  expect(contexts.map((c) => c?.id)).toEqual(rows.map((row) => row.id));
  expect(contexts.map((c) => c?.webhookId)).toEqual(rows.map((row) => row.webhook_id));
  expect(sent).toHaveLength(1); // one statement for the 40

  const [statement] = sent;
  const { rows: explained } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement!.text}`, statement!.values);
  const plan = explained[0]['QUERY PLAN'][0].Plan;
  const buffers = plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
  // a key lookup per notification, event and webhook is a few buffers each (measured: ~400 for 40);
  // walking the webhooks' notifications touched over 40,000
  expect(buffers).toBeLessThan(1500);
  expect(JSON.stringify(plan)).not.toContain('notifications_webhook_id_status_idx');
});
