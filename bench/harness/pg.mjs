// Postgres helpers of the bench: one-off connections to the bench database,
// commit counts, and the purge of a phase's leftovers.
import pg from 'pg';
import { Queue } from 'bullmq';
import { DATABASE_URL, QUEUE_PREFIX, REDIS_URL, log } from './options.mjs';
import { queueNames } from './redis.mjs';

export async function withPg(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Transactions committed in the bench database so far (each statement of the hot paths is one). */
export const pgCommits = () =>
  withPg(DATABASE_URL, async (c) => Number((await c.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0].xact_commit));

/**
 * WAL bytes written so far (server-wide: other databases on the server count
 * too) and transactions committed in the bench database, for per-delivery
 * figures. Differences of two readings.
 */
export const pgWrites = () =>
  withPg(DATABASE_URL, async (c) => {
    const r = await c.query(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal, xact_commit FROM pg_stat_database WHERE datname = current_database()`,
    );
    return { walBytes: Number(r.rows[0].wal), commits: Number(r.rows[0].xact_commit) };
  });

/** Notification counts by status for one tenant. */
export async function statusCounts(tenant) {
  const r = await withPg(DATABASE_URL, (c) => c.query(`SELECT status, count(*)::int AS n FROM notifications WHERE tenant_id = $1 GROUP BY status`, [tenant]));
  return Object.fromEntries(r.rows.map((row) => [row.status, row.n]));
}

/** Remove every job of the Hookrelay queues (under `prefix`) and cancel what Postgres still has PENDING (leftovers of a phase). */
export async function purgeHookrelayWork(reason, prefix = QUEUE_PREFIX) {
  // every queue Hookrelay made under the prefix (a scheduler may add its own), not the floor's
  const names = new Set(['events', 'deliveries', ...(await queueNames(prefix))]);
  names.delete('floor');
  for (const name of names) {
    const q = new Queue(name, { connection: { url: REDIS_URL }, prefix });
    await q.obliterate({ force: true }).catch((e) => log(`obliterate ${name}: ${e.message}`));
    await q.close();
  }
  const cancelled = await withPg(DATABASE_URL, (c) =>
    c.query(`UPDATE notifications SET status = 'CANCELLED', cancelled_at = now(), next_attempt_at = NULL WHERE status = 'PENDING'`),
  );
  // The purge's own dead rows would otherwise be vacuumed (and the fresh
  // tables analyzed) by autovacuum during the next measured phase: Postgres
  // took 0.5 of the 2 cores for that in the first latency phase. Settle here.
  await withPg(DATABASE_URL, (c) => c.query('VACUUM ANALYZE'));
  log(`purged queues (${reason}); cancelled ${cancelled.rowCount} pending notifications; vacuumed`);
}
