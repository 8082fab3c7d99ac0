#!/usr/bin/env node
// The ingest ratios of issue 15 alone, repeated: POST /v1/events on the API
// against the bare Express route (bare-express.mjs), driven exactly as the
// ingest phase drives them (64 keep-alive callers, same body), in alternate
// rounds, so that a shared machine's drift shows up as spread between
// rounds rather than as a false gain. With `--base=<checkout>` a second API
// (another built checkout, e.g. the commit before a change) takes its turn
// in every round too, against the same database: before and after in one
// sitting. No workers run; the queued deliveries are left to the cleanup.
//   node bench/ingest-ratio.mjs [--rounds=3] [--seconds=5] [--base=/path/to/checkout] [--profile]
// `--profile` runs the API(s) under `node --cpu-prof` (bench/results/profiles/).
import path from 'node:path';
import os from 'node:os';
import { HTTP_CONCURRENCY, log } from './harness/options.mjs';
import { closedLoop } from './harness/closed-loop.mjs';
import { createWebhook, request } from './harness/http-client.mjs';
import { benchDir } from './harness/options.mjs';
import { children, forkNode, startApi, stopChild, waitMessage } from './harness/processes.mjs';
import { hook } from './harness/receiver-client.mjs';
import { cleanup, installSignalHandlers, startStack } from './harness/stack.mjs';
import { INGEST_TENANT } from './phases/ingest.mjs';

const opt = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const ROUNDS = Number(opt('rounds', 3));
const SECONDS = Number(opt('seconds', 5));
const BASE = opt('base', null);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (x, d = 3) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

/**
 * `seconds` of POST /v1/events on `port` (the ingest phase's load: 64
 * callers, the same body), after a 1 s warm-up; CPU ms per request of the
 * process group `group` (`api`, `api-base`, `express`).
 */
async function ingestOn(port, group, seconds = SECONDS) {
  const send = async (seq) => {
    const r = await request(port, 'POST', '/v1/events', { tenant: INGEST_TENANT, type: 'CARD.CREATED', resource: { card_id: `c_${seq}`, amount: 1234 } });
    return r.status === 202 ? { accepted: 1, failed: 0 } : { accepted: 0, failed: 1, error: `HTTP ${r.status} ${r.text.slice(0, 200)}` };
  };
  await closedLoop({ seconds: 1, concurrency: HTTP_CONCURRENCY, send });
  const { accepted, failed, firstError, secs, cpu } = await closedLoop({ seconds, concurrency: HTTP_CONCURRENCY, send });
  if (failed) log(`${group}: ${failed} failed (${firstError})`);
  const perS = accepted / secs;
  return { per_s: perS, cpu_ms: cpu[group] ? (cpu[group] / perS) * 1000 : null, other: cpu.other ?? 0 };
}

async function main() {
  await startStack();
  await createWebhook(INGEST_TENANT, hook('/ingest'));
  // the stack's API is this checkout's
  const stackApi = [...children].find((c) => c.benchName === 'api');
  const apis = [{ name: 'api', port: stackApi.port }];
  if (BASE) {
    const base = await startApi({ name: 'api-base', entry: path.resolve(BASE, 'apps/api/dist/main.js'), main: false });
    apis.push({ name: 'api-base', port: base.port, child: base });
  }
  const express = forkNode('express', path.join(benchDir, 'bare-express.mjs'), {});
  const { port: expressPort } = await waitMessage(express, (m) => m?.ready, 10_000, 'bare Express ready');
  const targets = [...apis, { name: 'express', port: expressPort, child: express }];
  for (const c of [stackApi, ...targets.map((a) => a.child).filter(Boolean)])
    c.exited.then(({ code, signal }) => log(`${c.benchName} exited: code ${code}, signal ${signal}`));
  // a freshly started process compiles its hot paths in its first seconds
  for (const a of targets) await ingestOn(a.port, a.name, 3);
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const row = { round, load: os.loadavg()[0] };
    // alternate the order, so that neither side always follows the same one
    for (const a of round % 2 ? targets : [...targets].reverse()) row[a.name] = await ingestOn(a.port, a.name);
    rows.push(row);
    const parts = apis.map(
      (a) => `${a.name} ${fmt(row[a.name].cpu_ms)} ms/event ${Math.round(row[a.name].per_s)}/s ratio ${fmt(row[a.name].cpu_ms / row.express.cpu_ms, 2)}`,
    );
    log(
      `round ${round} (load ${row.load.toFixed(2)}): express ${fmt(row.express.cpu_ms)} ms/request ${Math.round(row.express.per_s)}/s; ${parts.join('; ')}; other cores ${row.express.other}`,
    );
  }
  console.log('\nmedians over', ROUNDS, 'rounds of', SECONDS, 's:');
  console.log(
    `  bare express      ${fmt(median(rows.map((r) => r.express.cpu_ms)))} CPU ms/request  ${Math.round(median(rows.map((r) => r.express.per_s)))}/s`,
  );
  for (const a of apis) {
    const cpuMs = median(rows.map((r) => r[a.name].cpu_ms));
    const cpuRatio = median(rows.map((r) => r[a.name].cpu_ms / r.express.cpu_ms));
    const rateRatio = median(rows.map((r) => r[a.name].per_s / r.express.per_s));
    console.log(
      `  ${a.name.padEnd(16)}  ${fmt(cpuMs)} CPU ms/event    ${Math.round(median(rows.map((r) => r[a.name].per_s)))}/s  cpu ratio ${fmt(cpuRatio, 2)}  rate ratio ${fmt(rateRatio, 2)}`,
    );
  }
  for (const a of targets) if (a.child) await stopChild(a.child);
}

installSignalHandlers();
try {
  await main();
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();
