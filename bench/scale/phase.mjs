// The scale phase: a history database seeded with S.notifications and an
// empty one, both migrated; the listed reads on the history; ingest and
// delivery throughput alternated between the two; one retention sweep on
// the history with its effect on delivery latency; sizes. Writes
// bench/results/scale-<time>.json and prints the PASS/FAIL lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { migrateDatabase } from '../../prisma/migrate.mjs';
import { ADMIN_DB_URL, REDIS_URL, resultsDir } from '../harness/options.mjs';
import { stopChild } from '../harness/processes.mjs';
import { ensureReceiver } from '../harness/receiver-client.mjs';
import { machine } from '../harness/report.mjs';
import { withPg } from '../harness/pg.mjs';
import { round } from '../harness/stats.mjs';
import { LIVE_FANOUT, S, SIDES, TENANT, log } from './options.mjs';
import { compareSides } from './live.mjs';
import { READ_P99_TARGET_MS, timeReads } from './reads.mjs';
import { seedHistory } from './seed.mjs';
import { printSizes, tableSizes } from './sizes.mjs';
import { startSide, stopSide } from './stack.mjs';
import { SWEEP_P99_RAISE_TARGET_MS, sweepPhase } from './sweep.mjs';

const sides = [SIDES.empty, SIDES.history];

let cleaning;
/** Stops the scale phase's processes, deletes its Redis keys, drops its databases (the history is kept with --keep). */
export function scaleCleanup() {
  cleaning ??= (async () => {
    await Promise.all(sides.map((s) => Promise.all([s.worker, s.api].filter(Boolean).map((c) => stopChild(c, 10_000).catch(() => undefined)))));
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    try {
      for (const side of sides) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${side.prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.unlink(...keys);
        } while (cursor !== '0');
      }
    } catch (e) {
      log(`could not delete Redis keys: ${e.message}`);
    } finally {
      redis.disconnect();
    }
    for (const side of sides) {
      if ((S.keep || S.reuse) && side === SIDES.history) {
        log(`kept database ${side.db}`);
        continue;
      }
      if (S.readsOnly && side === SIDES.empty) continue;
      await withPg(ADMIN_DB_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${side.db}" WITH (FORCE)`)).catch((e) => log(`drop ${side.db}: ${e.message}`));
    }
  })();
  return cleaning;
}

function targets(result) {
  const t = [];
  for (const r of result.reads) t.push({ label: `${r.read} p99 (ms)`, figure: r.p99_ms, target: `< ${READ_P99_TARGET_MS}`, result: r.result });
  const c = result.comparison;
  if (!c) return t; // --reads-only
  t.push({
    label: 'delivery throughput, history / empty',
    figure: c.throughput_ratio,
    target: '>= 0.85',
    result: c.throughput_ratio >= 0.85 ? 'PASS' : 'FAIL',
  });
  t.push({
    label: 'ingest p99, history / empty',
    figure: c.ingest_p99_ratio,
    target: '<= 1.15',
    result: c.ingest_p99_ratio !== null && c.ingest_p99_ratio <= 1.15 ? 'PASS' : 'FAIL',
  });
  const sw = result.sweep;
  if (!sw) return t; // --no-sweep
  t.push({
    label: `delivery p99 raise during the sweep (ms; ${sw.deleted.notifications.toLocaleString()} notifications deleted)`,
    figure: sw.p99_raise_ms,
    target: `< ${SWEEP_P99_RAISE_TARGET_MS}`,
    result: sw.result,
  });
  return t;
}

function write(result) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `scale-${result.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const c = result.comparison;
  console.log('');
  console.log(
    `scale: ${S.notifications.toLocaleString()} notifications of history, ${S.webhooks} webhooks; ${S.readers} readers; load average ${result.load_average_start.join(' ')} -> ${result.load_average_end.join(' ')} on ${result.machine.cpus} cores`,
  );
  if (c) {
    console.log(`           ${'empty'.padStart(10)} ${'history'.padStart(10)}`);
    const row = (label, k) => console.log(`${label.padEnd(10)} ${String(c.empty[k]).padStart(10)} ${String(c.history[k]).padStart(10)}`);
    row('deliv/s', 'deliveries_per_s');
    row('ingest p50', 'ingest_p50_ms');
    row('ingest p99', 'ingest_p99_ms');
  }
  for (const t of result.targets) console.log(`${t.result.padEnd(6)}${t.label}: ${t.figure} (target ${t.target})`);
  console.log(`wrote ${path.relative(process.cwd(), file)} (${result.total_s.toFixed(0)} s)`);
}

/**
 * A rough total before starting, from the 2-core test machine under other
 * users' load: seeding (rows, index builds, VACUUM) about 90 s per million
 * notifications, the sweep about 8,000 notifications per second; the seed
 * logs a measured estimate after its first chunk.
 */
function estimateMinutes() {
  const seed = (S.notifications / 1e6) * 90;
  const reads = 9 * (S.requests / S.readers + 60) * Math.max(0.3, S.notifications / 3e6);
  const compare = S.rounds * 2 * (S.ingestSeconds + 25) + 60;
  const sweep = S.beforeSeconds + (Math.max(0, 1 - S.retentionDays / S.historyDays) * S.notifications) / 8000 + 60;
  return { seed: seed / 60, total: (seed + reads + compare + sweep + 60) / 60 };
}

export async function runScale() {
  const start = Date.now();
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    load_average_start: os.loadavg().map((x) => round(x, 2)),
    options: { ...S, live_fanout: LIVE_FANOUT },
  };
  log(
    `history: ${S.notifications.toLocaleString()} notifications (${S.events.toLocaleString()} events, fan-out ${S.fanout}, ${S.webhooks} webhooks) over ${S.historyDays} days in ${SIDES.history.db}; empty: ${SIDES.empty.db}`,
  );
  const est = estimateMinutes();
  log(`rough estimate: ${est.total.toFixed(0)} min in all, ${est.seed.toFixed(0)} of them seeding (a measured estimate follows the first chunk)`);
  for (const side of sides) {
    if ((S.reuse && side === SIDES.history) || (S.readsOnly && side === SIDES.empty)) continue;
    await withPg(ADMIN_DB_URL, (c) => c.query(`CREATE DATABASE "${side.db}"`));
    await migrateDatabase(side.url);
  }
  const db = new pg.Client({ connectionString: SIDES.history.url });
  await db.connect();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    if (S.reuse) {
      await migrateDatabase(SIDES.history.url); // the migrations of this checkout, when it has newer ones
      // the live webhooks of the earlier run would double this run's fan-out: gone, as a DELETE leaves them
      await db.query(`UPDATE webhooks SET is_enabled = false, deleted_at = now() WHERE tenant_id = $1 AND deleted_at IS NULL AND url NOT LIKE '%.invalid/%'`, [
        TENANT,
      ]);
      await db.query('ANALYZE');
    } else result.seed = await seedHistory(db);
    result.sizes_seeded = await tableSizes(db);
    printSizes(S.reuse ? `sizes of ${S.reuse}` : 'sizes after seeding', result.sizes_seeded);

    await ensureReceiver();
    await startSide(SIDES.history, redis);
    log('reads on the history (8 readers, then one)');
    result.reads = await timeReads(SIDES.history, db);
    if (S.readsOnly) return finish(result, start);

    await startSide(SIDES.empty, redis);
    log(`empty vs history, ${S.rounds} round(s): ingest ${S.ingestRate}/s for ${S.ingestSeconds} s, then ${S.deliveries} deliveries at once`);
    result.comparison = await compareSides(sides);
    await stopSide(SIDES.empty);

    if (!S.noSweep) result.sweep = await sweepPhase(SIDES.history, db, redis);
  } finally {
    redis.disconnect();
    await db.end().catch(() => undefined);
  }
  return finish(result, start);
}

function finish(result, start) {
  result.load_average_end = os.loadavg().map((x) => round(x, 2));
  result.targets = targets(result);
  result.total_s = (Date.now() - start) / 1000;
  write(result);
  return result;
}
