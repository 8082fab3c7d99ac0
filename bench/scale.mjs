#!/usr/bin/env node
// The `scale` phase, runnable alone: reads with a large history present.
//
//   node bench/scale.mjs [--notifications=10000000] [--webhooks=100] [--fanout=4]
//                        [--readers=8] [--requests=400] [--keep]
//
// Creates a fresh database (DATABASE_ADMIN_URL, default the local server),
// migrates it, seeds one tenant straight through SQL (generate_series, in
// chunks of about a million notifications): --webhooks webhooks, events
// that each fan out to --fanout of them, notifications with realistic
// status shares (94 % SUCCEEDED with one attempt, 4 % EXPIRED with three,
// 1 % CANCELLED without any, 1 % PENDING with one) spread over the last 30
// days. Then it starts the API (as `pnpm start:api` does) and times each
// read with --readers concurrent clients: GET /v1/stats, GET /v1/webhooks
// (first page and a later one), :search by notification id, by webhook +
// status, newest first, updated_since (the last minute), and GET
// /v1/notifications/{id}. Prints p50/p99 per read and writes
// bench/results/scale-<time>.json. Needs `pnpm build`. Drops the database
// at the end unless --keep.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrateDatabase } from '../prisma/migrate.mjs';
import { appCommand } from '../scripts/app-command.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
};
const NOTIFICATIONS = Number(opt('notifications', '10000000'));
const WEBHOOKS = Number(opt('webhooks', '100'));
const FANOUT = Math.min(WEBHOOKS, Number(opt('fanout', '4')));
const READERS = Number(opt('readers', '8'));
const REQUESTS = Number(opt('requests', '400'));
const KEEP = argv.includes('--keep');
const TENANT = 'scale';
const ADMIN_KEY = 'scale-bench-admin-key';
const EVENTS = Math.ceil(NOTIFICATIONS / FANOUT);
const CHUNK_EVENTS = Math.max(1, Math.floor(1_000_000 / FANOUT));

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dbName = `hookrelay_scale_${randomBytes(3).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const log = (...a) => console.log(`[scale ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function admin(sql) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function seed(db) {
  // deterministic version-4 uuids from a text, so that notifications can name their event and webhook without a lookup
  await db.query(`CREATE FUNCTION pg_temp.u(t text) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT (substr(md5(t), 1, 12) || '4' || substr(md5(t), 14, 3) || '8' || substr(md5(t), 18, 15))::uuid $$`);
  await db.query(`INSERT INTO tenants (id) VALUES ($1)`, [TENANT]);
  await db.query(
    `INSERT INTO webhooks (id, tenant_id, url, enabled_events, is_enabled, secret, created_at)
     SELECT pg_temp.u('w' || k), $1, 'https://hooks.example.com/' || k, '{CARD.*}', true, 'whsec_' || md5('s' || k), now() - interval '40 days' + k * interval '1 second'
     FROM generate_series(0, $2 - 1) k`,
    [TENANT, WEBHOOKS],
  );
  for (let a = 1; a <= EVENTS; a += CHUNK_EVENTS) {
    const b = Math.min(EVENTS, a + CHUNK_EVENTS - 1);
    const t = Date.now();
    // event g was created at now - 30 days * (1 - g/EVENTS): oldest first, the last one now
    await db.query(
      `INSERT INTO events (id, tenant_id, type, resource, event_time, created_at)
       SELECT pg_temp.u('e' || g), $1, 'CARD.CREATED', '{"id":"card_' || g || '","status":"ACTIVE"}', ts, ts
       FROM generate_series($2::int, $3::int) g, LATERAL (SELECT now() - interval '30 days' * (1 - g::float8 / $4) AS ts) t`,
      [TENANT, a, b, EVENTS],
    );
    await db.query(
      `INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, status, attempt_count, cycle_attempts, next_attempt_at,
                                  last_status_code, created_at, updated_at, delivered_at, expired_at, cancelled_at)
       SELECT pg_temp.u('n' || g || '-' || k), $1, pg_temp.u('e' || g), pg_temp.u('w' || ((g * $5 + k) % $6)), 'CARD.CREATED', s.status,
              s.attempts, s.attempts, CASE WHEN s.status = 'PENDING' THEN now() + interval '5 minutes' END,
              CASE s.status WHEN 'SUCCEEDED' THEN 200 WHEN 'EXPIRED' THEN 503 WHEN 'PENDING' THEN 500 END,
              ts, CASE WHEN s.status = 'PENDING' THEN now() - random() * interval '1 hour' ELSE ts + interval '2 seconds' END,
              CASE WHEN s.status = 'SUCCEEDED' THEN ts + interval '2 seconds' END,
              CASE WHEN s.status = 'EXPIRED' THEN ts + interval '2 seconds' END,
              CASE WHEN s.status = 'CANCELLED' THEN ts + interval '2 seconds' END
       FROM generate_series($2::int, $3::int) g
       CROSS JOIN generate_series(0, $5 - 1) k
       CROSS JOIN LATERAL (SELECT now() - interval '30 days' * (1 - g::float8 / $4) AS ts, random() AS r) t
       CROSS JOIN LATERAL (SELECT (CASE WHEN r < 0.94 THEN 'SUCCEEDED' WHEN r < 0.98 THEN 'EXPIRED' WHEN r < 0.99 THEN 'CANCELLED' ELSE 'PENDING' END)::"NotificationStatus" AS status,
                                  (CASE WHEN r < 0.94 THEN 1 WHEN r < 0.98 THEN 3 WHEN r < 0.99 THEN 0 ELSE 1 END) AS attempts) s`,
      [TENANT, a, b, EVENTS, FANOUT, WEBHOOKS],
    );
    await db.query(
      `INSERT INTO attempts (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, response_body, error, trigger)
       SELECT gen_random_uuid(), n.id, i, n.created_at + i * interval '1 second', 40 + (i * 7) % 50, n.last_status_code,
              CASE WHEN n.last_status_code = 200 THEN 'ok' ELSE 'upstream unavailable' END, NULL, 'schedule'
       FROM notifications n CROSS JOIN LATERAL generate_series(1, n.attempt_count) i
       WHERE n.event_id IN (SELECT pg_temp.u('e' || g) FROM generate_series($1::int, $2::int) g)`,
      [a, b],
    );
    log(`seeded events ${a}-${b} of ${EVENTS} (${((b - a + 1) * FANOUT).toLocaleString()} notifications) in ${Date.now() - t} ms`);
  }
  const t = Date.now();
  await db.query('VACUUM ANALYZE');
  log(`VACUUM ANALYZE in ${Date.now() - t} ms`);
}

async function sizes(db) {
  const { rows } = await db.query(
    `SELECT relname AS table, pg_size_pretty(pg_table_size(oid)) AS table_size, pg_size_pretty(pg_indexes_size(oid)) AS index_size,
            (SELECT reltuples::bigint FROM pg_class c2 WHERE c2.oid = c.oid) AS rows
     FROM pg_class c WHERE relname IN ('events', 'notifications', 'attempts', 'notification_counters') ORDER BY relname`,
  );
  return rows;
}

function startApi() {
  const { nodeFlags, entry } = appCommand(root, 'api');
  const child = spawn(process.execPath, [...nodeFlags, entry], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: dbUrl, ADMIN_API_KEY: ADMIN_KEY, PORT: '0', LOG_LEVEL: 'info', QUEUE_PREFIX: `scale-${dbName}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      for (const line of buffered.split('\n').slice(0, -1)) {
        try {
          const parsed = JSON.parse(line);
          if (parsed.msg === 'api listening') {
            // from now on the per-request log lines are only drained
            child.stdout.removeAllListeners('data');
            child.stdout.resume();
            resolve({ child, url: `http://127.0.0.1:${parsed.port}` });
            return;
          }
        } catch {
          // not a log line
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`api exited (${code}) before listening`)));
  });
}

const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function timeRead(api, name, makeRequest) {
  const latencies = [];
  let next = 0;
  let errors = 0;
  const reader = async () => {
    while (next < REQUESTS) {
      next += 1;
      const { method, path: p, body } = makeRequest();
      const t = performance.now();
      const res = await fetch(`${api}${p}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (res.status === 200) await res.arrayBuffer();
      latencies.push(performance.now() - t);
      if (res.status !== 200) {
        if (errors === 0) log(`${name}: ${res.status} ${await res.text().catch(() => '')}`.slice(0, 400));
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: READERS }, reader));
  latencies.sort((x, y) => x - y);
  const result = { read: name, requests: latencies.length, errors, p50_ms: +pct(latencies, 50).toFixed(1), p99_ms: +pct(latencies, 99).toFixed(1) };
  log(`${name.padEnd(34)} p50 ${String(result.p50_ms).padStart(7)} ms  p99 ${String(result.p99_ms).padStart(7)} ms${errors ? `  (${errors} non-200)` : ''}`);
  return result;
}

async function main() {
  log(`database ${dbName}: ${NOTIFICATIONS.toLocaleString()} notifications, ${EVENTS.toLocaleString()} events, ${WEBHOOKS} webhooks, fan-out ${FANOUT}`);
  await admin(`CREATE DATABASE "${dbName}"`);
  let api;
  const db = new pg.Client({ connectionString: dbUrl });
  try {
    await migrateDatabase(dbUrl);
    await db.connect();
    const seedStart = Date.now();
    await seed(db);
    const seedMs = Date.now() - seedStart;
    const tableSizes = await sizes(db);
    console.table(tableSizes);

    const ids = (await db.query(`SELECT id::text FROM notifications TABLESAMPLE SYSTEM (1) LIMIT 2000`)).rows.map((r) => r.id);
    const webhookIds = (await db.query(`SELECT id::text FROM webhooks`)).rows.map((r) => r.id);
    const firstPage = (await db.query(`SELECT id::text, created_at FROM webhooks WHERE tenant_id = $1 ORDER BY created_at, id LIMIT 1 OFFSET 40`, [TENANT])).rows[0];
    const pageToken = firstPage ? Buffer.from(JSON.stringify([firstPage.created_at.toISOString(), firstPage.id])).toString('base64url') : undefined;

    api = await startApi().catch(async () => {
      throw new Error('the API did not start');
    });
    const q = `tenant=${TENANT}`;
    const search = (body) => ({ method: 'POST', path: `/v1/webhooks:search?${q}`, body: { tenant: TENANT, ...body } });
    // warm-up: connections, prepared plans
    await timeRead(api.url, 'warm-up (stats)', () => ({ method: 'GET', path: `/v1/stats?${q}` }));
    const results = [];
    results.push(await timeRead(api.url, 'GET /v1/stats', () => ({ method: 'GET', path: `/v1/stats?${q}` })));
    results.push(await timeRead(api.url, 'GET /v1/webhooks (first page)', () => ({ method: 'GET', path: `/v1/webhooks?${q}&limit=20` })));
    results.push(await timeRead(api.url, 'GET /v1/webhooks (page_token)', () => ({ method: 'GET', path: `/v1/webhooks?${q}&limit=20${pageToken ? `&page_token=${pageToken}` : ''}` })));
    results.push(await timeRead(api.url, ':search notification_id', () => search({ notification_id: pick(ids) })));
    results.push(await timeRead(api.url, ':search webhook_id + status EXPIRED', () => search({ webhook_id: pick(webhookIds), status: 'EXPIRED', limit: 20 })));
    results.push(await timeRead(api.url, ':search webhook_id + status desc', () => search({ webhook_id: pick(webhookIds), status: 'SUCCEEDED', order: 'desc', limit: 20 })));
    results.push(await timeRead(api.url, ':search newest first (desc)', () => search({ order: 'desc', limit: 20 })));
    results.push(await timeRead(api.url, ':search updated_since (last minute)', () => search({ updated_since: new Date(Date.now() - 60_000).toISOString(), limit: 100 })));
    results.push(await timeRead(api.url, 'GET /v1/notifications/{id}', () => ({ method: 'GET', path: `/v1/notifications/${pick(ids)}?${q}` })));

    const out = {
      at: new Date().toISOString(),
      notifications: NOTIFICATIONS, events: EVENTS, webhooks: WEBHOOKS, fanout: FANOUT, readers: READERS, requests_per_read: REQUESTS,
      seed_ms: seedMs, sizes: tableSizes, reads: results,
    };
    const file = path.join(benchDir, 'results', `scale-${out.at.replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(out, null, 2));
    log(`written ${path.relative(root, file)}`);
  } finally {
    api?.child.kill('SIGTERM');
    await db.end().catch(() => {});
    if (!KEEP) await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((e) => log(`drop failed: ${e.message}`));
    else log(`kept database ${dbName}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
