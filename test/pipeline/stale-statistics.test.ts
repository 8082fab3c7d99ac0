/**
 * A worker's load of a batch of deliveries must stay a primary-key lookup per
 * notification when the planner's statistics are stale: taken while the
 * tables were nearly empty (a fresh install, or autovacuum off or not yet
 * run) and followed by a burst of notifications. A plan chosen from those
 * statistics once walked every notification of each webhook for every load.
 * Recording a batch of attempts is held to the same. The tests look at what
 * Postgres does with the statements DeliveryStore actually sends: the scans
 * and the buffers they touch, not the time they take. The last one follows
 * plans Postgres made while the tables were nearly empty and kept (the
 * statements, the foreign-key check, the rollup trigger) through a burst,
 * and the worker's StatisticsRefresher replacing them.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { attemptRecord, DeliveryStore } from '@hookrelay/db';
import { StatisticsRefresher } from '@hookrelay/worker';
import { createLogger } from '@hookrelay/core';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';

let database: IsolatedDatabase;
let pool: pg.Pool;
const WEBHOOKS = 20;
const EVENTS = 2000;

/** `events` new events, each with a notification per webhook (in this file's first database, or through `db`). */
async function fanOut(events: number, db: Pick<pg.Client, 'query'> = pool): Promise<void> {
  await db.query(
    `INSERT INTO events (id, tenant_id, type, resource, event_time) SELECT gen_random_uuid(), 'stale', 'CARD.CREATED', '{}', now() FROM generate_series(1, $1)`,
    [events],
  );
  await db.query(
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

describe('plans kept from nearly empty tables', () => {
  let fresh: IsolatedDatabase;
  let seed: pg.Client;
  // one connection: every statement runs where it was prepared, as on a busy worker's connections
  let single: pg.Client;

  beforeAll(async () => {
    fresh = await createIsolatedDatabase('kept');
    // clients, not pools: their end() waits for the connection to close, before the database is dropped
    seed = new pg.Client({ connectionString: fresh.url });
    single = new pg.Client({ connectionString: fresh.url });
    await Promise.all([seed.connect(), single.connect()]);
    await seed.query(`INSERT INTO tenants (id) VALUES ('stale')`);
    await seed.query(
      `INSERT INTO webhooks (id, tenant_id, url, enabled_events, is_enabled, metadata, secret, created_at, updated_at)
       VALUES ($1, 'stale', 'https://example.com/kept', '{CARD.CREATED}', true, '{}', 'whsec_x', now(), now())`,
      [randomUUID()],
    );
  }, 60_000);

  afterAll(async () => {
    await single?.end();
    await seed?.end();
    await fresh?.drop();
  });

  const pending = async (n: number) =>
    (await seed.query<{ id: string }>(`SELECT id FROM notifications WHERE status = 'PENDING' ORDER BY random() LIMIT ${n}`)).rows.map((r) => r.id);

  test('after a burst the worker analyzes the grown tables, and kept plans find notifications by key again', async () => {
    await fanOut(20, seed);
    // as the bench's VACUUM ANALYZE or autovacuum leave a fresh install: statistics of tables a page or two long
    await seed.query('VACUUM ANALYZE');
    const recordAll = async (store: DeliveryStore, ids: string[]) => {
      for (const id of ids) {
        const ctx = await store.load(id);
        const result = { durationMs: 3, statusCode: 200, responseBody: 'ok', error: null };
        expect(await store.record(attemptRecord(ctx!, result, new Date(), 'schedule'), { status: 'SUCCEEDED' })).toBe(true);
      }
    };
    // quiet deliveries, one at a time: Postgres keeps plans made for tables of a page or two
    // (the load and record statements, the attempts' foreign-key check, the rollup trigger's join)
    const store = new DeliveryStore(single as unknown as pg.Pool);
    await recordAll(store, await pending(10));

    await fanOut(4000, seed);
    const refresher = new StatisticsRefresher(seed, createLogger({ level: 'silent' }));
    expect(await refresher.refresh()).toEqual(expect.arrayContaining(['events', 'notifications']));
    // nothing more to do until the tables grow four-fold again
    expect(await refresher.refresh()).toEqual([]);

    const ids = await pending(40);
    // the same connection and its prepared statements, in a transaction whose own counters Postgres reports
    await single.query('BEGIN');
    await recordAll(store, ids.slice(0, 12));
    const { rows: read } = await single.query<{ n: string }>(`SELECT seq_tup_read::text AS n FROM pg_stat_xact_user_tables WHERE relname = 'notifications'`);
    // plans kept from two pages read all 4,000 notifications in the load, the foreign-key check and the trigger
    expect(Number(read[0]!.n)).toBeLessThan(1000);
    await single.query('ROLLBACK');

    const { rows } = await single.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE hookrelay_load_deliveries(${single.escapeLiteral(JSON.stringify(ids))})`,
    );
    const plan = explained(rows);
    expect(plan.scans).toContain('Index Scan using notifications_pkey');
    expect(plan.scans.filter((scan) => scan.includes('notifications') && scan !== 'Index Scan using notifications_pkey')).toEqual([]);
    expect(plan.scans).not.toContain('Seq Scan on events');
    expect(plan.buffers).toBeLessThan(500);
  });
});
