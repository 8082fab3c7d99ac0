// A natively partitioned copy of the history tables: <prefix>_events,
// <prefix>_notifications and <prefix>_attempts, PARTITION BY RANGE
// (created_at), one partition per UTC day, with or without the foreign keys. What partitioning forces on the schema shows here:
// every primary key and unique index holds created_at (so the idempotency
// key is unique per tenant *and instant*, no longer per tenant), attempts
// carry their notification's created_at to land in the same day, and the
// foreign keys name (id, created_at).
import { log } from '../scale/options.mjs';

const DAY = 86_400_000;
const dayStart = (t) => new Date(Math.floor(t / DAY) * DAY);
const suffix = (d) => d.toISOString().slice(0, 10).replaceAll('-', '');

/** Day partitions [from, to) covering min(created_at) to tomorrow. */
async function days(db) {
  const { rows } = await db.query('SELECT min(created_at) AS lo FROM events');
  const out = [];
  for (let d = dayStart(rows[0].lo.getTime()); d.getTime() < Date.now() + DAY; d = new Date(d.getTime() + DAY)) {
    out.push({ from: d, to: new Date(d.getTime() + DAY), suffix: suffix(d) });
  }
  return out;
}

async function timed(db, what, sql) {
  const t = Date.now();
  await db.query(sql);
  log(`${what} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/**
 * Creates and fills the copy `prefix` from the seeded plain tables; returns
 * its day partitions. Indexes and foreign keys (with `fks`) are added after
 * the copy, built once per partition as a migration would build them.
 */
export async function createPartitionedCopy(db, prefix, fks) {
  const parts = await days(db);
  await db.query(
    `
    CREATE TABLE p_events (LIKE events INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
    CREATE TABLE p_notifications (LIKE notifications INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
    CREATE TABLE p_attempts (LIKE attempts INCLUDING DEFAULTS, created_at timestamptz(3) NOT NULL) PARTITION BY RANGE (created_at);`.replace(
      /\bp_/g,
      `${prefix}_`,
    ),
  );
  for (const p of parts) {
    for (const t of ['events', 'notifications', 'attempts']) {
      await db.query(
        `CREATE TABLE ${prefix}_${t}_${p.suffix} PARTITION OF ${prefix}_${t} FOR VALUES FROM ('${p.from.toISOString()}') TO ('${p.to.toISOString()}')`,
      );
    }
  }
  log(`partitioned copy ${prefix}_*${fks ? '' : ' (no foreign keys)'}: ${parts.length} day partitions per table`);
  await timed(db, 'copied events', `INSERT INTO ${prefix}_events SELECT * FROM events`);
  await timed(db, 'copied notifications', `INSERT INTO ${prefix}_notifications SELECT * FROM notifications`);
  await timed(
    db,
    'copied attempts',
    `INSERT INTO ${prefix}_attempts SELECT a.*, n.created_at FROM attempts a JOIN notifications n ON n.id = a.notification_id`,
  );
  await db.query(`SET maintenance_work_mem = '512MB'`);
  const ddl = [
    ['p_events primary key (id, created_at)', 'ALTER TABLE p_events ADD PRIMARY KEY (id, created_at)'],
    // was UNIQUE (tenant_id, idempotency_key): refused without the partition key
    ['p_events unique (tenant_id, idempotency_key, created_at)', 'CREATE UNIQUE INDEX ON p_events (tenant_id, idempotency_key, created_at)'],
    ['p_events (tenant_id, created_at)', 'CREATE INDEX ON p_events (tenant_id, created_at)'],
    ['p_events (created_at, id)', 'CREATE INDEX ON p_events (created_at, id)'],
    ['p_notifications primary key (id, created_at)', 'ALTER TABLE p_notifications ADD PRIMARY KEY (id, created_at)'],
    ['p_notifications (tenant_id, created_at, id)', 'CREATE INDEX ON p_notifications (tenant_id, created_at, id)'],
    ['p_notifications (tenant_id, updated_at, id)', 'CREATE INDEX ON p_notifications (tenant_id, updated_at, id)'],
    ['p_notifications (webhook_id, status, created_at, id)', 'CREATE INDEX ON p_notifications (webhook_id, status, created_at, id)'],
    ['p_notifications (event_id)', 'CREATE INDEX ON p_notifications (event_id)'],
    ['p_notifications (status, next_attempt_at)', 'CREATE INDEX ON p_notifications (status, next_attempt_at)'],
    ['p_notifications (tenant_id, status, expired_at)', 'CREATE INDEX ON p_notifications (tenant_id, status, expired_at)'],
    ['p_attempts primary key (id, created_at)', 'ALTER TABLE p_attempts ADD PRIMARY KEY (id, created_at)'],
    ['p_attempts unique (notification_id, attempt_number, created_at)', 'CREATE UNIQUE INDEX ON p_attempts (notification_id, attempt_number, created_at)'],
    ['p_notifications -> p_events foreign key', 'ALTER TABLE p_notifications ADD FOREIGN KEY (event_id, created_at) REFERENCES p_events (id, created_at)'],
    ['p_notifications -> webhooks foreign key', 'ALTER TABLE p_notifications ADD FOREIGN KEY (webhook_id) REFERENCES webhooks (id)'],
    [
      'p_attempts -> p_notifications foreign key',
      'ALTER TABLE p_attempts ADD FOREIGN KEY (notification_id, created_at) REFERENCES p_notifications (id, created_at) ON DELETE CASCADE',
    ],
  ].filter(([what]) => fks || !what.includes('foreign key'));
  for (const [what, sql] of ddl) await timed(db, what.replace(/\bp_/g, `${prefix}_`), sql.replace(/\bp_/g, `${prefix}_`));
  // the same counters as the plain table (statement triggers with transition tables on the partitioned parent)
  await db.query(
    `
    CREATE TRIGGER p_notifications_count_insert AFTER INSERT ON p_notifications
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hookrelay_count_notifications();
    CREATE TRIGGER p_notifications_count_update AFTER UPDATE ON p_notifications
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hookrelay_count_notifications();`.replace(
      /\bp_/g,
      `${prefix}_`,
    ),
  );
  await timed(db, 'VACUUM ANALYZE of the copy', `VACUUM ANALYZE ${prefix}_events, ${prefix}_notifications, ${prefix}_attempts`);
  return parts;
}

/** Bytes of the plain tables (prefix null), or of a partitioned copy (every partition with its indexes and TOAST). */
export async function totalBytes(db, prefix) {
  const sql = prefix
    ? `SELECT coalesce(sum(pg_total_relation_size(relid)), 0) AS b FROM (
         SELECT relid FROM pg_partition_tree('${prefix}_events') UNION ALL SELECT relid FROM pg_partition_tree('${prefix}_notifications')
         UNION ALL SELECT relid FROM pg_partition_tree('${prefix}_attempts')) t`
    : `SELECT pg_total_relation_size('events') + pg_total_relation_size('notifications') + pg_total_relation_size('attempts') AS b`;
  return Number((await db.query(sql)).rows[0].b);
}

/** Bytes the free space maps offer for reuse in the plain tables and their indexes (after VACUUM). */
export async function freeBytes(db) {
  const { rows } = await db.query(
    `SELECT coalesce(sum(f.avail), 0) AS b FROM pg_class c, LATERAL pg_freespace(c.oid) f
     WHERE c.oid IN (SELECT oid FROM pg_class WHERE relname IN ('events', 'notifications', 'attempts')
                     UNION SELECT indexrelid FROM pg_index WHERE indrelid IN ('events'::regclass, 'notifications'::regclass, 'attempts'::regclass))`,
  );
  return Number(rows[0].b);
}
