/**
 * A worker's load of a batch of deliveries must stay a primary-key lookup per
 * notification when the planner's statistics are stale: taken while the
 * tables were nearly empty (a fresh install, or autovacuum off or not yet
 * run) and followed by a burst of notifications. A plan chosen from those
 * statistics once walked every notification of each webhook for every load.
 * Recording a batch of attempts is held to the same. The tests look at what
 * Postgres does with the statements DeliveryStore actually sends: the scans
 * and the buffers they touch, not the time they take.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { attemptRecord, DeliveryStore } from '@hookrelay/db';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';

let database: IsolatedDatabase;
let pool: pg.Pool;
const WEBHOOKS = 20;
const EVENTS = 2000;

async function fanOut(events: number): Promise<void> {
  await pool.query(
    `INSERT INTO events (id, tenant_id, type, resource, event_time) SELECT gen_random_uuid(), 'stale', 'CARD.CREATED', '{}', now() FROM generate_series(1, $1)`,
    [events],
  );
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

/** A DeliveryStore whose statements are kept, to be explained afterwards. */
function recordingStore(): { store: DeliveryStore; sent: pg.QueryConfig[] } {
  const sent: pg.QueryConfig[] = [];
  const recording = {
    query: (config: pg.QueryConfig) => {
      sent.push(config);
      return pool.query(config);
    },
  } as unknown as pg.Pool;
  return { store: new DeliveryStore(recording), sent };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every scan of the plan, as "Seq Scan on notifications", "Index Scan using notifications_pkey". */
function scans(node: PlanNode): string[] {
  const here =
    node['Relation Name'] || node['Index Name']
      ? [`${node['Node Type']} ${node['Index Name'] ? `using ${node['Index Name']}` : `on ${node['Relation Name']}`}`]
      : [];
  return [...here, ...(node.Plans ?? []).flatMap(scans)];
}

/** What an `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` answer says: the buffers touched and the scans made. */
function explained(rows: { 'QUERY PLAN': { Plan: PlanNode & { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }[] }[]): {
  buffers: number;
  scans: string[];
} {
  const plan = rows[0]!['QUERY PLAN'][0]!.Plan;
  return { buffers: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'], scans: scans(plan) };
}

/** Buffers Postgres touches running `statement` (in a transaction rolled back), and the scans it made. */
async function explain(statement: pg.QueryConfig): Promise<{ buffers: number; scans: string[] }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`, statement.values);
    return explained(rows);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

test('loading 40 deliveries reads each by its key, not every notification of their webhooks', async () => {
  const { store, sent } = recordingStore();
  const { rows } = await pool.query<{ id: string; webhook_id: string }>(`SELECT id, webhook_id FROM notifications ORDER BY random() LIMIT 40`);

  const contexts = await Promise.all(rows.map((row) => store.load(row.id)));
  expect(contexts.map((c) => c?.id)).toEqual(rows.map((row) => row.id));
  expect(contexts.map((c) => c?.webhookId)).toEqual(rows.map((row) => row.webhook_id));
  expect(sent).toHaveLength(1); // one statement for the 40

  const explained = await explain(sent[0]!);
  // a key lookup per notification, event and webhook is a few buffers each (measured: ~400 for 40);
  // walking the webhooks' notifications touched over 14,000
  expect(explained.buffers).toBeLessThan(1500);
  expect(explained.scans).toContain('Index Scan using notifications_pkey');
  expect(explained.scans.filter((scan) => scan.includes('notifications') && scan !== 'Index Scan using notifications_pkey')).toEqual([]);
});

test('recording 40 attempts finds each notification by its key', async () => {
  const { store, sent } = recordingStore();
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM notifications WHERE status = 'PENDING' ORDER BY random() LIMIT 40`);
  const loaded = await Promise.all(rows.map((row) => new DeliveryStore(pool).load(row.id)));
  const moved = await Promise.all(
    loaded.map((ctx) =>
      store.record(attemptRecord(ctx!, { durationMs: 3, statusCode: 200, responseBody: 'ok', error: null }, new Date(), 'schedule'), { status: 'SUCCEEDED' }),
    ),
  );
  expect(moved).toEqual(rows.map(() => true));
  expect(sent).toHaveLength(1);

  const explained = await explain(sent[0]!);
  // measured: ~600 (the notification, its indexes and the attempt's); a scan of the table reads over 1,000 pages
  expect(explained.buffers).toBeLessThan(1500);
  expect(explained.scans).not.toContain('Seq Scan on notifications');
  expect(explained.scans.some((scan) => scan.endsWith('using notifications_pkey'))).toBe(true);
});

test('loads settle on one kept plan, a key lookup per id, instead of being planned one by one', async () => {
  // one connection, so that every load runs the statement prepared on it
  const single = new pg.Pool({ connectionString: database.url, max: 1 });
  try {
    const store = new DeliveryStore(single);
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM notifications ORDER BY random() LIMIT 12`);
    // one delivery at a time, as at a quiet moment, then a batch
    for (const row of rows.slice(0, 10)) expect((await store.load(row.id))?.id).toBe(row.id);
    const batch = await Promise.all(rows.map((row) => store.load(row.id)));
    expect(batch.map((ctx) => ctx?.id)).toEqual(rows.map((row) => row.id));

    const client = await single.connect();
    try {
      const { rows: prepared } = await client.query<{ generic_plans: string; custom_plans: string }>(
        `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'hookrelay_load_deliveries'`,
      );
      // Postgres plans the first five runs for their values, then keeps the generic plan if it costs no more;
      // with the ids as a uuid[] it planned every single-id load again (11 custom plans, 0 generic)
      expect(Number(prepared[0]!.custom_plans)).toBeLessThanOrEqual(5);
      expect(Number(prepared[0]!.generic_plans)).toBeGreaterThanOrEqual(6);

      const ids = client.escapeLiteral(JSON.stringify(rows.map((row) => row.id)));
      const { rows: answer } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE hookrelay_load_deliveries(${ids})`);
      const kept = explained(answer);
      expect(kept.scans).toContain('Index Scan using notifications_pkey');
      expect(kept.scans.filter((scan) => scan.includes('notifications') && scan !== 'Index Scan using notifications_pkey')).toEqual([]);
      expect(kept.buffers).toBeLessThan(500);
    } finally {
      client.release();
    }
  } finally {
    await single.end();
  }
});
