/**
 * The upgrade path on a live database: a database at the previous schema
 * (this release's history migrations taken back off), holding rows, is
 * migrated with `prisma migrate deploy` while a writer keeps inserting and
 * updating notifications. Writes must never wait long, every index must come
 * out valid, and the notification counters (trigger + backfill) must equal a
 * full count afterwards: no change counted twice or missed across the
 * moment the triggers went live.
 */
import pg from 'pg';
// @ts-expect-error: plain ESM helper without type declarations
import { migrateDatabase } from '../../prisma/migrate.mjs';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';

const ROWS = 50_000;
const WEBHOOKS = 20;

let isolated: IsolatedDatabase;
let db: pg.Client;

beforeAll(async () => {
  isolated = await createIsolatedDatabase('upgrade');
  db = new pg.Client({ connectionString: isolated.url });
  await db.connect();
}, 120_000);
afterAll(async () => {
  await db?.end();
  await isolated?.drop();
});

/** Back to the schema before migrations 20261207000400-0405 (what an operator's database looks like before upgrading). */
async function previousSchema(): Promise<void> {
  await db.query(`
    DROP TABLE notification_counters;
    DROP FUNCTION hookrelay_count_notifications() CASCADE;
    DROP INDEX notifications_tenant_id_updated_at_id_idx;
    DROP INDEX notifications_webhook_id_status_created_at_id_idx;
    DROP INDEX events_created_at_id_idx;
    CREATE INDEX notifications_webhook_id_status_idx ON notifications (webhook_id, status);
    DELETE FROM _prisma_migrations WHERE migration_name >= '20261207000400' AND migration_name < '20261207000500';`);
}

async function seed(): Promise<void> {
  await db.query(`INSERT INTO tenants (id) VALUES ('upgrade')`);
  await db.query(
    `INSERT INTO webhooks (id, tenant_id, url, enabled_events, is_enabled, secret)
     SELECT gen_random_uuid(), 'upgrade', 'https://example.com/' || g, '{*}', true, 'whsec_x' FROM generate_series(1, $1) g`,
    [WEBHOOKS],
  );
  await db.query(
    `INSERT INTO events (id, tenant_id, type, resource, event_time, created_at)
     SELECT gen_random_uuid(), 'upgrade', 'CARD.CREATED', '{}', now(), now() - (g || ' seconds')::interval FROM generate_series(1, $1) g`,
    [ROWS],
  );
  await db.query(
    `INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, status, attempt_count, created_at, updated_at)
     SELECT gen_random_uuid(), 'upgrade', e.id, w.id, 'CARD.CREATED',
            (CASE WHEN random() < 0.9 THEN 'SUCCEEDED' WHEN random() < 0.5 THEN 'EXPIRED' ELSE 'PENDING' END)::"NotificationStatus",
            1, e.created_at, e.created_at
     FROM (SELECT id, created_at, row_number() OVER () AS r FROM events) e
     JOIN (SELECT id, row_number() OVER () - 1 AS k FROM webhooks) w ON w.k = e.r % $1`,
    [WEBHOOKS],
  );
  await db.query('ANALYZE');
}

interface Writer {
  stop(): Promise<{ statements: number; maxMs: number }>;
}

/** Inserts notifications and moves PENDING ones to SUCCEEDED, one short statement after another, timing each. */
async function startWriter(url: string): Promise<Writer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let running = true;
  let statements = 0;
  let maxMs = 0;
  const timed = async (sql: string) => {
    const t = performance.now();
    await client.query(sql);
    maxMs = Math.max(maxMs, performance.now() - t);
    statements += 1;
  };
  const loop = (async () => {
    while (running) {
      await timed(`
        WITH e AS (INSERT INTO events (id, tenant_id, type, resource, event_time) VALUES (gen_random_uuid(), 'upgrade', 'CARD.CREATED', '{}', now()) RETURNING id)
        INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type)
        SELECT gen_random_uuid(), 'upgrade', e.id, w.id, 'CARD.CREATED' FROM e, (SELECT id FROM webhooks LIMIT 3) w`);
      await timed(`
        UPDATE notifications SET status = 'SUCCEEDED', attempt_count = attempt_count + 1, updated_at = now()
        WHERE id IN (SELECT id FROM notifications WHERE tenant_id = 'upgrade' AND status = 'PENDING' ORDER BY created_at DESC LIMIT 2)`);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return { statements, maxMs };
    },
  };
}

test('migrate deploy on a live database with rows: writes go on, indexes valid, counters exact', async () => {
  await previousSchema();
  await seed();
  const writer = await startWriter(isolated.url);
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  const output: string = await (migrateDatabase as (url: string) => Promise<string>)(isolated.url);
  const migrateMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, 300));
  const { statements, maxMs } = await writer.stop();

  expect(output).toMatch(/20261207000400_notification_counters/);
  expect(output).toMatch(/20261207000405_events_created_idx/);
  // the writer kept going through the whole migration, and no statement waited long
  expect(statements).toBeGreaterThan(20);
  expect(maxMs).toBeLessThan(2000);
  console.log(
    `upgrade: migrate deploy took ${migrateMs} ms over ${ROWS} events x 1 notification; writer ran ${statements} statements, slowest ${Math.round(maxMs)} ms`,
  );

  const invalid = await db.query(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid`);
  expect(invalid.rows).toEqual([]);
  const indexes = (await db.query(`SELECT indexname FROM pg_indexes WHERE tablename IN ('notifications', 'events')`)).rows.map((r) => r.indexname);
  expect(indexes).toEqual(
    expect.arrayContaining(['notifications_tenant_id_updated_at_id_idx', 'notifications_webhook_id_status_created_at_id_idx', 'events_created_at_id_idx']),
  );
  expect(indexes).not.toContain('notifications_webhook_id_status_idx');

  const full = await db.query(`SELECT webhook_id, status::text, count(*)::int AS n FROM notifications GROUP BY 1, 2 ORDER BY 1, 2`);
  const counted = await db.query(
    `SELECT webhook_id, status::text, sum(count)::int AS n FROM notification_counters GROUP BY 1, 2 HAVING sum(count) <> 0 ORDER BY 1, 2`,
  );
  expect(counted.rows).toEqual(full.rows);
}, 180_000);
