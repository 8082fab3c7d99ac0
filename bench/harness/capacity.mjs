// The capacity model of docs/capacity.md, from one run's figures: the CPU
// ms each component spends per delivery (the throughput phase's steady
// window, fan-out 20 published with publishBatch, so the worker's fan-out
// is included at 1/20 of an event per delivery) and per event (the HTTP
// ingest phases, no worker running), what one core of each carries, and
// the model's check on this machine: each worker round's deliveries/s
// predicted from the CPU costs measured in the other round(s), against
// what that round measured.
//
// The prediction is the utilisation bound of the two resources a delivery
// needs here: a worker process runs its JavaScript on one thread, so N
// workers stop at N × 1000 / worker ms; every process shares the machine's
// cores, so all of them together stop at (cores - other users' load) ×
// 1000 / the sum of every component's ms. It is an upper bound: it leaves
// out queueing for a core when both are nearly saturated.
import { round } from './stats.mjs';

/** Process groups that spend CPU per delivery on this machine (receiver and load generator included: they share the cores). */
export const COMPONENTS = ['workers', 'postgres', 'redis', 'api', 'receiver', 'bench-loadgen'];
const SERVICE = ['api', 'workers', 'postgres', 'redis'];

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const msPer = (cores, perS) => (typeof cores === 'number' && perS > 0 ? (cores * 1000) / perS : 0);

/** CPU ms per delivery of each component in one throughput phase (steady window when there is one). */
export function deliveryCosts(t) {
  const cpu = t?.cpu_cores_steady ?? t?.cpu_cores_total;
  const perS = t?.cpu_cores_steady ? t.steady_per_s : t?.per_s;
  if (!cpu || !(perS > 0)) return null;
  const ms = Object.fromEntries(COMPONENTS.map((c) => [c, msPer(cpu[c], perS)]));
  return { per_s: perS, other_cores: cpu.other ?? 0, ms };
}

/** CPU ms per event of the API, Postgres and Redis in an ingest phase (`apiKey`: the API's process group). */
export function eventCosts(phase, apiKey = 'api') {
  if (!phase?.cpu_cores || !(phase.per_s > 0)) return null;
  const c = phase.cpu_cores;
  return { per_s: phase.per_s, api: msPer(c[apiKey], phase.per_s), postgres: msPer(c.postgres, phase.per_s), redis: msPer(c.redis, phase.per_s) };
}

const meanCosts = (list) => Object.fromEntries(COMPONENTS.map((c) => [c, sum(list.map((x) => x.ms[c])) / list.length]));

/** The bound for N worker processes on `cpus` cores with `other` cores taken by other users. */
export function predict(n, ms, cpus, other) {
  const workerBound = (n * 1000) / ms.workers;
  const machineBound = (Math.max(0, cpus - other) * 1000) / sum(COMPONENTS.map((c) => ms[c]));
  return {
    worker_bound: round(workerBound),
    machine_bound: round(machineBound),
    predicted: round(Math.min(workerBound, machineBound)),
    limit: workerBound < machineBound ? 'workers' : 'cores',
  };
}

const rounded = (o, d = 3) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, d)]));

/** `byWorkers`: {N: workerRound(N)}; `ingest`: {http, batch}; `cpus`: the machine's cores. Null when no throughput phase ran. */
export function capacityModel({ byWorkers, ingest, cpus }) {
  const rounds = Object.entries(byWorkers ?? {})
    .map(([n, r]) => [Number(n), deliveryCosts(r.details?.throughput)])
    .filter(([, c]) => c);
  if (!rounds.length) return null;
  const mean = meanCosts(rounds.map(([, c]) => c));
  const check = rounds.map(([n, own]) => {
    const others = rounds.filter(([m]) => m !== n);
    const from = others.length ? others : [[n, own]];
    const p = predict(n, meanCosts(from.map(([, c]) => c)), cpus, own.other_cores);
    return {
      workers: n,
      costs_from_workers: from.map(([m]) => m),
      other_cores: own.other_cores,
      ...p,
      measured: own.per_s,
      measured_over_predicted: round(own.per_s / p.predicted, 3),
    };
  });
  const http = eventCosts(ingest?.http);
  const batch = eventCosts(ingest?.batch);
  return {
    delivery_cpu_ms: Object.fromEntries(rounds.map(([n, c]) => [n, rounded(c.ms)])),
    delivery_cpu_ms_mean: rounded(mean),
    event_cpu_ms: { http: http && rounded(http), batch: batch && rounded(batch) },
    // one core of each, fully busy (Redis runs its scripts on one core, whatever the host has)
    deliveries_per_core: Object.fromEntries(SERVICE.filter((c) => mean[c] > 0.01).map((c) => [c, round(1000 / mean[c])])),
    http_events_per_api_core: http?.api ? round(1000 / http.api) : null,
    batch_events_per_api_core: batch?.api ? round(1000 / batch.api) : null,
    check,
    max_error: round(Math.max(...check.map((c) => Math.abs(c.measured_over_predicted - 1))), 3),
  };
}

const f = (v, d = 2) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: d }) : 'n/a');

/** The model as printed by run.mjs and bench/capacity.mjs. */
export function capacityLines(m) {
  if (!m) return ['capacity model: n/a (no throughput phase)'];
  const lines = ['capacity model (docs/capacity.md), CPU ms per delivery, throughput phase steady window:'];
  lines.push(`  ${'workers'.padEnd(9)}${COMPONENTS.map((c) => c.padStart(14)).join('')}${'sum'.padStart(8)}`);
  for (const [n, ms] of Object.entries(m.delivery_cpu_ms))
    lines.push(`  ${n.padEnd(9)}${COMPONENTS.map((c) => f(ms[c], 3).padStart(14)).join('')}${f(sum(Object.values(ms)), 3).padStart(8)}`);
  const e = m.event_cpu_ms;
  if (e.http)
    lines.push(
      `  per event over HTTP: API ${f(e.http.api, 3)}, Postgres ${f(e.http.postgres, 3)}, Redis ${f(e.http.redis, 3)} ms; in batches of 100: API ${f(e.batch?.api, 3)}, Postgres ${f(e.batch?.postgres, 3)}, Redis ${f(e.batch?.redis, 3)} ms`,
    );
  lines.push(
    `  deliveries/s per busy core: ${Object.entries(m.deliveries_per_core)
      .map(([c, v]) => `${c} ${f(v, 0)}`)
      .join(', ')}; events/s per API core: ${f(m.http_events_per_api_core, 0)} single, ${f(m.batch_events_per_api_core, 0)} batched`,
  );
  lines.push("  check: deliveries/s predicted from the other round's costs = min(N × 1000 / worker ms, free cores × 1000 / sum ms)");
  lines.push(
    `  ${'workers'.padEnd(9)}${'costs from'.padStart(11)}${'other cores'.padStart(13)}${'worker bound'.padStart(14)}${'core bound'.padStart(12)}${'predicted'.padStart(11)}${'measured'.padStart(10)}${'meas/pred'.padStart(11)}`,
  );
  for (const c of m.check) {
    lines.push(
      `  ${String(c.workers).padEnd(9)}${c.costs_from_workers.join(',').padStart(11)}${f(c.other_cores).padStart(13)}${f(c.worker_bound, 0).padStart(14)}${f(c.machine_bound, 0).padStart(12)}${f(c.predicted, 0).padStart(11)}${f(c.measured, 0).padStart(10)}${f(c.measured_over_predicted, 3).padStart(11)}`,
    );
  }
  return lines;
}
