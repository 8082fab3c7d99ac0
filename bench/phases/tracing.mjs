// Tracing phase (issue 18): what tracing costs when no OTLP endpoint is set.
// Two variants of the same build, side by side in one run:
//   default     the API and a worker as shipped, no OTEL_* variables
//   no_tracing  the same, started with `--import
//               bench/tracing-off/register.mjs`, which swaps Hookrelay's
//               four tracing modules for pass-through stubs at load time:
//               what a build with tracing compiled out would run
// Each variant has one worker process on a queue prefix of its own and one
// API process, all started once and kept warm, so that the load can switch
// between the variants often: segments in ABBA blocks (ABBA, then BAAB,
// tracingRounds blocks), so that a linear drift of the machine cancels out
// of the means. Deliveries: the throughput phase's closed loop (fan-out 20,
// publishBatch, 1,500 outstanding) on one variant's prefix for
// tracingDeliverS, figure = its steady rate from 1 s on, drained before the
// next segment. Then the workers stop and HTTP ingest alternates the same
// way: POST /v1/events x64 on one variant's API for tracingIngestS after a
// 0.5 s warm-up. Figures: tracing_throughput_ratio (deliveries/s, default
// ÷ no_tracing; target >= 0.97) and tracing_ingest_ratio (events/s, same),
// with the CPU per delivery and per event of each variant. Each process's
// log must show the stubs in no_tracing and only there, or there is no
// figure.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { HTTP_CONCURRENCY, P, QUEUE_PREFIX, benchDir, log, logsDir, root } from '../harness/options.mjs';
import { closedLoop } from '../harness/closed-loop.mjs';
import { cpuMsPer } from '../harness/cpu.mjs';
import { request } from '../harness/http-client.mjs';
import { purgeHookrelayWork } from '../harness/pg.mjs';
import { startApi, startWorkers, stopChild, stopWorkers } from '../harness/processes.mjs';
import { extraPrefixes } from '../harness/redis.mjs';
import { round } from '../harness/stats.mjs';
import { MARKER, STUBS } from '../tracing-off/hooks.mjs';
import { INGEST_TENANT } from './ingest.mjs';
import { phaseThroughput } from './throughput.mjs';

/** The throughput tenant's tag (webhooks `/fan-trace/…`, made by run.mjs). */
export const TRACING_TAG = 'trace';
const NODE_ARGS = { default: [], no_tracing: ['--import', pathToFileURL(path.join(benchDir, 'tracing-off/register.mjs')).href] };
const VARIANTS = Object.keys(NODE_ARGS);
const prefixOf = (variant) => `${QUEUE_PREFIX}_${variant}`;
// worker_default-0 → CPU group worker_defaults (harness/cpu.mjs)
const workerName = (variant) => `worker_${variant}`;
const apiName = (variant) => `api_${variant}`;

/** ABBA, BAAB, ABBA, …: `rounds` blocks. */
const order = (rounds) => Array.from({ length: rounds }, (_, i) => (i % 2 ? ['no_tracing', 'default', 'default', 'no_tracing'] : ['default', 'no_tracing', 'no_tracing', 'default'])).flat();

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
  const stubbed = () => Object.keys(STUBS).filter((s) => fs.readFileSync(file, 'utf8').includes(`${MARKER} ${s}`));
  const want = variant === 'default' ? 0 : Object.keys(STUBS).length;
  for (let i = 0; i < 20 && stubbed().length < want; i++) await sleep(100); // the hooks thread writes asynchronously
  const got = stubbed().length;
  if (got !== want) throw new Error(`${processName} (${variant}): ${got} of ${Object.keys(STUBS).length} tracing modules stubbed, expected ${want}`);
}

async function deliverySegment(createProducer, variant) {
  const t = await phaseThroughput(createProducer, TRACING_TAG, { prefix: prefixOf(variant), seconds: P.tracingDeliverS, warmS: 1, backlog: 1500, drainS: 10 });
  if (!t.complete) await purgeHookrelayWork(`tracing phase, ${variant} deliveries incomplete`, prefixOf(variant));
  const steady = t.cpu_cores_steady ?? {};
  return {
    variant,
    steady_per_s: t.steady_per_s,
    delivered: t.delivered,
    complete: t.complete,
    worker_cpu_ms_per_delivery: cpuMsPer(steady[`${workerName(variant)}s`], t.steady_per_s),
    postgres_cpu_ms_per_delivery: cpuMsPer(steady.postgres, t.steady_per_s),
    redis_cpu_ms_per_delivery: cpuMsPer(steady.redis, t.steady_per_s),
    other_cores: steady.other ?? null,
  };
}

async function ingestSegment(api, variant) {
  const send = async (seq) => {
    const r = await request(api.port, 'POST', '/v1/events', { tenant: INGEST_TENANT, type: 'CARD.CREATED', resource: { card_id: `t_${variant}_${seq}`, amount: 1234 } });
    return r.status === 202 ? { accepted: 1, failed: 0 } : { accepted: 0, failed: 1, error: `HTTP ${r.status} ${r.text.slice(0, 200)}` };
  };
  await closedLoop({ seconds: 0.5, concurrency: HTTP_CONCURRENCY, send }); // the agent's sockets to this API, JIT
  const { accepted, failed, firstError, secs, cpu } = await closedLoop({ seconds: P.tracingIngestS, concurrency: HTTP_CONCURRENCY, send });
  return {
    variant,
    per_s: round(accepted / secs),
    accepted,
    failed,
    first_error: firstError ?? null,
    api_cpu_ms_per_event: cpuMsPer(cpu[apiName(variant)], accepted / secs),
    other_cores: cpu.other ?? null,
  };
}

/** Means per variant of `key` over the segments. */
const means = (segments, key) => Object.fromEntries(VARIANTS.map((v) => [v, round(mean(segments.filter((s) => s.variant === v).map((s) => s[key])), 3)]));

/** Per ABBA block, default ÷ no_tracing: how far the noise alone moves the ratio. */
function blockRatios(segments, key) {
  const out = [];
  for (let i = 0; i + 4 <= segments.length; i += 4) {
    const block = means(segments.slice(i, i + 4), key);
    out.push(ratio(block.default, block.no_tracing));
  }
  return out;
}

/** Starts one process per variant with `start(variant)`, checks its log, stops them all after `fn`. */
async function withVariants(start, processName, stop, fn) {
  const procs = {};
  try {
    for (const v of VARIANTS) {
      procs[v] = await start(v);
      await checkVariant(processName(v), v);
    }
    return await fn(procs);
  } finally {
    await Promise.all(Object.values(procs).map(stop));
  }
}

export async function phaseTracing(createProducer) {
  const error = await stubMismatch();
  if (error) {
    log(`tracing phase not run: ${error}`);
    return { throughput_ratio: null, ingest_ratio: null, error };
  }
  await purgeHookrelayWork('before the tracing phase');
  for (const v of VARIANTS) extraPrefixes.add(prefixOf(v));
  const segments = order(P.tracingRounds);

  const deliveries = await withVariants(
    (v) => startWorkers(1, `trace-${v}`, { QUEUE_PREFIX: prefixOf(v) }, { nodeArgs: NODE_ARGS[v], name: workerName(v) }),
    (v) => `${workerName(v)}-0`,
    stopWorkers,
    async () => {
      const out = [];
      for (const v of segments) {
        out.push(await deliverySegment(createProducer, v));
        log(`tracing ${v}: ${out.at(-1).steady_per_s} deliveries/s steady, worker ${out.at(-1).worker_cpu_ms_per_delivery} CPU ms/delivery`);
      }
      return out;
    },
  );
  const ingest = await withVariants(
    (v) => startApi({ name: apiName(v), nodeArgs: NODE_ARGS[v], main: false }),
    apiName,
    (p) => stopChild(p),
    async (apis) => {
      const out = [];
      for (const v of segments) {
        out.push(await ingestSegment(apis[v], v));
        log(`tracing ${v}: ${out.at(-1).per_s} events/s over HTTP, API ${out.at(-1).api_cpu_ms_per_event} CPU ms/event`);
      }
      return out;
    },
  );
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
    block_ratios: { deliveries: blockRatios(deliveries, 'steady_per_s'), ingest: blockRatios(ingest, 'per_s') },
    // other users' load in the worst segment: above a few tenths of a core the ratios are noise
    other_cores_max: round(Math.max(...[...deliveries, ...ingest].map((s) => s.other_cores ?? 0)), 2),
    order: segments,
    deliver_s: P.tracingDeliverS,
    ingest_s: P.tracingIngestS,
    segments: { deliveries, ingest },
  };
}
