#!/usr/bin/env node
// Batched deletes or time partitions? Measured on one seeded history:
//
//   node bench/partitioning.mjs [--notifications=10000000] [--delete-share=0.1]
//     [--insert-rate=50] [--before-seconds=10] [--after-seconds=3]
//     [--detach=concurrently|plain] [--keep]
//
// Seeds N notifications with their events and attempts (bench/scale/seed.mjs,
// over 30 days), copies them into two natively partitioned twins (one
// partition per UTC day, bench/partitioning/schema.mjs; p_* keeps the
// foreign keys, q_* has none), then removes the oldest --delete-share of
// the history from each: from the plain tables with the retention
// sweeper's batched deletes (the workers' code), from the twins by
// detaching and dropping their oldest day partitions. All use the same
// cutoff (a day boundary). For each: time taken, WAL written, the latency of inserts
// going on meanwhile (--insert-rate fan-out statements per second, before
// vs during), and the space given back to the file system or left for
// reuse. Writes bench/results/partitioning-<time>.json. The decision and
// the figures: docs/operations.md, "Batched deletes or partitions".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { migrateDatabase } from '../prisma/migrate.mjs';
import { ADMIN_DB_URL, resultsDir } from './harness/options.mjs';
import { withPg } from './harness/pg.mjs';
import { machine } from './harness/report.mjs';
import { cleanup, installSignalHandlers, onCleanup } from './harness/stack.mjs';
import { percentile, round } from './harness/stats.mjs';
import { startInserter } from './partitioning/inserter.mjs';
import { batchedDelete, dropPartitions } from './partitioning/methods.mjs';
import { createPartitionedCopy, freeBytes, totalBytes } from './partitioning/schema.mjs';
import { S, SIDES, log } from './scale/options.mjs';
import { freeDiskBytes, seedHistory } from './scale/seed.mjs';
import { freeSpaceMapAvailable } from './scale/sizes.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => Number(argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def);
const SHARE = opt('delete-share', 0.1);
const INSERT_RATE = opt('insert-rate', 50);
const BEFORE_S = opt('before-seconds', 10);
const AFTER_S = opt('after-seconds', 3);
const KEEP = argv.includes('--keep');
const DETACH = argv.find((x) => x.startsWith('--detach='))?.slice(9) ?? 'concurrently';
const TWINS = [
  { key: 'drop_partitions', prefix: 'p', fks: true, label: 'drop partitions' },
  { key: 'drop_partitions_no_fk', prefix: 'q', fks: false, label: 'same, no FKs' },
];
const DB = SIDES.history; // one database: the plain tables and their partitioned twin
const mib = (b) => round(b / 2 ** 20, 1);

async function lsn(db) {
  return (await db.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
}
async function walBetween(db, a, b) {
  return Number((await db.query('SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn) AS d', [a, b])).rows[0].d);
}

const latency = (samples) => {
  const s = samples.map((x) => x.ms).sort((a, b) => a - b);
  return { inserts: s.length, p50_ms: round(percentile(s, 50), 1), p99_ms: round(percentile(s, 99), 1), max_ms: round(s[s.length - 1] ?? null, 1) };
};

/** Inserts at INSERT_RATE for BEFORE_S, then `remove()` with the inserts going on, then AFTER_S more. */
async function measure(db, { prefix, webhookIds, remove }) {
  const bytesBefore = await totalBytes(db, prefix);
  const ins = await startInserter(DB.url, { prefix, rate: INSERT_RATE, webhookIds });
  await sleep(1000); // connections up
  const b0 = Date.now();
  const l0 = await lsn(db);
  await sleep(BEFORE_S * 1000);
  const l1 = await lsn(db);
  const m0 = Date.now();
  const removed = await remove();
  const m1 = Date.now();
  const l2 = await lsn(db);
  await sleep(AFTER_S * 1000);
  const { samples, errors, firstError } = await ins.stop();
  // WAL is server-wide: what the inserts (and anyone else) wrote before the removal, per ms, is subtracted from the removal's
  const baselinePerMs = (await walBetween(db, l0, l1)) / (m0 - b0);
  const wal = await walBetween(db, l1, l2);
  return {
    removed,
    duration_s: round((m1 - m0) / 1000, 2),
    wal_mib: mib(wal),
    wal_net_mib: mib(Math.max(0, wal - baselinePerMs * (m1 - m0))),
    wal_baseline_mib_per_s: mib(baselinePerMs * 1000),
    insert_before: latency(samples.filter((x) => x.at >= b0 && x.at < m0)),
    insert_during: latency(samples.filter((x) => x.at >= m0 && x.at <= m1)),
    insert_errors: errors,
    insert_first_error: firstError,
    mib_before: mib(bytesBefore),
    mib_after: mib(await totalBytes(db, prefix)),
  };
}

async function main() {
  const start = Date.now();
  log(
    `partitioning: ${S.notifications.toLocaleString()} notifications over ${S.historyDays} days, removing the oldest ${SHARE * 100} % both ways; database ${DB.db}`,
  );
  await withPg(ADMIN_DB_URL, (c) => c.query(`CREATE DATABASE "${DB.db}"`));
  onCleanup(async () => {
    if (KEEP) return log(`kept database ${DB.db}`);
    await withPg(ADMIN_DB_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${DB.db}" WITH (FORCE)`));
  });
  await migrateDatabase(DB.url);
  const db = new pg.Client({ connectionString: DB.url });
  await db.connect();
  try {
    // the twins triple the seed's footprint
    const free = await freeDiskBytes(db);
    const need = 3 * S.notifications * S.bytesPerNotification + 2 * 2 ** 30;
    if (free !== null && free < need && !S.skipDiskCheck)
      throw new Error(`not enough disk: ${(free / 2 ** 30).toFixed(1)} GiB free, about ${(need / 2 ** 30).toFixed(1)} GiB needed`);
    const seed = await seedHistory(db);
    let parts;
    for (const twin of TWINS) parts = await createPartitionedCopy(db, twin.prefix, twin.fks);
    const { rows } = await db.query('SELECT min(created_at) AS lo FROM events');
    const lo = rows[0].lo.getTime();
    // the first day boundary past the oldest SHARE of the history: both methods remove exactly created_at < cutoff
    const cutoff = parts.find((p) => p.from.getTime() >= lo + SHARE * (Date.now() - lo))?.from;
    if (!cutoff) throw new Error('--delete-share too large');
    const webhookIds = (await db.query('SELECT id::text FROM webhooks')).rows.map((r) => r.id);
    await freeSpaceMapAvailable(db);
    log(`cutoff ${cutoff.toISOString()}`);

    log('batched deletes (RetentionSweeper.sweep) on the plain tables');
    const deletes = await measure(db, { prefix: null, webhookIds, remove: () => batchedDelete(DB.url, cutoff) });
    const l0 = await lsn(db);
    const t = Date.now();
    await db.query('VACUUM events, notifications, attempts');
    deletes.vacuum_s = round((Date.now() - t) / 1000, 2);
    deletes.vacuum_wal_mib = mib(await walBetween(db, l0, await lsn(db)));
    deletes.mib_after_vacuum = mib(await totalBytes(db, null));
    deletes.mib_free_for_reuse = mib(await freeBytes(db));

    const drops = {};
    for (const twin of TWINS) {
      log(`detaching (${DETACH}) and dropping day partitions of ${twin.prefix}_*${twin.fks ? '' : ' (no foreign keys)'}`);
      const m = await measure(db, {
        prefix: twin.prefix,
        webhookIds,
        remove: () => dropPartitions(db, { prefix: twin.prefix, parts, cutoff, detach: DETACH }),
      });
      drops[twin.key] = m;
    }

    const result = {
      date: new Date().toISOString(),
      machine: machine(),
      load_average: os.loadavg().map((x) => round(x, 2)),
      notifications: S.notifications,
      delete_share: SHARE,
      cutoff: cutoff.toISOString(),
      insert_rate_per_s: INSERT_RATE,
      seed,
      detach: DETACH,
      batched_delete: deletes,
      ...drops,
      total_s: round((Date.now() - start) / 1000),
    };
    const file = path.join(resultsDir, `partitioning-${result.date.replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    const ms = [deletes, ...TWINS.map((t) => drops[t.key])];
    const row = (label, f) => console.log(`${label.padEnd(34)}${ms.map((m) => String(f(m)).padStart(18)).join('')}`);
    console.log(`\n${''.padEnd(34)}${['batched delete', ...TWINS.map((t) => t.label)].map((l) => l.padStart(18)).join('')}`);
    row('notifications removed', (m) => m.removed.notifications ?? m.removed.rows.notifications);
    row('time (s)', (m) => m.duration_s);
    row('WAL (MiB, net of baseline)', (m) => m.wal_net_mib);
    row('insert p50 before / during (ms)', (m) => `${m.insert_before.p50_ms} / ${m.insert_during.p50_ms}`);
    row('insert p99 before / during (ms)', (m) => `${m.insert_before.p99_ms} / ${m.insert_during.p99_ms}`);
    row('insert errors', (m) => m.insert_errors);
    row('size before -> after (MiB)', (m) => `${m.mib_before} -> ${m.mib_after}`);
    console.log(
      `batched delete, then VACUUM (${deletes.vacuum_s} s, ${deletes.vacuum_wal_mib} MiB WAL): ${deletes.mib_after_vacuum} MiB on disk, ${deletes.mib_free_for_reuse} MiB free for reuse`,
    );
    for (const t of TWINS) {
      const r = drops[t.key].removed;
      console.log(
        `${t.label}: ${r.partitions} days, ${r.pending_lost} PENDING notifications dropped with them; counters ${r.counters_ms} ms, DDL ${r.ddl_ms} ms; retried after ${r.retries.deadlock} deadlocks, ${r.retries.lock_timeout} lock timeouts${drops[t.key].insert_first_error ? `; first insert error: ${drops[t.key].insert_first_error}` : ''}`,
      );
    }
    console.log(`load average ${result.load_average.join(' ')}`);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await db.end().catch(() => undefined);
  }
}

installSignalHandlers();
try {
  await main();
  await cleanup();
  process.exit(0);
} catch (error) {
  console.error(`partitioning bench failed: ${error.stack ?? error}`);
  await cleanup();
  process.exit(1);
}
