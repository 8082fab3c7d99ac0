// The top-level figures of latest.json, from what the phases returned.
// Which worker count each figure comes from is part of its definition
// (bench/README.md, "Keys").
import { capacityModel } from './capacity.mjs';
import { round } from './stats.mjs';

const ratio = (a, b, d = 3) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, d) : null);
const minOf = (xs) => (xs.some((x) => typeof x !== 'number') || !xs.length ? null : Math.min(...xs));

/**
 * `ingest`: {http, express, batch, sdk} of the no-worker ingest phases;
 * `byWorkers`: {N: workerRound(N)}; `tracing`: phaseTracing() or null;
 * `noisy`: phaseNoisy() or null;
 * `redis`: {before, after}; `cpus`: the machine's cores (capacity model).
 */
export function summarize({ ingest, byWorkers, tracing = null, noisy, redis, cpus }) {
  const rounds = Object.entries(byWorkers);
  const best = [...rounds].sort((a, b) => (b[1].deliveries_per_s ?? 0) - (a[1].deliveries_per_s ?? 0))[0] ?? ['0', {}];
  // latency is reported for the worker count that gave the lowest p99 (an operator tunes for one or the other); every count is in by_workers
  const lowestP99 = [...rounds].sort((a, b) => (a[1].p99_ms ?? Infinity) - (b[1].p99_ms ?? Infinity))[0] ?? ['0', {}];
  const bestSdk = [...rounds].sort((a, b) => (b[1].sdk_ingest_per_s ?? 0) - (a[1].sdk_ingest_per_s ?? 0))[0] ?? ['0', {}];
  const { http, express, batch, sdk } = ingest;
  // CPU ms per event from the cores each process used (2 decimals of a core), not from the rounded ms figures
  const apiMs = http.cpu_cores?.api && http.per_s ? (http.cpu_cores.api * 1000) / http.per_s : null;
  const expressMs = express.cpu_cores?.express && express.per_s ? (express.cpu_cores.express * 1000) / express.per_s : null;
  const floorRatios = rounds.map(([, r]) => r.floor_ratio);
  const capacity = capacityModel({ byWorkers, ingest, cpus });
  return {
    best_workers: rounds.length ? Number(best[0]) : null,
    // ingest (no workers running, except sdk_ingest_per_s)
    http_ingest_per_s: http.per_s,
    express_ingest_per_s: express.per_s ?? null,
    http_ingest_ratio_vs_express: ratio(http.per_s, express.per_s),
    api_cpu_ms_per_event: http.api_cpu_ms_per_event ?? null,
    express_cpu_ms_per_request: express.cpu_ms_per_request ?? null,
    ingest_cpu_ratio_vs_express: ratio(apiMs, expressMs),
    batch_ingest_per_s: batch.per_s ?? null,
    // publish() at concurrency 64 while the workers consume (best worker count), and publishBatch alone
    sdk_ingest_per_s: bestSdk[1].sdk_ingest_per_s ?? null,
    sdk_ingest_workers: bestSdk[1].sdk_ingest_per_s ? Number(bestSdk[0]) : null,
    sdk_batch_ingest_per_s: sdk.publish_batch?.per_s ?? null,
    sdk_publish_no_consumers_per_s: sdk.publish?.per_s ?? null,
    // deliveries
    deliveries_per_s: best[1].deliveries_per_s ?? null,
    floor_deliveries_per_s: best[1].floor_deliveries_per_s ?? null,
    // the lower of the worker counts' ratios (each is deliveries / floor with the same number of processes)
    floor_ratio: minOf(floorRatios),
    floor_ratio_best_workers: best[1].floor_ratio ?? null,
    // latency (worker count with the lowest warm p99; cold from the same count)
    latency_workers: rounds.length ? Number(lowestP99[0]) : null,
    p50_ms: lowestP99[1].p50_ms ?? null,
    p95_ms: lowestP99[1].p95_ms ?? null,
    p99_ms: lowestP99[1].p99_ms ?? null,
    p50_cold_ms: lowestP99[1].p50_cold_ms ?? null,
    p95_cold_ms: lowestP99[1].p95_cold_ms ?? null,
    p99_cold_ms: lowestP99[1].p99_cold_ms ?? null,
    // the same rate published with the producer SDK (no API hop), same worker count; informative, the target is on HTTP
    sdk_p50_ms: lowestP99[1].sdk_p50_ms ?? null,
    sdk_p95_ms: lowestP99[1].sdk_p95_ms ?? null,
    sdk_p99_ms: lowestP99[1].sdk_p99_ms ?? null,
    redis_mem_before_bytes: redis.before,
    redis_mem_after_bytes: redis.after,
    redis_mem_growth_bytes: redis.before !== null && redis.after !== null ? redis.after - redis.before : null,
    // tracing with no endpoint set against tracing compiled out (tracing phase; null when it did not run)
    tracing_throughput_ratio: tracing?.throughput_ratio ?? null,
    tracing_ingest_ratio: tracing?.ingest_ratio ?? null,
    // fair delivery (noisy phase; null when it did not run)
    quiet_p50_ms: noisy?.quiet_p50_ms ?? null,
    quiet_p99_ms: noisy?.quiet_p99_ms ?? null,
    noisy_p50_ms: noisy?.noisy_p50_ms ?? null,
    noisy_p99_ms: noisy?.noisy_p99_ms ?? null,
    noisy_p99_ratio: noisy?.noisy_p99_ratio ?? null,
    quiet_delivered_per_s: noisy?.quiet_delivered_per_s ?? null,
    noisy_delivered_per_s: noisy?.noisy_delivered_per_s ?? null,
    noisy_throughput_ratio: noisy?.noisy_throughput_ratio ?? null,
    // the capacity model's check: the largest |measured / predicted - 1| over the worker rounds (docs/capacity.md)
    capacity_model_max_error: capacity?.max_error ?? null,
    capacity,
    by_workers: byWorkers,
  };
}
