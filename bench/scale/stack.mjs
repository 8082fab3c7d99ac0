// One side of the comparison (the empty or the history database): its API
// and its worker, started as `pnpm start:api` / `start:worker` run them
// (harness/processes.mjs), on the side's own database and queue prefix; the
// live webhooks that point at the bench receiver; the retention lease the
// bench holds until it lets the worker sweep.
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { ADMIN_API_KEY, REDIS_URL, SECRET_ENCRYPTION_KEY } from '../harness/options.mjs';
import { request } from '../harness/http-client.mjs';
import { API_COMMAND, WORKER_COMMAND, freePort, profArgs, startNode, stopChild } from '../harness/processes.mjs';
import { hook } from '../harness/receiver-client.mjs';
import { LIVE_FANOUT, S, TENANT, TYPES } from './options.mjs';

export const leaseKey = (side) => `${side.prefix}:retention:lease`;
/** the value the bench holds the lease with: a worker retries about every second and sweeps once it is gone */
export const BENCH_HOLD = 'scale-bench-hold';

/** A request to this side's API as the admin: `{status, body, text}` (`options`: harness/http-client.mjs `request`). */
export const call = (side, method, path, body, options) => request(side.port, method, path, body, options);

async function startApi(side) {
  side.port = await freePort();
  side.api = startNode(
    `api-${side.name}`,
    API_COMMAND.entry,
    {
      DATABASE_URL: side.url,
      REDIS_URL,
      QUEUE_PREFIX: side.prefix,
      PORT: String(side.port),
      ADMIN_API_KEY,
      ALLOW_PRIVATE_DESTINATIONS: 'true',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      SECRET_ENCRYPTION_KEY,
    },
    // --profile: the API's CPU profile (bench/results/profiles/, read with bench/analyze-profile.mjs)
    [...API_COMMAND.nodeFlags, ...profArgs(`api-${side.name}`)],
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (side.api.exitCode !== null) throw new Error(`API (${side.name}) exited (${side.api.exitCode}); see bench/results/logs/api-${side.name}.log`);
    const r = await call(side, 'GET', '/readyz').catch(() => null);
    if (r?.status === 200) return;
    await sleep(200);
  }
  throw new Error(`API (${side.name}) not ready after 60 s`);
}

/**
 * The worker sweeps with RETENTION_DAYS = S.retentionDays, but only once the
 * bench deletes its hold on the lease (set here first, without expiry).
 */
async function startWorker(side, redis) {
  await redis.set(leaseKey(side), BENCH_HOLD);
  side.metricsPort = await freePort();
  side.worker = startNode(
    `worker-${side.name}`,
    WORKER_COMMAND.entry,
    {
      DATABASE_URL: side.url,
      REDIS_URL,
      QUEUE_PREFIX: side.prefix,
      WORKER_CONCURRENCY: '50',
      ALLOW_PRIVATE_DESTINATIONS: 'true',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      SECRET_ENCRYPTION_KEY,
      DELIVERY_TIMEOUT_MS: '15000',
      RECONCILE_INTERVAL_MS: '600000',
      WORKER_METRICS_PORT: String(side.metricsPort),
      RETENTION_DAYS: String(S.retentionDays),
      RETENTION_SWEEP_INTERVAL_MS: '3600000',
    },
    WORKER_COMMAND.nodeFlags,
  );
  const q = new Queue('deliveries', { connection: { url: REDIS_URL }, prefix: side.prefix });
  try {
    const deadline = Date.now() + 60_000;
    while ((await q.getWorkersCount()) < 1) {
      if (side.worker.exitCode !== null)
        throw new Error(`worker (${side.name}) exited (${side.worker.exitCode}); see bench/results/logs/worker-${side.name}.log`);
      if (Date.now() > deadline) throw new Error(`worker (${side.name}) not ready after 60 s`);
      await sleep(200);
    }
  } finally {
    await q.close();
  }
}

async function createWebhook(side, type, path) {
  const r = await call(side, 'POST', '/v1/webhooks', { tenant: TENANT, url: hook(path), enabled_events: [type], is_enabled: true });
  if (r.status !== 201) throw new Error(`create webhook (${side.name}): HTTP ${r.status} ${r.text}`);
}

/**
 * API, worker and live webhooks of one side, in the history's tenant: one
 * for ingest, LIVE_FANOUT for the throughput bursts, one for the sweep's
 * latency. Their event types are not CARD.*, so the seeded webhooks get none.
 */
export async function startSide(side, redis) {
  await startApi(side);
  await startWorker(side, redis);
  await createWebhook(side, TYPES.ingest, `/in-${side.name}/`);
  for (let i = 0; i < LIVE_FANOUT; i++) await createWebhook(side, TYPES.burst, `/tp-${side.name}/${i}`);
  await createWebhook(side, TYPES.sweep, `/sw-${side.name}/`);
}

export async function stopSide(side) {
  await Promise.all([stopChild(side.worker), stopChild(side.api)]);
}

/** The worker's /metrics, as {name{labels}: value}. */
export async function workerMetrics(side) {
  const r = await request(side.metricsPort, 'GET', '/metrics');
  const out = {};
  for (const line of r.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}
