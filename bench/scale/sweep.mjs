// One retention sweep on the history database, run by the history side's
// worker exactly as in production (its own timer, the Redis lease, the
// batches of packages/worker/src/retention-sweeper.ts), while events are
// published at a fixed rate to one webhook: delivery latency before the
// sweep and during it, the sweep's duration and rows (from the worker's
// /metrics), WAL written, and the tables' sizes before, after, and after
// VACUUM.
import { setTimeout as sleep } from 'node:timers/promises';
import { receiverLatencies, receiverReset } from '../harness/receiver-client.mjs';
import { percentile, round } from '../harness/stats.mjs';
import { S, TENANT, TYPES, log } from './options.mjs';
import { freeSpaceMapAvailable, printSizes, tableSizes } from './sizes.mjs';
import { BENCH_HOLD, call, leaseKey, workerMetrics } from './stack.mjs';
import { fixedRate, waitDelivered } from './live.mjs';

export const SWEEP_P99_RAISE_TARGET_MS = 50;

const summary = (lat) => {
  const s = lat.slice().sort((a, b) => a - b);
  return { deliveries: s.length, p50_ms: round(percentile(s, 50), 1), p99_ms: round(percentile(s, 99), 1), max_ms: round(s[s.length - 1] ?? null, 1) };
};

/** What the sweep should delete: events older than the cutoff (with their notifications), counted before it runs. */
async function oldRows(db, cutoff) {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM events WHERE created_at < $1)::bigint AS events,
            (SELECT count(*) FROM notifications WHERE tenant_id = $2 AND created_at < $1)::bigint AS notifications`,
    [cutoff, TENANT],
  );
  return { events: Number(rows[0].events), notifications: Number(rows[0].notifications) };
}

const walLsn = async (db) => (await db.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
const walDiff = async (db, from) => Number((await db.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS d', [from])).rows[0].d);

/** Lets the worker sweep (deletes the bench's hold on the lease) and waits for the sweep's end in its /metrics. */
async function sweepOnce(side, redis) {
  const done = (m) => (m['hookrelay_retention_sweeps_total{result="completed"}'] ?? 0) + (m['hookrelay_retention_sweeps_total{result="failed"}'] ?? 0);
  const before = done(await workerMetrics(side));
  const released = Date.now();
  await redis.del(leaseKey(side));
  let started = null;
  const deadline = released + S.sweepMaxSeconds * 1000;
  for (;;) {
    if (!started) {
      const v = await redis.get(leaseKey(side));
      if (v && v !== BENCH_HOLD) started = Date.now();
    }
    const m = await workerMetrics(side);
    if (done(m) > before) return { metrics: m, started: started ?? released, ended: Date.now(), released };
    if (Date.now() > deadline) throw new Error(`the sweep did not end within ${S.sweepMaxSeconds} s`);
    await sleep(250);
  }
}

export async function sweepPhase(side, db, redis) {
  const cutoff = new Date(Date.now() - S.retentionDays * 86_400_000);
  const old = await oldRows(db, cutoff);
  const withFree = await freeSpaceMapAvailable(db);
  const sizesBefore = await tableSizes(db, { withFree });
  printSizes('sizes before the sweep', sizesBefore);
  log(
    `sweep: RETENTION_DAYS ${S.retentionDays}, cutoff ${cutoff.toISOString()}: ${old.events.toLocaleString()} events and ${old.notifications.toLocaleString()} notifications are older`,
  );

  // delivery latency at S.sweepRate: S.beforeSeconds before the sweep, then for as long as it runs
  const accept = `/sw-${side.name}/`;
  await receiverReset(accept);
  let stop = false;
  const publishing = fixedRate({
    rate: S.sweepRate,
    seconds: S.beforeSeconds + S.sweepMaxSeconds + 60,
    publish: (seq) => call(side, 'POST', '/v1/events', { tenant: TENANT, type: TYPES.sweep, resource: { seq, sent_at: Date.now() } }),
    shouldStop: () => stop,
  });
  await sleep(S.beforeSeconds * 1000);
  const latBefore = await receiverLatencies();
  await receiverReset(accept);
  const lsn = await walLsn(db);
  let run;
  try {
    run = await sweepOnce(side, redis);
  } finally {
    stop = true;
  }
  const walBytes = await walDiff(db, lsn);
  const pub = await publishing;
  await waitDelivered(pub.accepted - latBefore.length, 30_000);
  const latDuring = await receiverLatencies();

  const m = run.metrics;
  const deleted = Object.fromEntries(['events', 'notifications', 'attempts'].map((t) => [t, m[`hookrelay_retention_deleted_rows_total{table="${t}"}`] ?? 0]));
  const durationS = m.hookrelay_retention_sweep_duration_seconds_sum ?? null;
  const before = summary(latBefore);
  const during = summary(latDuring);
  const raise = typeof during.p99_ms === 'number' && typeof before.p99_ms === 'number' ? round(during.p99_ms - before.p99_ms, 1) : null;
  log(
    `sweep: ${durationS?.toFixed(1)} s (worker's figure), deleted ${deleted.events.toLocaleString()} events, ${deleted.notifications.toLocaleString()} notifications, ${deleted.attempts.toLocaleString()} attempts; WAL ${(walBytes / 2 ** 20).toFixed(0)} MiB (server-wide)`,
  );
  log(
    `delivery latency @${S.sweepRate}/s: before p50 ${before.p50_ms} p99 ${before.p99_ms} ms (${before.deliveries}); during p50 ${during.p50_ms} p99 ${during.p99_ms} ms (${during.deliveries}); p99 raised by ${raise} ms`,
  );

  const sizesAfter = await tableSizes(db, { withFree });
  printSizes('sizes right after the sweep', sizesAfter);
  const t = Date.now();
  await db.query('VACUUM events, notifications, attempts');
  const vacuumMs = Date.now() - t;
  // b-tree pages emptied by one VACUUM reach the free space map at the next one (as autovacuum's next pass would)
  await db.query('VACUUM events, notifications, attempts');
  const sizesVacuumed = await tableSizes(db, { withFree });
  printSizes(
    `sizes after VACUUM (${(vacuumMs / 1000).toFixed(1)} s) and a second one: the *_free_mib columns are space Postgres reuses for new rows`,
    sizesVacuumed,
  );

  return {
    retention_days: S.retentionDays,
    cutoff: cutoff.toISOString(),
    older_than_cutoff: old,
    duration_s: durationS === null ? null : round(durationS, 2),
    // from deleting the bench's hold on the lease to the end seen in /metrics (includes the worker noticing, at most ~1 s)
    observed_s: round((run.ended - run.released) / 1000, 2),
    deleted,
    wal_mib_server_wide: round(walBytes / 2 ** 20, 1),
    delivery_rate_per_s: S.sweepRate,
    delivery_before: before,
    delivery_during: during,
    p99_raise_ms: raise,
    result: raise !== null && raise < SWEEP_P99_RAISE_TARGET_MS && pub.failed === 0 ? 'PASS' : 'FAIL',
    publish_failed: pub.failed,
    publish_first_error: pub.firstError,
    sizes_before: sizesBefore,
    sizes_after: sizesAfter,
    sizes_after_vacuum: sizesVacuumed,
    vacuum_ms: vacuumMs,
  };
}
