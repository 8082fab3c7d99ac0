// Noisy phase (issue 14, "fair delivery"): does a slow and a dead endpoint
// delay another tenant? On one worker fleet (NOISY.workers processes,
// DELIVERY_TIMEOUT_MS=3000), a healthy tenant publishes over HTTP at
// NOISY.rate events/s to one webhook, twice for NOISY.seconds:
//   quiet  nothing else is queued
//   noisy  first NOISY.noise notifications are queued for an endpoint that
//          answers after 5 s (`/slow/5000/…`) and as many for one that never
//          answers (`/hang/…`), each of its own tenant; then the same load
// Latency as in the latency phases (an event not delivered within
// NOISY.drainMaxS counts as infinitely late); delivered throughput = healthy
// deliveries that arrived by the end of sending + 1 s, per second of
// sending. Targets: noisy p99 < 250 ms and <= 2 x quiet p99; noisy
// throughput >= 0.9 x quiet. A short warm-up comes first (not a figure).
import { setTimeout as sleep } from 'node:timers/promises';
import { DATABASE_URL, NOISY, P, QUEUE_PREFIX, REDIS_URL, log } from '../harness/options.mjs';
import { api, createWebhook } from '../harness/http-client.mjs';
import { openLoop } from '../harness/open-loop.mjs';
import { purgeHookrelayWork, statusCounts, withPg } from '../harness/pg.mjs';
import { startWorkers, stopWorkers } from '../harness/processes.mjs';
import { hook, receiverStats } from '../harness/receiver-client.mjs';
import { round } from '../harness/stats.mjs';

// the healthy tenant gets a tenant and webhook per part (warm-up, quiet, noisy), so that a late
// delivery of one part never counts in the next
const healthy = (part) => ({ tenant: `bench-noisy-healthy-${part}`, path: `/noisy-healthy-${part}/` });
const PARTS = ['warm', 'quiet', 'noisy'];
const SLOW = 'bench-noisy-slow';
const DEAD = 'bench-noisy-dead';

const notificationsOf = (tenant) =>
  withPg(DATABASE_URL, async (c) => (await c.query('SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1', [tenant])).rows[0].n);

/** Queues NOISY.noise notifications for each noisy endpoint (SDK publishBatch; the workers fan them out), then waits until they exist and the first noisy attempts have started. */
async function injectNoise(createProducer) {
  const t0 = performance.now();
  const producer = createProducer({ redisUrl: REDIS_URL, queuePrefix: QUEUE_PREFIX });
  try {
    for (const tenant of [SLOW, DEAD]) {
      for (let done = 0; done < NOISY.noise; ) {
        const n = Math.min(500, NOISY.noise - done);
        await producer.publishBatch(Array.from({ length: n }, (_, i) => ({ tenant, type: 'CARD.CREATED', resource: { noise: done + i } })));
        done += n;
      }
    }
  } finally {
    await producer.close();
  }
  const deadline = Date.now() + 60_000;
  let created = { slow: 0, dead: 0 };
  while (Date.now() < deadline) {
    created = { slow: await notificationsOf(SLOW), dead: await notificationsOf(DEAD) };
    if (created.slow >= NOISY.noise && created.dead >= NOISY.noise && (await receiverStats()).noise.open > 0) break;
    await sleep(200);
  }
  return { created, seconds: round((performance.now() - t0) / 1000, 2), receiver: (await receiverStats()).noise };
}

export async function phaseNoisy(createProducer) {
  for (const part of PARTS) await createWebhook(healthy(part).tenant, hook(healthy(part).path));
  await createWebhook(SLOW, hook(`/slow/${NOISY.slowMs}/noisy/`));
  await createWebhook(DEAD, hook('/hang/noisy/'));
  const procs = await startWorkers(NOISY.workers, 'noisy', { DELIVERY_TIMEOUT_MS: String(NOISY.timeoutMs) });
  const run = (part, seconds) =>
    openLoop({
      tenant: healthy(part).tenant,
      accept: healthy(part).path,
      rate: NOISY.rate,
      seconds,
      publish: (event) => api('POST', '/v1/events', event),
      drainMaxS: NOISY.drainMaxS,
      windowGraceMs: 1000,
    });
  let warmup;
  let quiet;
  let noise;
  let noisy;
  let noiseDuring;
  try {
    warmup = await run('warm', P.warmupS);
    log(`noisy phase warm-up @${NOISY.rate}/s (not a figure): p50 ${warmup.p50_ms} ms, p99 ${warmup.p99_ms} ms`);
    quiet = await run('quiet', NOISY.seconds);
    log(`quiet @${NOISY.rate}/s: p50 ${quiet.p50_ms} ms, p99 ${quiet.p99_ms} ms, ${quiet.delivered_per_s}/s delivered`);
    noise = await injectNoise(createProducer);
    log(`noise: ${noise.created.slow} notifications on the slow endpoint, ${noise.created.dead} on the dead one (${noise.seconds} s)`);
    const before = (await receiverStats()).noise;
    noisy = await run('noisy', NOISY.seconds);
    const after = (await receiverStats()).noise;
    // noisy attempts that began while the healthy tenant was measured: the noise really held the fleet
    noiseDuring = { slow_attempts: after.slow - before.slow, dead_attempts: after.hung - before.hung, open_at_end: after.open };
    log(
      `noisy @${NOISY.rate}/s: p50 ${noisy.p50_ms} ms, p99 ${noisy.p99_ms} ms, ${noisy.delivered_per_s}/s delivered (${noisy.delivered}/${noisy.accepted}); noise attempts meanwhile ${noiseDuring.slow_attempts} slow, ${noiseDuring.dead_attempts} dead`,
    );
  } finally {
    await stopWorkers(procs);
  }
  const noiseStatus = { slow: await statusCounts(SLOW), dead: await statusCounts(DEAD) };
  await purgeHookrelayWork('after the noisy phase');
  const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, 3) : null);
  return {
    quiet_p50_ms: quiet.p50_ms,
    quiet_p99_ms: quiet.p99_ms,
    noisy_p50_ms: noisy.p50_ms,
    noisy_p99_ms: noisy.p99_ms,
    noisy_p99_ratio: ratio(noisy.p99_ms, quiet.p99_ms),
    quiet_delivered_per_s: quiet.delivered_per_s,
    noisy_delivered_per_s: noisy.delivered_per_s,
    noisy_throughput_ratio: ratio(noisy.delivered_per_s, quiet.delivered_per_s),
    details: {
      workers: NOISY.workers,
      delivery_timeout_ms: NOISY.timeoutMs,
      slow_endpoint_ms: NOISY.slowMs,
      noise_per_endpoint: NOISY.noise,
      rate_per_s: NOISY.rate,
      seconds: NOISY.seconds,
      noise: { ...noise, during_noisy: noiseDuring, status_after: noiseStatus },
      warmup,
      quiet,
      noisy,
    },
  };
}
