// The two ways of removing history older than a cutoff that are compared:
// the retention sweeper's batched deletes (packages/worker, the code the
// workers run) on the plain tables, and dropping whole day partitions of
// the partitioned copy (after subtracting their notifications from the
// counters, which a dropped partition does not do by itself).
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { root } from '../harness/options.mjs';
import { log } from '../scale/options.mjs';

const silent = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  trace() {},
  fatal() {},
  child() {
    return silent;
  },
};

/** RetentionSweeper.sweep with cutoff = `cutoff` (maxAgeMs = now - cutoff), on its own pool as a worker has. */
export async function batchedDelete(url, cutoff) {
  const { RetentionSweeper } = await import(pathToFileURL(path.join(root, 'packages/worker/dist/index.js')).href);
  const { Metrics } = await import(pathToFileURL(path.join(root, 'packages/delivery/dist/index.js')).href);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    const now = new Date();
    const sweeper = new RetentionSweeper(
      pool,
      null,
      { maxAgeMs: now.getTime() - cutoff.getTime(), sweepIntervalMs: 3_600_000, queuePrefix: 'partitioning' },
      silent,
      new Metrics(),
    );
    const r = await sweeper.sweep(now);
    return { events: r.events, notifications: r.notifications, attempts: r.attempts, batches: r.batches };
  } finally {
    await pool.end();
  }
}

/** Deadlock, lock timeout: the DDL lost a race with the inserts going on; it is tried again. */
const RETRYABLE = new Set(['40P01', '55P03']);

async function ddl(db, sql, out, lockTimeout) {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query(`SET lock_timeout = '${lockTimeout ?? 0}'`);
      return await db.query(sql);
    } catch (e) {
      // a concurrent detach interrupted in its second transaction leaves the partition pending: finish it
      if (/FINALIZE/.test(e.hint ?? e.message) && sql.includes(' CONCURRENTLY')) return db.query(sql.replace(' CONCURRENTLY', ' FINALIZE'));
      if (!RETRYABLE.has(e.code) || attempt >= 50) throw e;
      out.retries[e.code === '40P01' ? 'deadlock' : 'lock_timeout']++;
      await sleep(50 + Math.random() * 100);
    }
  }
}

/**
 * Every day partition that ends at or before the cutoff, oldest first: its
 * notifications are taken off the counters (a dropped partition fires no
 * DELETE trigger), then the three partitions are detached and dropped,
 * attempts first (with `fks`, Postgres refuses to drop a partition another
 * table's foreign key points at while attached, and checks on detach that
 * no row still points at it). `detach`: 'concurrently' (ALTER TABLE ...
 * DETACH PARTITION ... CONCURRENTLY, which does not block inserts) or
 * 'plain' (takes an exclusive lock on the parent). A statement that times
 * out on its lock (`lockTimeout`) or is a deadlock's victim (the inserts
 * lock the tables in the opposite order) is tried again, and counted.
 */
export async function dropPartitions(db, { prefix, parts, cutoff, detach = 'concurrently', lockTimeout = '2s' }) {
  const old = parts.filter((p) => p.to.getTime() <= cutoff.getTime());
  const out = {
    partitions: old.length,
    detach,
    rows: { events: 0, notifications: 0, attempts: 0 },
    pending_lost: 0,
    counters_ms: 0,
    ddl_ms: 0,
    retries: { deadlock: 0, lock_timeout: 0 },
  };
  const name = (t, s) => `${prefix}_${t}_${s}`;
  for (const p of old) {
    const s = p.suffix;
    const counts = await db.query(
      `SELECT (SELECT count(*) FROM ${name('events', s)})::int AS events, (SELECT count(*) FROM ${name('notifications', s)})::int AS notifications,
              (SELECT count(*) FROM ${name('attempts', s)})::int AS attempts,
              (SELECT count(*) FROM ${name('notifications', s)} WHERE status = 'PENDING')::int AS pending`,
    );
    for (const k of ['events', 'notifications', 'attempts']) out.rows[k] += counts.rows[0][k];
    // a whole day goes, PENDING work included: the batched sweep keeps such events; a partition drop cannot
    out.pending_lost += counts.rows[0].pending;
    let t = Date.now();
    await db.query(
      `INSERT INTO notification_counters AS c (tenant_id, webhook_id, status, shard, count)
       SELECT tenant_id, webhook_id, status, 0, -count(*) FROM ${name('notifications', s)} GROUP BY tenant_id, webhook_id, status
       ON CONFLICT (tenant_id, webhook_id, status, shard) DO UPDATE SET count = c.count + EXCLUDED.count`,
    );
    out.counters_ms += Date.now() - t;
    t = Date.now();
    for (const table of ['attempts', 'notifications', 'events']) {
      // a concurrent detach waits for every transaction using the parent, but blocks none; no lock timeout for it
      if (detach === 'concurrently') await ddl(db, `ALTER TABLE ${prefix}_${table} DETACH PARTITION ${name(table, s)} CONCURRENTLY`, out, null);
      else await ddl(db, `ALTER TABLE ${prefix}_${table} DETACH PARTITION ${name(table, s)}`, out, lockTimeout);
      // a detached partition with a foreign key still locks the referenced parent briefly to drop its triggers
      await ddl(db, `DROP TABLE ${name(table, s)}`, out, lockTimeout);
    }
    out.ddl_ms += Date.now() - t;
    log(`dropped day ${s}: ${counts.rows[0].notifications.toLocaleString()} notifications (${counts.rows[0].pending} PENDING among them)`);
  }
  return out;
}
