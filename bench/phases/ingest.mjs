// Ingest phase, run with no worker process: the API (POST /v1/events) and
// the producer SDK (publishBatch, publish()) are measured alone. The tenant
// `bench-ingest` has one matching webhook, so each event makes one
// notification; the queued leftovers are purged by the runner afterwards.
import { HTTP_CONCURRENCY, P, QUEUE_PREFIX, REDIS_URL, SDK_BATCH, SDK_CONCURRENCY } from '../harness/options.mjs';
import { api } from '../harness/http-client.mjs';
import { closedLoop } from '../harness/closed-loop.mjs';
import { cpuDelta, cpuMsPer, cpuSnapshot } from '../harness/cpu.mjs';
import { percentile, round } from '../harness/stats.mjs';

export const INGEST_TENANT = 'bench-ingest';

/** POST /v1/events, 64 keep-alive connections, for httpIngestS. */
export async function phaseHttpIngest() {
  const send = async (seq) => {
    const r = await api('POST', '/v1/events', { tenant: INGEST_TENANT, type: 'CARD.CREATED', resource: { card_id: `c_${seq}`, amount: 1234 } });
    return r.status === 202 ? { accepted: 1, failed: 0 } : { accepted: 0, failed: 1, error: `HTTP ${r.status} ${r.text.slice(0, 200)}` };
  };
  // the same 1 s warm-up as the bare Express route gets (express-baseline.mjs): both measured warm
  await closedLoop({ seconds: 1, concurrency: HTTP_CONCURRENCY, send });
  const { accepted, failed, firstError, secs, lat, cpu } = await closedLoop({ seconds: P.httpIngestS, concurrency: HTTP_CONCURRENCY, send });
  return {
    per_s: round(accepted / secs),
    accepted,
    failed,
    first_error: firstError ?? null,
    seconds: round(secs, 1),
    concurrency: HTTP_CONCURRENCY,
    response_p50_ms: round(percentile(lat, 50), 1),
    response_p99_ms: round(percentile(lat, 99), 1),
    api_cpu_ms_per_event: cpuMsPer(cpu.api, accepted / secs),
    cpu_cores: cpu,
  };
}

/** publishBatch in calls of SDK_BATCH events, then publish() with SDK_CONCURRENCY concurrent calls. */
export async function phaseSdkIngest(createProducer) {
  const producer = createProducer({ redisUrl: REDIS_URL, queuePrefix: QUEUE_PREFIX });
  const ev = (i) => ({ tenant: INGEST_TENANT, type: 'CARD.CREATED', resource: { card_id: `s_${i}`, amount: 1234 } });
  try {
    // warm-up (connection, script loading)
    await producer.publishBatch(Array.from({ length: 100 }, (_, i) => ev(i)));

    // publishBatch in chunks
    let cpu0 = cpuSnapshot();
    let start = performance.now();
    let deadline = start + P.sdkMaxS * 1000;
    let batchPublished = 0;
    while (batchPublished < P.sdkBatchEvents && performance.now() < deadline) {
      const chunk = Array.from({ length: SDK_BATCH }, (_, i) => ev(batchPublished + i));
      await producer.publishBatch(chunk);
      batchPublished += chunk.length;
    }
    const batchSecs = (performance.now() - start) / 1000;
    const batchCpu = cpuDelta(cpu0, cpuSnapshot());

    // publish() with concurrency
    cpu0 = cpuSnapshot();
    start = performance.now();
    deadline = start + P.sdkMaxS * 1000;
    let single = 0;
    let failed = 0;
    async function loop() {
      while (single < P.sdkSingleEvents && performance.now() < deadline) {
        const i = single++;
        try {
          await producer.publish(ev(i));
        } catch {
          failed++;
        }
      }
    }
    await Promise.all(Array.from({ length: SDK_CONCURRENCY }, loop));
    const singleSecs = (performance.now() - start) / 1000;
    const singleCpu = cpuDelta(cpu0, cpuSnapshot());
    const batchRate = batchPublished / batchSecs;
    const singleRate = (single - failed) / singleSecs;
    return {
      per_s: round(Math.max(batchRate, singleRate)),
      best: batchRate >= singleRate ? 'publishBatch' : 'publish',
      publish_batch: { per_s: round(batchRate), events: batchPublished, chunk: SDK_BATCH, seconds: round(batchSecs, 2), cpu_cores: batchCpu },
      publish: { per_s: round(singleRate), events: single - failed, failed, concurrency: SDK_CONCURRENCY, seconds: round(singleSecs, 2), cpu_cores: singleCpu },
    };
  } finally {
    await producer.close();
  }
}
