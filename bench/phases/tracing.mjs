// Tracing phase (issue 18): what tracing costs when no OTLP endpoint is set.
// Two variants of the same build, in one run:
//   default     the API and the workers as shipped, no OTEL_* variables
//   no_tracing  the same processes started with `--import
//               bench/tracing-off/register.mjs`, which swaps Hookrelay's
//               four tracing modules for pass-through stubs at load time:
//               what a build with tracing compiled out would run
// Deliveries: 1 worker, the throughput phase's closed loop (fan-out of 20,
// SDK publishBatch) for tracingDeliverS, figure = its steady rate. Ingest:
// a fresh API process of the variant, POST /v1/events ×64 for
// tracingIngestS after a 1 s warm-up, no worker running. Segments run
// default, no_tracing, no_tracing, default (ABBA: a linear drift of the
// machine cancels out of the means). Figures: tracing_throughput_ratio
// (deliveries/s, default ÷ no_tracing; target >= 0.97) and
// tracing_ingest_ratio (events/s, same), plus CPU per delivery and per event
// for each variant. The processes' logs must show the stubs in no_tracing
// and only there, or the phase reports an error and no figure.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { HTTP_CONCURRENCY, P, benchDir, log, logsDir, root } from '../harness/options.mjs';
import { closedLoop } from '../harness/closed-loop.mjs';
import { cpuMsPer } from '../harness/cpu.mjs';
import { request } from '../harness/http-client.mjs';
import { purgeHookrelayWork } from '../harness/pg.mjs';
import { startApi, startWorkers, stopChild, stopWorkers } from '../harness/processes.mjs';
import { round } from '../harness/stats.mjs';
import { MARKER, STUBS } from '../tracing-off/hooks.mjs';
import { INGEST_TENANT } from './ingest.mjs';
import { phaseThroughput } from './throughput.mjs';

/** The throughput tenant's tag (webhooks `/fan-trace/…`, made by run.mjs). */
export const TRACING_TAG = 'trace';
const NO_TRACING_ARGS = ['--import', pathToFileURL(path.join(benchDir, 'tracing-off/register.mjs')).href];
const VARIANTS = { default: [], no_tracing: NO_TRACING_ARGS };
const ORDER = ['default', 'no_tracing', 'no_tracing', 'default'];

const mean = (xs) => (xs.length && xs.every((x) => typeof x === 'number') ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, 3) : null);

/** The stubs must export what the real modules export, with the same constants; else the variant is not the same program. */
async function stubMismatch() {
  const problems = [];
  for (const [suffix, stub] of Object.entries(STUBS)) {
    const real = await import(pathToFileURL(path.join(root, suffix)).href);
    const fake = await import(new URL(stub, pathToFileURL(path.join(benchDir, 'tracing-off/'))).href);
    const names = (m) => Object.keys(m).sort().join(',');
    if (names(real) !== names(fake)) problems.push(`${stub} exports ${names(fake)}, ${suffix} exports ${names(real)}`);
    for (const k of ['TRACER_NAME', 'SPANS', 'SPAN_ATTRIBUTES']) {
      if (k in real && JSON.stringify(real[k]) !== JSON.stringify(fake[k])) problems.push(`${stub}: ${k} differs from ${suffix}`);
    }
  }
  return problems.length ? `bench/tracing-off is out of date: ${problems.join('; ')}` : null;
}

/** The process's log shows every stub in no_tracing, none in default. */
async function checkVariant(processName, variant) {
  const file = path.join(logsDir, `${processName}.log`);
  let text = '';
  for (let i = 0; i < 10; i++) {
    text = fs.readFileSync(file, 'utf8');
    if (variant === 'default' || Object.keys(STUBS).every((s) => text.includes(`${MARKER} ${s}`))) break;
    await sleep(100); // the hooks thread writes asynchronously
  }
  const stubbed = Object.keys(STUBS).filter((s) => text.includes(`${MARKER} ${s}`));
  const want = variant === 'default' ? 0 : Object.keys(STUBS).length;
  if (stubbed.length !== want) throw new Error(`${processName} (${variant}): ${stubbed.length} of ${Object.keys(STUBS).length} tracing modules stubbed, expected ${want}`);
}

async function deliverySegment(createProducer, variant) {
  const procs = await startWorkers(1, `trace-${variant}`, {}, VARIANTS[variant]);
  let t;
  try {
    await checkVariant('worker-0', variant);
    t = await phaseThroughput(createProducer, TRACING_TAG, { seconds: P.tracingDeliverS, drainS: 10 });
  } finally {
    await stopWorkers(procs);
  }
  if (!t.complete) await purgeHookrelayWork(`tracing phase, ${variant} deliveries incomplete`);
  const steady = t.cpu_cores_steady ?? {};
  return {
    variant,
    steady_per_s: t.steady_per_s,
    per_s: t.per_s,
    delivered: t.delivered,
    complete: t.complete,
    worker_cpu_ms_per_delivery: cpuMsPer(steady.workers, t.steady_per_s),
    postgres_cpu_ms_per_delivery: cpuMsPer(steady.postgres, t.steady_per_s),
    redis_cpu_ms_per_delivery: cpuMsPer(steady.redis, t.steady_per_s),
    other_cores: steady.other ?? null,
  };
}

async function ingestSegment(variant) {
  const name = `api-${variant}`;
  const proc = await startApi({ name, nodeArgs: VARIANTS[variant], main: false });
  try {
    await checkVariant(name, variant);
    const send = async (seq) => {
      const r = await request(proc.port, 'POST', '/v1/events', { tenant: INGEST_TENANT, type: 'CARD.CREATED', resource: { card_id: `t_${variant}_${seq}`, amount: 1234 } });
      return r.status === 202 ? { accepted: 1, failed: 0 } : { accepted: 0, failed: 1, error: `HTTP ${r.status} ${r.text.slice(0, 200)}` };
    };
    await closedLoop({ seconds: 1, concurrency: HTTP_CONCURRENCY, send }); // warm-up: JIT, connection pools
    const { accepted, failed, firstError, secs, cpu } = await closedLoop({ seconds: P.tracingIngestS, concurrency: HTTP_CONCURRENCY, send });
    return {
      variant,
      per_s: round(accepted / secs),
      accepted,
      failed,
      first_error: firstError ?? null,
      api_cpu_ms_per_event: cpuMsPer(cpu[name], accepted / secs),
      other_cores: cpu.other ?? null,
    };
  } finally {
    await stopChild(proc);
  }
}

/** Means per variant of `key` over the segments. */
function means(segments, key) {
  return Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, round(mean(segments.filter((s) => s.variant === v).map((s) => s[key])), 3)]));
}

export async function phaseTracing(createProducer) {
  const error = await stubMismatch();
  if (error) {
    log(`tracing phase not run: ${error}`);
    return { throughput_ratio: null, ingest_ratio: null, error };
  }
  await purgeHookrelayWork('before the tracing phase');
  const deliveries = [];
  for (const variant of ORDER) {
    const s = await deliverySegment(createProducer, variant);
    log(`tracing ${variant}: ${s.steady_per_s} deliveries/s steady, worker ${s.worker_cpu_ms_per_delivery} CPU ms/delivery`);
    deliveries.push(s);
  }
  const ingest = [];
  for (const variant of ORDER) {
    const s = await ingestSegment(variant);
    log(`tracing ${variant}: ${s.per_s} events/s over HTTP, API ${s.api_cpu_ms_per_event} CPU ms/event`);
    ingest.push(s);
  }
  await purgeHookrelayWork('after the tracing phase');
  const rate = means(deliveries, 'steady_per_s');
  const workerMs = means(deliveries, 'worker_cpu_ms_per_delivery');
  const ingestRate = means(ingest, 'per_s');
  const apiMs = means(ingest, 'api_cpu_ms_per_event');
  return {
    throughput_ratio: ratio(rate.default, rate.no_tracing),
    ingest_ratio: ratio(ingestRate.default, ingestRate.no_tracing),
    // CPU per unit, no_tracing ÷ default: also >= 0.97 when tracing's hooks cost under 3 %
    worker_cpu_ratio: ratio(workerMs.no_tracing, workerMs.default),
    api_cpu_ratio: ratio(apiMs.no_tracing, apiMs.default),
    deliveries_per_s: rate,
    worker_cpu_ms_per_delivery: workerMs,
    ingest_per_s: ingestRate,
    api_cpu_ms_per_event: apiMs,
    // other users' load in the worst segment: above a few tenths of a core the ratios are noise
    other_cores_max: round(Math.max(...[...deliveries, ...ingest].map((s) => s.other_cores ?? 0)), 2),
    // each half of ABBA on its own: how far the noise alone moves the ratio
    pair_ratios: {
      deliveries: [ratio(deliveries[0].steady_per_s, deliveries[1].steady_per_s), ratio(deliveries[3].steady_per_s, deliveries[2].steady_per_s)],
      ingest: [ratio(ingest[0].per_s, ingest[1].per_s), ratio(ingest[3].per_s, ingest[2].per_s)],
    },
    order: ORDER,
    deliver_s: P.tracingDeliverS,
    ingest_s: P.tracingIngestS,
    segments: { deliveries, ingest },
  };
}
