// What a run shows: the targets, the PASS/FAIL table and the result files
// (bench/results/latest.json, kept in git, and a dated copy, ignored).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODE, SDK_CONCURRENCY, resultsDir } from './options.mjs';

export const TARGETS = [
  { key: 'deliveries_per_s', label: 'deliveries/s sustained', op: '>=', value: 2000 },
  { key: 'floor_ratio', label: 'ratio to bare floor', op: '>=', value: 0.5 },
  { key: 'p99_ms', label: 'p99 latency @500 ev/s (ms)', op: '<', value: 100 },
  { key: 'http_ingest_per_s', label: 'HTTP ingest events/s', op: '>=', value: 3000 },
  { key: 'sdk_ingest_per_s', label: 'SDK ingest events/s', op: '>=', value: 10000 },
  { key: 'redis_mem_growth_bytes', label: 'Redis memory growth (bytes)', op: '<', value: 32 * 1024 * 1024 },
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

export function evaluateTargets(r) {
  return TARGETS.map((t) => {
    const v = r[t.key];
    const pass = typeof v === 'number' && Number.isFinite(v) && (t.op === '>=' ? v >= t.value : v < t.value);
    return { key: t.key, label: t.label, figure: v ?? null, target: `${t.op} ${t.value}`, pass };
  });
}

const pad = (s, n) => String(s).padEnd(n);
const padl = (s, n) => String(s).padStart(n);

export function table(result) {
  const lines = [];
  lines.push(`Hookrelay bench — ${result.mode} — ${result.date}`);
  lines.push(`machine: ${result.machine.cpus} × ${result.machine.model}, ${(result.machine.memory_bytes / 2 ** 30).toFixed(1)} GiB, node ${result.machine.node}`);
  lines.push(`load average at start ${result.load_average_start.join(' ')}, at end ${result.load_average_end.join(' ')} (other processes share these 2 cores)`);
  lines.push(`worker concurrency ${result.worker_concurrency}; worker processes run: ${result.workers.join(', ')}; best throughput: ${result.best_workers}, lowest p99: ${result.latency_workers}`);
  lines.push('');
  lines.push(`${pad('figure', 30)}${padl('value', 14)}   ${pad('target', 14)}result`);
  lines.push('-'.repeat(66));
  const shown = ['http_ingest_per_s', 'sdk_ingest_per_s', 'deliveries_per_s', 'floor_deliveries_per_s', 'floor_ratio', 'p50_ms', 'p95_ms', 'p99_ms', 'sdk_p50_ms', 'sdk_p95_ms', 'sdk_p99_ms', 'redis_mem_before_bytes', 'redis_mem_after_bytes', 'redis_mem_growth_bytes'];
  for (const k of shown) {
    const t = result.targets.find((x) => x.key === k);
    lines.push(`${pad(k, 30)}${padl(fmt(result[k]), 14)}   ${pad(t ? t.target : '', 14)}${t ? (t.pass ? 'PASS' : 'FAIL') : ''}`);
  }
  lines.push('');
  lines.push(`by worker processes:`);
  lines.push(`${pad('workers', 9)}${padl('deliv/s', 10)}${padl('steady/s', 10)}${padl('floor/s', 10)}${padl('ratio', 8)}${padl('ratio/cpu', 11)}${padl('p50', 9)}${padl('p95', 9)}${padl('p99', 9)}${padl('sdk p99', 9)}${padl('wkr ms/dlv', 12)}${padl('other cores', 13)}`);
  for (const [n, b] of Object.entries(result.by_workers)) {
    lines.push(
      `${pad(n, 9)}${padl(fmt(b.deliveries_per_s), 10)}${padl(fmt(b.details.throughput?.steady_per_s), 10)}${padl(fmt(b.floor_deliveries_per_s), 10)}${padl(fmt(b.floor_ratio), 8)}${padl(fmt(b.floor_ratio_per_cpu), 11)}${padl(fmt(b.p50_ms), 9)}${padl(fmt(b.p95_ms), 9)}${padl(fmt(b.p99_ms), 9)}${padl(fmt(b.sdk_p99_ms), 9)}${padl(fmt(b.details.throughput?.worker_cpu_ms_per_delivery), 12)}${padl(fmt(b.details.throughput?.cpu_cores_total?.other), 13)}`,
    );
  }
  const hi = result.details.http_ingest;
  lines.push('');
  if (hi.skipped) return lines.join('\n');
  lines.push(`HTTP ingest: API ${fmt(hi.api_cpu_ms_per_event)} CPU ms/event, response p50 ${fmt(hi.response_p50_ms)} ms; other users took ${fmt(hi.cpu_cores.other)} cores meanwhile`);
  lines.push(`SDK ingest: publishBatch ${fmt(result.details.sdk_ingest.publish_batch.per_s)}/s, publish() ×${SDK_CONCURRENCY} ${fmt(result.details.sdk_ingest.publish.per_s)}/s`);
  return lines.join('\n');
}

/** Writes latest.json and the dated copy, prints the table and the PASS/FAIL lines. */
export function writeAndPrint(result) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const json = JSON.stringify(result, null, 2);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), `${json}\n`);
  fs.writeFileSync(path.join(resultsDir, `${MODE}-${result.date.replace(/[:.]/g, '-')}.json`), `${json}\n`);
  console.log(`\n${table(result)}\n`);
  for (const t of result.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'}  ${t.label}: ${fmt(t.figure)} (target ${t.target})`);
  console.log(`\nwrote bench/results/latest.json (${result.details.total_s.toFixed(0)} s)`);
}
