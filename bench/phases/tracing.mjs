// Tracing phase (issue 18): what tracing costs when no OTLP endpoint is set.
// Two variants of the same build, started alike (flags, environment, no
// OTEL_* variables):
//   default     the API and a worker as shipped
//   no_tracing  a copy of the built apps and packages with Hookrelay's four
//               tracing modules replaced by pass-through stubs
//               (bench/tracing-off/build.mjs): tracing compiled out, and
//               @opentelemetry/api never loaded
//
// The variants run at the same time, not one after the other: run in turns,
// the same build gave 576-1,155 deliveries/s from one 4 s segment to the
// next (Postgres's autovacuum and planner statistics catching up with the
// growing tables, the pipeline's own jitter), far more than the 3 % to
// detect. Side by side, each variant has its own worker on its own queue
// prefix, its own tenant with 20 webhooks and its own closed loop (SDK
// publishBatch, 1,500 deliveries outstanding), and both share everything
// else at every moment: the cores, Postgres, Redis, the receiver, other
// users' load. A variant that costs more per delivery gets fewer through.
// The same for HTTP ingest: POST /v1/events from 32 callers to each
// variant's API (64 in all), no worker running.
//
// Figures: tracing_throughput_ratio (deliveries/s, default ÷ no_tracing;
// target >= 0.97) and tracing_ingest_ratio (events/s, same), per 5 s window
// too, with CPU per delivery and per event of each variant. With
// --tracing-aa the copy keeps the real tracing modules, so the ratios show
// the noise floor of the method.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { FANOUT, HTTP_CONCURRENCY, P, QUEUE_PREFIX, REDIS_URL, RUN_ID, TRACING_AA, benchDir, log, root } from '../harness/options.mjs';
import { cpuDelta, cpuMsPer, cpuSnapshot } from '../harness/cpu.mjs';
import { request } from '../harness/http-client.mjs';
import { purgeHookrelayWork } from '../harness/pg.mjs';
import { startApi, startWorkers, stopChild, stopWorkers } from '../harness/processes.mjs';
import { receiverReset, receiverStats } from '../harness/receiver-client.mjs';
import { extraPrefixes } from '../harness/redis.mjs';
import { round } from '../harness/stats.mjs';
import { STUBS, buildWithoutTracing } from '../tracing-off/build.mjs';
import { INGEST_TENANT } from './ingest.mjs';

const VARIANTS = ['default', 'no_tracing'];
const WARM_UP_S = 3;
const WINDOW_S = 5;
const BACKLOG = 1500;

/** Tenants and receiver paths of the variants' deliveries (run.mjs makes their webhooks). */
export const tracingTenant = (variant) => `bench-trace-${variant}`;
export const tracingPath = (variant) => `/trace-${variant}/`;
export const TRACING_VARIANTS = VARIANTS;
const prefixOf = (variant) => `${QUEUE_PREFIX}_${variant}`;
const workerName = (variant) => `worker_${variant}`; // CPU group worker_<variant>s (harness/cpu.mjs)
const apiName = (variant) => `api_${variant}`;

const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, 3) : null);

/** The stubs must export what the real modules export, with the same constants; else the variant is not the same program. */
async function stubMismatch() {
  const problems = [];
  for (const [file, stub] of Object.entries(STUBS)) {
    const real = await import(pathToFileURL(path.join(root, file)).href);
    const fake = await import(pathToFileURL(path.join(benchDir, 'tracing-off', stub)).href);
    const names = (m) => Object.keys(m).sort().join(',');
    if (names(real) !== names(fake)) problems.push(`${stub} exports ${names(fake)}, ${file} exports ${names(real)}`);
    for (const k of ['TRACER_NAME', 'SPANS', 'SPAN_ATTRIBUTES']) {
      if (k in real && JSON.stringify(real[k]) !== JSON.stringify(fake[k])) problems.push(`${stub}: ${k} differs from ${file}`);
    }
  }
  return problems.length ? `bench/tracing-off is out of date: ${problems.join('; ')}` : null;
}

/** Starts one process per variant, runs `fn(procs)`, stops them. */
async function withVariants(start, stop, fn) {
  const procs = {};
  try {
    for (const v of VARIANTS) procs[v] = await start(v);
    return await fn(procs);
  } finally {
    await Promise.all(Object.values(procs).map(stop));
  }
}

/**
 * Runs `tick()` every 50 ms for warm + `seconds`; `count()` gives each
 * variant's running total. Returns per-variant rates over the measured part,
 * the rate ratio per WINDOW_S window, and the CPU of every process group.
 */
async function sideBySide({ seconds, tick, count }) {
  const start = Date.now();
  let t0 = null;
  let cpu0 = null;
  const windows = [];
  let windowStart = null;
  while (Date.now() < start + (WARM_UP_S + seconds) * 1000) {
    await tick();
    if (!t0 && Date.now() - start >= WARM_UP_S * 1000) {
      cpu0 = cpuSnapshot();
      t0 = { at: Date.now(), ...(await count()) };
      windowStart = t0;
    }
    if (windowStart && Date.now() - windowStart.at >= WINDOW_S * 1000) {
      const now = { at: Date.now(), ...(await count()) };
      windows.push(ratio(now.default - windowStart.default, now.no_tracing - windowStart.no_tracing));
      windowStart = now;
    }
    await sleep(50);
  }
  const t1 = { at: Date.now(), ...(await count()) };
  const cpu = cpuDelta(cpu0, cpuSnapshot());
  const secs = (t1.at - t0.at) / 1000;
  const rate = Object.fromEntries(VARIANTS.map((v) => [v, round((t1[v] - t0[v]) / secs, 1)]));
  return { rate, windows, cpu, seconds: round(secs, 1) };
}

async function deliveries(createProducer) {
  const groups = Object.fromEntries(VARIANTS.map((v) => [v, tracingPath(v)]));
  await receiverReset('/trace-', Object.values(groups));
  const producers = Object.fromEntries(VARIANTS.map((v) => [v, createProducer({ redisUrl: REDIS_URL, queuePrefix: prefixOf(v) })]));
  const published = { default: 0, no_tracing: 0 };
  let delivered = { default: 0, no_tracing: 0 };
  const count = async () => {
    const s = await receiverStats();
    delivered = Object.fromEntries(VARIANTS.map((v) => [v, s.groups[groups[v]] ?? 0]));
    return delivered;
  };
  // both closed loops top up in the same tick, in alternating order
  let flip = false;
  const tick = async () => {
    await count();
    flip = !flip;
    for (const v of flip ? VARIANTS : [...VARIANTS].reverse()) {
      const n = Math.ceil((BACKLOG - (published[v] * FANOUT - delivered[v])) / FANOUT);
      if (n <= 0) continue;
      await producers[v].publishBatch(
        Array.from({ length: n }, (_, i) => ({ tenant: tracingTenant(v), type: 'CARD.CREATED', resource: { seq: published[v] + i } })),
      );
      published[v] += n;
    }
  };
  try {
    const r = await sideBySide({ seconds: P.tracingDeliverS, tick, count });
    const workerMs = Object.fromEntries(VARIANTS.map((v) => [v, cpuMsPer(r.cpu[`${workerName(v)}s`], r.rate[v])]));
    return { ...r, worker_cpu_ms_per_delivery: workerMs, published, delivered };
  } finally {
    await Promise.all(Object.values(producers).map((p) => p.close()));
  }
}

async function ingest(apis) {
  const accepted = { default: 0, no_tracing: 0 };
  let failed = 0;
  let firstError = null;
  let running = true;
  const caller = (v) => async () => {
    let seq = 0;
    while (running) {
      const r = await request(apis[v].port, 'POST', '/v1/events', {
        tenant: INGEST_TENANT,
        type: 'CARD.CREATED',
        resource: { card_id: `t_${v}_${seq++}`, amount: 1234 },
      }).catch((e) => ({ status: 0, text: e.message }));
      if (r.status === 202) accepted[v]++;
      else {
        failed++;
        firstError ??= `HTTP ${r.status} ${r.text.slice(0, 200)}`;
        await sleep(10);
      }
    }
  };
  const callers = VARIANTS.flatMap((v) => Array.from({ length: HTTP_CONCURRENCY / 2 }, () => caller(v)()));
  try {
    const r = await sideBySide({ seconds: P.tracingIngestS, tick: async () => {}, count: async () => ({ ...accepted }) });
    const apiMs = Object.fromEntries(VARIANTS.map((v) => [v, cpuMsPer(r.cpu[apiName(v)], r.rate[v])]));
    return { ...r, api_cpu_ms_per_event: apiMs, failed, first_error: firstError };
  } finally {
    running = false;
    await Promise.all(callers);
  }
}

export async function phaseTracing(createProducer) {
  const error = await stubMismatch();
  if (error) {
    log(`tracing phase not run: ${error}`);
    return { throughput_ratio: null, ingest_ratio: null, error };
  }
  const dir = path.join(os.tmpdir(), `hookrelay-bench-no-tracing-${RUN_ID}`);
  try {
    const copy = buildWithoutTracing(root, dir, { stub: !TRACING_AA });
    return await sideBySidePhases(createProducer, { default: {}, no_tracing: copy });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `entries[variant]`: {api, worker} entry points, or {} for the repository's own. */
async function sideBySidePhases(createProducer, entries) {
  await purgeHookrelayWork('before the tracing phase');
  for (const v of VARIANTS) extraPrefixes.add(prefixOf(v));
  const d = await withVariants(
    (v) => startWorkers(1, `trace-${v}`, { QUEUE_PREFIX: prefixOf(v) }, { entry: entries[v].worker, name: workerName(v) }),
    stopWorkers,
    () => deliveries(createProducer),
  );
  log(`tracing, side by side: ${d.rate.default} vs ${d.rate.no_tracing} deliveries/s, per ${WINDOW_S} s: ${d.windows.join(' ')}`);
  for (const v of VARIANTS) await purgeHookrelayWork(`tracing phase, ${v} backlog`, prefixOf(v));
  const i = await withVariants(
    (v) => startApi({ name: apiName(v), entry: entries[v].api, main: false }),
    (p) => stopChild(p),
    ingest,
  );
  log(`tracing, side by side: ${i.rate.default} vs ${i.rate.no_tracing} events/s over HTTP, per ${WINDOW_S} s: ${i.windows.join(' ')}`);
  await purgeHookrelayWork('after the tracing phase');
  const otherCores = Math.max(d.cpu.other ?? 0, i.cpu.other ?? 0);
  return {
    throughput_ratio: ratio(d.rate.default, d.rate.no_tracing),
    ingest_ratio: ratio(i.rate.default, i.rate.no_tracing),
    // CPU per unit, no_tracing ÷ default: also >= 0.97 when tracing's hooks cost under 3 %
    worker_cpu_ratio: ratio(d.worker_cpu_ms_per_delivery.no_tracing, d.worker_cpu_ms_per_delivery.default),
    api_cpu_ratio: ratio(i.api_cpu_ms_per_event.no_tracing, i.api_cpu_ms_per_event.default),
    control: TRACING_AA,
    deliveries_per_s: d.rate,
    worker_cpu_ms_per_delivery: d.worker_cpu_ms_per_delivery,
    ingest_per_s: i.rate,
    api_cpu_ms_per_event: i.api_cpu_ms_per_event,
    window_ratios: { deliveries: d.windows, ingest: i.windows },
    // other users' load: above a few tenths of a core they share the machine unevenly
    other_cores_max: round(otherCores, 2),
    details: { deliveries: d, ingest: i },
  };
}
