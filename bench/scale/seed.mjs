// Seeds one tenant with a large history straight through SQL: webhooks,
// then events, notifications and attempts in chunks (generate_series, one
// statement per table and chunk), logging progress and an estimate of the
// time left; checks the disk first and again after the first chunk.
import fs from 'node:fs';
import path from 'node:path';
import { S, TENANT, log } from './options.mjs';

/** events per chunk: about half a million notifications each, so that progress shows at 10 M */
const CHUNK_EVENTS = Math.max(1, Math.floor(500_000 / S.fanout));

const gib = (b) => `${(b / 2 ** 30).toFixed(1)} GiB`;
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;

/** Free bytes where the server keeps its data, when the server is on this machine and the path is visible; else null. */
export async function freeDiskBytes(db) {
  if (!['127.0.0.1', 'localhost', '::1'].includes(db.host)) return null;
  let dir = (await db.query('SHOW data_directory')).rows[0].data_directory;
  for (;;) {
    try {
      const st = fs.statfsSync(dir);
      return Number(st.bavail) * Number(st.bsize);
    } catch {
      if (dir === path.dirname(dir)) return null;
      dir = path.dirname(dir); // the data directory itself is usually not readable by us; its file system is the same
    }
  }
}

/** Refuses to start when the seeded history (estimated per notification) would not fit with a 2 GiB margin. */
async function checkDisk(db, bytesPerNotification, what) {
  const free = await freeDiskBytes(db);
  const need = S.notifications * bytesPerNotification + 2 * 2 ** 30;
  if (free === null) {
    log(`disk: cannot see the server's free space; the seed needs about ${gib(need)} (${what})`);
    return;
  }
  log(`disk: ${gib(free)} free, the seed needs about ${gib(need)} (${what})`);
  if (free < need && !S.skipDiskCheck)
    throw new Error(
      `not enough disk for ${S.notifications.toLocaleString()} notifications: ${gib(free)} free, about ${gib(need)} needed (--skip-disk-check to try anyway)`,
    );
}

/** Webhooks k = 0..WEBHOOKS-1 (uuid u('w' || k)), subscribed to CARD.*; their URLs never resolve (.invalid). */
async function seedWebhooks(db) {
  await db.query(`INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING`, [TENANT]);
  await db.query(
    `INSERT INTO webhooks (id, tenant_id, url, enabled_events, is_enabled, secret, created_at)
     SELECT pg_temp.u('w' || k), $1, 'https://hooks.example.invalid/' || k, '{CARD.*}', true, 'whsec_' || md5('s' || k),
            now() - interval '40 days' + k * interval '1 second'
     FROM generate_series(0, $2 - 1) k`,
    [TENANT, S.webhooks],
  );
}

/**
 * Events a..b: event g was created at now - days * (1 - g/EVENTS), oldest
 * first, the last one now (`base`, one instant for the whole seed, so that
 * notifications share their event's created_at as a fan-out's do). Each fans out to FANOUT webhooks with status
 * shares 94 % SUCCEEDED (one attempt), 4 % EXPIRED (three), 1 % CANCELLED
 * (none), 1 % PENDING (one failed attempt, retried in 6 to 30 hours: beyond
 * the reconciler's horizon, so a worker never sends them). Notifications
 * and attempts go in one statement (the attempts from the notifications'
 * RETURNING), so no lookup is needed.
 */
async function seedChunk(db, a, b, base) {
  await db.query(
    `INSERT INTO events (id, tenant_id, type, resource, event_time, created_at)
     SELECT pg_temp.u('e' || g), $1, 'CARD.CREATED', '{"id":"card_' || g || '","status":"ACTIVE"}', ts, ts
     FROM generate_series($2::int, $3::int) g,
          LATERAL (SELECT $6::timestamptz - $5::int * interval '1 day' * (1 - g::float8 / $4) AS ts) t`,
    [TENANT, a, b, S.events, S.historyDays, base],
  );
  await db.query(
    `WITH n AS (
       INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, status, attempt_count, cycle_attempts, next_attempt_at,
                                  last_status_code, created_at, updated_at, delivered_at, expired_at, cancelled_at)
       SELECT pg_temp.u('n' || g || '-' || k), $1, pg_temp.u('e' || g), pg_temp.u('w' || ((g * $5 + k) % $6)), 'CARD.CREATED', s.status,
              s.attempts, s.attempts,
              CASE WHEN s.status = 'PENDING' THEN now() + interval '6 hours' + r * interval '1 day' END,
              CASE s.status WHEN 'SUCCEEDED' THEN 200 WHEN 'EXPIRED' THEN 503 WHEN 'PENDING' THEN 500 END,
              ts, CASE WHEN s.status = 'PENDING' THEN now() - r * interval '1 hour' ELSE ts + interval '2 seconds' END,
              CASE WHEN s.status = 'SUCCEEDED' THEN ts + interval '2 seconds' END,
              CASE WHEN s.status = 'EXPIRED' THEN ts + interval '2 seconds' END,
              CASE WHEN s.status = 'CANCELLED' THEN ts + interval '2 seconds' END
       FROM generate_series($2::int, $3::int) g
       CROSS JOIN generate_series(0, $5 - 1) k
       CROSS JOIN LATERAL (SELECT $8::timestamptz - $7::int * interval '1 day' * (1 - g::float8 / $4) AS ts, random() AS r) t
       CROSS JOIN LATERAL (SELECT (CASE WHEN r < 0.94 THEN 'SUCCEEDED' WHEN r < 0.98 THEN 'EXPIRED' WHEN r < 0.99 THEN 'CANCELLED' ELSE 'PENDING' END)::"NotificationStatus" AS status,
                                  (CASE WHEN r < 0.94 THEN 1 WHEN r < 0.98 THEN 3 WHEN r < 0.99 THEN 0 ELSE 1 END) AS attempts) s
       RETURNING id, created_at, attempt_count, last_status_code)
     INSERT INTO attempts (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, response_body, error, trigger)
     SELECT gen_random_uuid(), n.id, i, n.created_at + i * interval '1 second', 40 + (i * 7) % 50, n.last_status_code,
            CASE WHEN n.last_status_code = 200 THEN 'ok' ELSE 'upstream unavailable' END, NULL, 'schedule'
     FROM n CROSS JOIN LATERAL generate_series(1, n.attempt_count) i`,
    [TENANT, a, b, S.events, S.fanout, S.webhooks, S.historyDays, base],
  );
}

/**
 * The secondary indexes of the history tables (those not backing a primary
 * key: foreign keys and the seed's own inserts need those), dropped so that
 * the seed appends to heaps only; returned to be built again afterwards.
 */
async function dropSecondaryIndexes(db) {
  const { rows } = await db.query(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
     WHERE t.relname IN ('events', 'notifications', 'attempts') AND t.relnamespace = 'public'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  for (const r of rows) await db.query(`DROP INDEX ${r.name}`);
  return rows;
}

async function buildIndexes(db, indexes) {
  await db.query(`SET maintenance_work_mem = '512MB'`);
  const start = Date.now();
  for (const { name, def } of indexes) {
    const t = Date.now();
    await db.query(def);
    log(`built ${name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  return Date.now() - start;
}

/**
 * The /v1/stats health rollups the attempts trigger would have kept (it is
 * off while seeding): the last 48 hours of attempts (older buckets are
 * pruned by the sweep) per webhook and 15-minute bucket, and each webhook's
 * latest attempt, in shard 0.
 */
async function seedRollups(db) {
  const t = Date.now();
  await db.query(
    `INSERT INTO attempt_rollups (tenant_id, webhook_id, bucket, shard, attempts, succeeded, duration_ms_sum)
     SELECT n.tenant_id, n.webhook_id, to_timestamp(floor(extract(epoch FROM a.attempted_at) / 900) * 900), 0,
            count(*), count(*) FILTER (WHERE a.status_code BETWEEN 200 AND 299), coalesce(sum(a.duration_ms), 0)
     FROM attempts a JOIN notifications n ON n.id = a.notification_id
     WHERE a.attempted_at >= now() - interval '48 hours'
     GROUP BY 1, 2, 3`,
  );
  await db.query(
    `INSERT INTO webhook_last_attempts (webhook_id, shard, attempted_at, attempt_number, status_code, error)
     SELECT DISTINCT ON (n.webhook_id) n.webhook_id, 0, a.attempted_at, a.attempt_number, a.status_code, a.error
     FROM attempts a JOIN notifications n ON n.id = a.notification_id
     WHERE a.attempted_at >= now() - interval '48 hours'
     ORDER BY n.webhook_id, a.attempted_at DESC, a.attempt_number DESC`,
  );
  log(`attempt rollups of the last 48 hours in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/** Seeds the history into `db` (a connected pg.Client on a migrated, empty database); returns the figures. */
export async function seedHistory(db) {
  await checkDisk(db, S.bytesPerNotification, 'estimate');
  // deterministic version-4 uuids from a text, so that rows can name their event and webhook without a lookup
  await db.query(`CREATE FUNCTION pg_temp.u(t text) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT overlay(overlay(md5(t) PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid $$`);
  await seedWebhooks(db);
  const deferred = S.seedIndexes === 'rebuild' ? await dropSecondaryIndexes(db) : [];
  // no triggers while seeding: the rows are consistent by construction, so the
  // per-row foreign key checks are skipped, and the counters are filled once at the end
  await db.query(`SET session_replication_role = replica`);
  const chunks = Math.ceil(S.events / CHUNK_EVENTS);
  const size0 = Number((await db.query('SELECT pg_database_size(current_database()) AS s')).rows[0].s);
  const start = Date.now();
  const base = new Date();
  for (let i = 0, a = 1; a <= S.events; i++, a += CHUNK_EVENTS) {
    const b = Math.min(S.events, a + CHUNK_EVENTS - 1);
    const t = Date.now();
    await seedChunk(db, a, b, base);
    const done = b * S.fanout;
    const elapsed = Date.now() - start;
    const left = (elapsed / b) * (S.events - b);
    log(
      `seeded chunk ${i + 1}/${chunks}: ${done.toLocaleString()} of ${S.notifications.toLocaleString()} notifications (${Date.now() - t} ms; about ${minutes(left)} left, plus ${deferred.length ? 'index builds and ' : ''}VACUUM)`,
    );
    if (i === 0 && chunks > 1) {
      const grown = Number((await db.query('SELECT pg_database_size(current_database()) AS s')).rows[0].s) - size0;
      const perNotification = Math.ceil(grown / done);
      log(
        `seed estimate: ${perNotification} B and ${(((elapsed / done) * 1e6) / 1000).toFixed(0)} s per million notifications so far; about ${minutes((elapsed / b) * S.events)} to seed in all`,
      );
      // without their secondary indexes so far, the tables are about 40 % of their final size (indexes 1.5 x the heaps)
      const factor = deferred.length ? 2.5 * 1.3 : 1.3;
      await checkDisk(
        db,
        perNotification * factor,
        `measured on the first chunk, x ${factor.toFixed(2)} for ${deferred.length ? 'the indexes and ' : ''}a margin`,
      );
    }
  }
  await db.query(`RESET session_replication_role`);
  await db.query(
    `INSERT INTO notification_counters (tenant_id, webhook_id, status, shard, count)
     SELECT tenant_id, webhook_id, status, 0, count(*) FROM notifications GROUP BY tenant_id, webhook_id, status`,
  );
  const seedMs = Date.now() - start;
  const indexMs = await buildIndexes(db, deferred);
  const t = Date.now();
  await db.query('VACUUM ANALYZE');
  const vacuumMs = Date.now() - t;
  await seedRollups(db); // after ANALYZE, so that it joins through the primary key
  await db.query('ANALYZE attempt_rollups, webhook_last_attempts'); // as autovacuum would: the stats read is planned on real figures
  log(`seeded in ${minutes(seedMs)}; ${deferred.length} indexes built in ${minutes(indexMs)}; VACUUM ANALYZE in ${(vacuumMs / 1000).toFixed(1)} s`);
  return { seed_ms: seedMs, index_build_ms: indexMs, vacuum_ms: vacuumMs, chunks, indexes: S.seedIndexes };
}
