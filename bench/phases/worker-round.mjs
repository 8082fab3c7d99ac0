// One round with N Hookrelay worker processes: cold latency (first, on the
// fresh workers), warm-up, latency (HTTP and SDK), throughput, SDK ingest
// with consumers; then the workers stop and the floor runs with N floor
// workers. Returns the round's figures for `by_workers[N]`.
import { setTimeout as sleep } from 'node:timers/promises';
import { COLD_RATE, LATENCY_RATE, P, log, runs } from '../harness/options.mjs';
import { startWorkers, stopWorkers } from '../harness/processes.mjs';
import { purgeHookrelayWork } from '../harness/pg.mjs';
import { round } from '../harness/stats.mjs';
import { phaseColdLatency, phaseLatency } from './latency.mjs';
import { phaseSdkWithConsumers } from './sdk-consumers.mjs';
import { phaseThroughput } from './throughput.mjs';
import { phaseFloor } from './floor.mjs';

const noLatency = { p50_ms: null, p95_ms: null, p99_ms: null, skipped: true };

/** `afterThroughput()` runs with the workers still up, once the throughput phase has drained (Redis memory is read there). */
export async function workerRound(n, createProducer, { afterThroughput } = {}) {
  const tag = `${n}w`;
  const procs = await startWorkers(n, tag);
  let cold = noLatency;
  let warmup = noLatency;
  let latency = noLatency;
  let sdkLatency = noLatency;
  let throughput = { per_s: null, complete: true, skipped: true };
  let sdkIngest = { per_s: null, skipped: true };
  try {
    if (runs('latency')) {
      // counted from the first event after a single warm-up delivery: nothing excluded
      cold = await phaseColdLatency(tag);
      log(
        `cold latency @${COLD_RATE}/s over HTTP (after one warm-up delivery): p50 ${cold.p50_ms} ms, p95 ${cold.p95_ms} ms, p99 ${cold.p99_ms} ms (${cold.delivered}/${cold.accepted} delivered)`,
      );
      // freshly started workers compile their hot paths and open their connections in the first
      // seconds: a warm-up at the same rate (not measured) so that the figures are the steady state
      warmup = await phaseLatency(tag, 'http', createProducer, { seconds: P.warmupS, name: 'warm' });
      log(`warm-up @${LATENCY_RATE}/s over HTTP for ${P.warmupS} s (not a figure): p50 ${warmup.p50_ms} ms, p99 ${warmup.p99_ms} ms`);
      latency = await phaseLatency(tag, 'http', createProducer);
      log(
        `latency @${LATENCY_RATE}/s over HTTP: p50 ${latency.p50_ms} ms, p95 ${latency.p95_ms} ms, p99 ${latency.p99_ms} ms (${latency.delivered}/${latency.accepted} delivered)`,
      );
      sdkLatency = await phaseLatency(tag, 'sdk', createProducer);
      log(
        `latency @${LATENCY_RATE}/s via the SDK: p50 ${sdkLatency.p50_ms} ms, p95 ${sdkLatency.p95_ms} ms, p99 ${sdkLatency.p99_ms} ms (${sdkLatency.delivered}/${sdkLatency.accepted} delivered)`,
      );
    }
    if (runs('throughput')) {
      throughput = await phaseThroughput(createProducer, tag);
      log(`deliveries: ${throughput.per_s}/s first→last, ${throughput.steady_per_s}/s steady (${throughput.delivered}/${throughput.expected_deliveries})`);
    }
    if (afterThroughput) {
      await sleep(2000); // let BullMQ remove completed jobs
      await afterThroughput();
    }
    if (runs('ingest')) {
      // last: its backlog is purged below, and Redis memory has been read by then
      sdkIngest = await phaseSdkWithConsumers(createProducer, tag);
      log(`SDK ingest with ${n} worker(s) consuming: publish() ${sdkIngest.per_s}/s (${sdkIngest.ingested_per_s}/s ingested meanwhile)`);
    }
  } finally {
    await stopWorkers(procs);
  }
  if (!throughput.complete || cold.missing || warmup.missing || latency.missing || sdkLatency.missing || !sdkIngest.skipped)
    await purgeHookrelayWork(`leftovers with ${n} workers`);
  let floor = null;
  if (runs('floor')) {
    floor = await phaseFloor(n);
    log(`floor: ${floor.per_s}/s (${floor.delivered}/${floor.jobs})`);
  }
  return {
    deliveries_per_s: throughput.per_s,
    p50_ms: latency.p50_ms,
    p95_ms: latency.p95_ms,
    p99_ms: latency.p99_ms,
    p50_cold_ms: cold.p50_ms,
    p95_cold_ms: cold.p95_ms,
    p99_cold_ms: cold.p99_ms,
    sdk_ingest_per_s: sdkIngest.per_s,
    sdk_p50_ms: sdkLatency.p50_ms,
    sdk_p95_ms: sdkLatency.p95_ms,
    sdk_p99_ms: sdkLatency.p99_ms,
    floor_deliveries_per_s: floor?.per_s ?? null,
    floor_ratio: floor?.per_s ? round(throughput.per_s / floor.per_s, 3) : null,
    // contention-proof view: deliveries per CPU-second of the whole stack, Hookrelay vs floor
    floor_ratio_per_cpu: floor?.deliveries_per_stack_cpu_s ? round(throughput.deliveries_per_stack_cpu_s / floor.deliveries_per_stack_cpu_s, 3) : null,
    details: { latency_cold: cold, latency_warmup: warmup, latency, sdk_latency: sdkLatency, throughput, sdk_ingest: sdkIngest, floor },
  };
}
