// What a run shows: the targets, the PASS/FAIL table and the result files
// (bench/results/latest.json, kept in git, and a dated copy, ignored).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capacityLines } from './capacity.mjs';
import { COLD_RATE, LATENCY_RATE, MODE, SDK_CONCURRENCY, resultsDir } from './options.mjs';

const ROUNDS = ['ingest', 'latency', 'throughput', 'floor']; // phases that run inside the worker rounds

/** `measured(runs)`: whether this invocation measures the figure at all (if not: n/a, neither PASS nor FAIL). */
export const TARGETS = [
  { key: 'http_ingest_ratio_vs_express', label: 'HTTP ingest / bare Express route (events/s)', op: '>=', value: 0.67, measured: (runs) => runs('ingest') },
  { key: 'ingest_cpu_ratio_vs_express', label: 'API CPU per event / bare Express per request', op: '<=', value: 1.5, measured: (runs) => runs('ingest') },
  { key: 'batch_ingest_per_s', label: 'batch ingest events/s (100 per request, 8 in flight)', op: '>=', value: 15000, measured: (runs) => runs('ingest') },
  { key: 'sdk_ingest_per_s', label: 'SDK publish() x64 events/s, workers consuming', op: '>=', value: 10000, measured: (runs) => runs('ingest') },
  { key: 'sdk_batch_ingest_per_s', label: 'SDK publishBatch events/s', op: '>=', value: 50000, measured: (runs) => runs('ingest') },
  {
    key: 'floor_ratio',
    label: 'deliveries / same-client floor, lower of the worker counts',
    op: 'between',
    value: [0.75, 1],
    measured: (runs) => runs('throughput') && runs('floor'),
  },
  { key: 'p99_ms', label: `p99 latency @${LATENCY_RATE} ev/s after the warm-up (ms)`, op: '<', value: 100, measured: (runs) => runs('latency') },
  { key: 'p99_cold_ms', label: `p99 latency @${COLD_RATE} ev/s from the first event (ms)`, op: '<', value: 100, measured: (runs) => runs('latency') },
  { key: 'redis_mem_growth_bytes', label: 'Redis memory growth (bytes)', op: '<', value: 32 * 1024 * 1024, measured: (runs) => ROUNDS.some(runs) },
  { key: 'tracing_throughput_ratio', label: 'deliveries/s, tracing unset / compiled out', op: '>=', value: 0.97, measured: (runs) => runs('tracing') },
  { key: 'noisy_p99_ms', label: 'healthy p99 beside slow + dead endpoints (ms)', op: '<', value: 250, measured: (runs) => runs('noisy') },
  { key: 'noisy_p99_ratio', label: 'healthy p99, noisy / quiet', op: '<=', value: 2, measured: (runs) => runs('noisy') },
  { key: 'noisy_throughput_ratio', label: 'healthy delivered/s, noisy / quiet', op: '>=', value: 0.9, measured: (runs) => runs('noisy') },
];

export function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    memory_bytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    hostname: os.hostname(),
  };
}

export function fmt(v, unit = '') {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'number') return `${v.toLocaleString('en-US', { maximumFractionDigits: 2 })}${unit}`;
  return String(v);
}

const meets = (v, { op, value }) => (op === '>=' ? v >= value : op === '<=' ? v <= value : op === '<' ? v < value : v >= value[0] && v <= value[1]);
const targetText = ({ op, value }) => (op === 'between' ? `${value[0]}..${value[1]}` : `${op} ${value}`);

/**
 * PASS/FAIL per target; `n/a` (pass null) when this invocation does not
 * measure the figure (phase not run, or in `unsupported`: e.g. a route this
 * build lacks). A figure that was measured but is null (e.g. a percentile
 * that falls on an undelivered event) is a FAIL.
 */
export function evaluateTargets(r, runs, unsupported = new Set()) {
  return TARGETS.map((t) => {
    const v = r[t.key];
    const na = !t.measured(runs) || unsupported.has(t.key);
    const pass = na ? null : typeof v === 'number' && Number.isFinite(v) && meets(v, t);
    return { key: t.key, label: t.label, figure: v ?? null, target: targetText(t), pass, result: na ? 'n/a' : pass ? 'PASS' : 'FAIL' };
  });
}

const pad = (s, n) => String(s).padEnd(n);
const padl = (s, n) => String(s).padStart(n);

/** The figures of the table, in groups; cold latency sits next to warm. */
const SHOWN = [
  [
    'http_ingest_per_s',
    'express_ingest_per_s',
    'http_ingest_ratio_vs_express',
    'api_cpu_ms_per_event',
    'express_cpu_ms_per_request',
    'ingest_cpu_ratio_vs_express',
    'batch_ingest_per_s',
    'sdk_ingest_per_s',
    'sdk_batch_ingest_per_s',
  ],
  ['deliveries_per_s', 'floor_deliveries_per_s', 'floor_ratio'],
  ['p50_ms', 'p50_cold_ms', 'p95_ms', 'p95_cold_ms', 'p99_ms', 'p99_cold_ms', 'sdk_p50_ms', 'sdk_p95_ms', 'sdk_p99_ms'],
  ['redis_mem_before_bytes', 'redis_mem_after_bytes', 'redis_mem_growth_bytes'],
  ['tracing_throughput_ratio', 'tracing_ingest_ratio'],
  [
    'quiet_p50_ms',
    'noisy_p50_ms',
    'quiet_p99_ms',
    'noisy_p99_ms',
    'noisy_p99_ratio',
    'quiet_delivered_per_s',
    'noisy_delivered_per_s',
    'noisy_throughput_ratio',
  ],
];

function byWorkersTable(result) {
  const cols = [
    ['workers', 9, (_b, n) => n, pad],
    ['deliv/s', 10, (b) => fmt(b.deliveries_per_s)],
    ['steady/s', 10, (b) => fmt(b.details.throughput?.steady_per_s)],
    ['floor/s', 10, (b) => fmt(b.floor_deliveries_per_s)],
    ['ratio', 8, (b) => fmt(b.floor_ratio)],
    ['ratio/cpu', 11, (b) => fmt(b.floor_ratio_per_cpu)],
    ['p50', 9, (b) => fmt(b.p50_ms)],
    ['p99', 9, (b) => fmt(b.p99_ms)],
    ['cold p99', 10, (b) => fmt(b.p99_cold_ms)],
    ['sdk p99', 9, (b) => fmt(b.sdk_p99_ms)],
    ['sdk pub/s', 11, (b) => fmt(b.sdk_ingest_per_s)],
    ['wkr ms/dlv', 12, (b) => fmt(b.details.throughput?.worker_cpu_ms_per_delivery)],
    ['other cores', 13, (b) => fmt(b.details.throughput?.cpu_cores_total?.other)],
  ];
  const line = (cells) => cells.map((c, i) => (cols[i][3] ?? padl)(c, cols[i][1])).join('');
  return [line(cols.map((c) => c[0])), ...Object.entries(result.by_workers).map(([n, b]) => line(cols.map((c) => c[2](b, n))))];
}

function footer(d) {
  const lines = [];
  const hi = d.http_ingest;
  if (!hi.skipped) {
    lines.push(
      `HTTP ingest: API ${fmt(hi.api_cpu_ms_per_event)} CPU ms/event, response p50 ${fmt(hi.response_p50_ms)} ms; other users took ${fmt(hi.cpu_cores.other)} cores meanwhile`,
    );
    lines.push(`bare Express (express.json() + 202): ${fmt(d.express_ingest.per_s)}/s, ${fmt(d.express_ingest.cpu_ms_per_request)} CPU ms/request`);
    const b = d.batch_ingest;
    lines.push(
      b.supported
        ? `batch ingest: ${fmt(b.per_s)} events/s, API ${fmt(b.api_cpu_ms_per_event)} CPU ms/event, response p50 ${fmt(b.response_p50_ms)} ms`
        : `batch ingest: n/a (${b.note})`,
    );
    lines.push(
      `SDK ingest, no workers: publishBatch ${fmt(d.sdk_ingest.publish_batch.per_s)}/s, publish() ×${SDK_CONCURRENCY} ${fmt(d.sdk_ingest.publish.per_s)}/s`,
    );
  }
  const tr = d.tracing;
  if (tr && !tr.error) {
    const windows = (xs) => xs.map((x) => fmt(x)).join(' ');
    lines.push(
      `tracing${tr.control ? ' (--tracing-aa: both variants as shipped, the noise floor)' : ''}, side by side, 1 worker each: deliveries/s default ${fmt(tr.deliveries_per_s.default)} vs compiled out ${fmt(tr.deliveries_per_s.no_tracing)} (per 5 s: ${windows(tr.window_ratios.deliveries)}), worker CPU ms/delivery ${fmt(tr.worker_cpu_ms_per_delivery.default)} vs ${fmt(tr.worker_cpu_ms_per_delivery.no_tracing)}`,
    );
    lines.push(
      `tracing, HTTP ingest, 32 callers each: events/s default ${fmt(tr.ingest_per_s.default)} vs compiled out ${fmt(tr.ingest_per_s.no_tracing)} (per 5 s: ${windows(tr.window_ratios.ingest)}), API CPU ms/event ${fmt(tr.api_cpu_ms_per_event.default)} vs ${fmt(tr.api_cpu_ms_per_event.no_tracing)}; other users took ${fmt(tr.other_cores_max)} cores`,
    );
  } else if (tr) lines.push(`tracing: not run (${tr.error})`);
  const nz = d.noisy;
  if (nz) {
    const dn = nz.details.noise;
    lines.push(
      `noisy: ${nz.details.workers} worker(s), DELIVERY_TIMEOUT_MS ${nz.details.delivery_timeout_ms}; ${dn.created.slow} notifications on a ${nz.details.slow_endpoint_ms} ms endpoint and ${dn.created.dead} on a dead one; during the noisy half ${fmt(dn.during_noisy?.slow_attempts)} slow and ${fmt(dn.during_noisy?.dead_attempts)} dead attempts began`,
    );
  }
  return lines;
}

export function table(result) {
  const lines = [];
  lines.push(`Hookrelay bench — ${result.mode} — ${result.date}`);
  lines.push(
    `machine: ${result.machine.cpus} × ${result.machine.model}, ${(result.machine.memory_bytes / 2 ** 30).toFixed(1)} GiB, node ${result.machine.node}`,
  );
  lines.push(`load average at start ${result.load_average_start.join(' ')}, at end ${result.load_average_end.join(' ')} (other processes share these 2 cores)`);
  lines.push(
    `worker concurrency ${result.worker_concurrency}; worker processes run: ${result.workers.join(', ')}; best throughput: ${fmt(result.best_workers)}, lowest p99: ${fmt(result.latency_workers)}; phases: ${result.phases.join(', ')}`,
  );
  lines.push(`latency: warm @${LATENCY_RATE}/s after the warm-up, cold @${COLD_RATE}/s from the first event after one warm-up delivery`);
  lines.push('');
  lines.push(`${pad('figure', 30)}${padl('value', 14)}   ${pad('target', 14)}result`);
  lines.push('-'.repeat(66));
  for (const group of SHOWN) {
    for (const k of group) {
      const t = result.targets.find((x) => x.key === k);
      lines.push(`${pad(k, 30)}${padl(fmt(result[k]), 14)}   ${pad(t ? t.target : '', 14)}${t ? t.result : ''}`.trimEnd());
    }
    lines.push('');
  }
  lines.push(`by worker processes:`);
  lines.push(...byWorkersTable(result));
  lines.push('');
  if (result.capacity) lines.push(...capacityLines(result.capacity), '');
  lines.push(...footer(result.details));
  return lines.join('\n');
}

/** Writes latest.json and the dated copy, prints the table and the PASS/FAIL lines. */
export function writeAndPrint(result) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const json = JSON.stringify(result, null, 2);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), `${json}\n`);
  fs.writeFileSync(path.join(resultsDir, `${MODE}-${result.date.replace(/[:.]/g, '-')}.json`), `${json}\n`);
  console.log(`\n${table(result)}\n`);
  for (const t of result.targets) console.log(`${pad(t.result, 6)}${t.label}: ${fmt(t.figure)} (target ${t.target})`);
  console.log(`\nwrote bench/results/latest.json (${result.details.total_s.toFixed(0)} s)`);
}
