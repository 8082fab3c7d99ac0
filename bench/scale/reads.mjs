// The reads the issue lists, each timed with S.readers concurrent clients
// (S.requests requests in all) and once more one at a time (a shorter run:
// what a read costs without queueing for the machine's two cores).
import os from 'node:os';
import { cpuDelta, cpuSnapshot } from '../harness/cpu.mjs';
import { percentile, round } from '../harness/stats.mjs';
import { S, TENANT, log } from './options.mjs';
import { call } from './stack.mjs';

export const READ_P99_TARGET_MS = 50;
const SERIAL_REQUESTS = 50;
const WARMUP_REQUESTS = 800;

const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

async function timeRead(side, makeRequest, readers, requests) {
  const lat = [];
  let next = 0;
  let errors = 0;
  let firstError = null;
  const reader = async () => {
    while (next < requests) {
      next += 1;
      const { method, path, body } = makeRequest();
      const t = performance.now();
      // the answer is received whole but not parsed: the load generator shares the two cores with the API
      const r = await call(side, method, path, body, { read: false });
      lat.push(performance.now() - t);
      if (r.status !== 200) {
        errors += 1;
        firstError ??= `${r.status} ${r.text.slice(0, 300)}`;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: readers }, reader));
  const elapsedMs = performance.now() - start;
  lat.sort((a, b) => a - b);
  return { lat, errors, firstError, elapsedMs };
}

/** Ids to read: sampled notifications, every webhook, a page token of GET /v1/webhooks. */
async function samples(db) {
  const ids = (await db.query(`SELECT id::text FROM notifications TABLESAMPLE SYSTEM (1) LIMIT 2000`)).rows.map((r) => r.id);
  if (!ids.length) ids.push(...(await db.query(`SELECT id::text FROM notifications LIMIT 2000`)).rows.map((r) => r.id));
  const webhookIds = (await db.query(`SELECT id::text FROM webhooks WHERE tenant_id = $1 AND url LIKE '%.invalid/%'`, [TENANT])).rows.map((r) => r.id);
  const after = (await db.query(`SELECT id::text, created_at FROM webhooks WHERE tenant_id = $1 ORDER BY created_at, id LIMIT 1 OFFSET 40`, [TENANT])).rows[0];
  const pageToken = after ? Buffer.from(JSON.stringify([after.created_at.toISOString(), after.id])).toString('base64url') : null;
  return { ids, webhookIds, pageToken };
}

/** The listed reads against `side`'s API; `db` is a client on its database. Returns one row per read with p50/p99 and PASS/FAIL. */
export async function timeReads(side, db) {
  const { ids, webhookIds, pageToken } = await samples(db);
  const q = `tenant=${TENANT}`;
  const search = (body) => ({ method: 'POST', path: `/v1/webhooks:search?${q}`, body: { tenant: TENANT, ...body } });
  const reads = [
    ['GET /v1/stats', () => ({ method: 'GET', path: `/v1/stats?${q}` })],
    ['GET /v1/webhooks (first page)', () => ({ method: 'GET', path: `/v1/webhooks?${q}&limit=20` })],
    ['GET /v1/webhooks (page_token)', () => ({ method: 'GET', path: `/v1/webhooks?${q}&limit=20${pageToken ? `&page_token=${pageToken}` : ''}` })],
    [':search notification_id', () => search({ notification_id: pick(ids) })],
    [':search webhook_id + status EXPIRED', () => search({ webhook_id: pick(webhookIds), status: 'EXPIRED', limit: 20 })],
    [':search webhook_id + status, desc', () => search({ webhook_id: pick(webhookIds), status: 'SUCCEEDED', order: 'desc', limit: 20 })],
    [':search newest first (desc)', () => search({ order: 'desc', limit: 20 })],
    [':search updated_since (last minute)', () => search({ updated_since: new Date(Date.now() - 60_000).toISOString(), limit: 100 })],
    ['GET /v1/notifications/{id}', () => ({ method: 'GET', path: `/v1/notifications/${pick(ids)}?${q}` })],
  ];
  // warm-up, as a long-running API is: the hot reads are prepared statements, prepared once per
  // connection of the API's pool (20), and Postgres plans each run afresh until its sixth on that
  // connection (the stats statement: ~3 ms to plan); concurrent stats requests share one read, so
  // it takes hundreds of requests before every connection has its plans; JIT-compiled code too
  for (const [, make] of reads) await timeRead(side, make, S.readers, WARMUP_REQUESTS);
  const out = [];
  for (const [name, make] of reads) {
    const cpu0 = cpuSnapshot();
    const c = await timeRead(side, make, S.readers, S.requests);
    const cpu = cpuDelta(cpu0, cpuSnapshot());
    const perRequest = (cores) => (cores === undefined ? 0 : round((cores * c.elapsedMs) / c.lat.length, 2));
    const one = await timeRead(side, make, 1, SERIAL_REQUESTS);
    const p99 = round(percentile(c.lat, 99), 1);
    const row = {
      read: name,
      requests: c.lat.length,
      errors: c.errors + one.errors,
      p50_ms: round(percentile(c.lat, 50), 1),
      p99_ms: p99,
      serial_p50_ms: round(percentile(one.lat, 50), 1),
      serial_p99_ms: round(percentile(one.lat, 99), 1),
      load_1m: round(os.loadavg()[0], 2),
      // during the 8 readers: CPU ms per request of the API and of Postgres (server-wide), and cores others used
      api_cpu_ms: perRequest(cpu[`api-${side.name}`]),
      postgres_cpu_ms: perRequest(cpu.postgres),
      other_cores: cpu.other ?? 0,
      result: c.errors + one.errors === 0 && p99 < READ_P99_TARGET_MS ? 'PASS' : 'FAIL',
    };
    out.push(row);
    log(
      `${name.padEnd(36)} p50 ${String(row.p50_ms).padStart(7)}  p99 ${String(row.p99_ms).padStart(7)} ms  (one reader: p50 ${row.serial_p50_ms}, p99 ${row.serial_p99_ms}; load ${row.load_1m}; CPU ms/request api ${row.api_cpu_ms}, postgres ${row.postgres_cpu_ms}; others ${row.other_cores} cores)  ${row.result}${row.errors ? `  ${row.errors} errors, first: ${c.firstError ?? one.firstError}` : ''}`,
    );
  }
  return out;
}
