#!/usr/bin/env node
// Hookrelay benchmark: `pnpm bench` (full) or `pnpm bench --quick`. The
// runner: it starts the system under test (harness/stack.mjs), runs the
// selected phases (bench/phases/*.mjs), prints the PASS/FAIL table and
// writes bench/results/latest.json. Options are in harness/options.mjs and
// bench/README.md, which also says what each figure means.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CONCURRENCY, DB_NAME, FANOUT, MODE, ONLY, QUEUE_PREFIX, REDIS_URL, WORKER_COUNTS, log, runs } from './harness/options.mjs';
import { api, createWebhook } from './harness/http-client.mjs';
import { hook } from './harness/receiver-client.mjs';
import { purgeHookrelayWork } from './harness/pg.mjs';
import { prefixKeys, redisMemory } from './harness/redis.mjs';
import { evaluateTargets, machine, writeAndPrint } from './harness/report.mjs';
import { round } from './harness/stats.mjs';
import { cleanup, installSignalHandlers, onCleanup, startStack } from './harness/stack.mjs';
import { summarize } from './harness/summary.mjs';
import { phaseBatchIngest } from './phases/batch-ingest.mjs';
import { phaseExpressBaseline } from './phases/express-baseline.mjs';
import { INGEST_TENANT, phaseHttpIngest, phaseSdkIngest } from './phases/ingest.mjs';
import { LATENCY_TENANTS } from './phases/latency.mjs';
import { phaseNoisy } from './phases/noisy.mjs';
import { sdkTenant } from './phases/sdk-consumers.mjs';
import { throughputTenant } from './phases/throughput.mjs';
import { TRACING_VARIANTS, phaseTracing, tracingPath, tracingTenant } from './phases/tracing.mjs';
import { workerRound } from './phases/worker-round.mjs';
import { runScale, scaleCleanup } from './scale/phase.mjs';

/** Every webhook the worker rounds publish to, one receiver path each (the noisy phase makes its own). */
async function createWebhooks() {
  await createWebhook(INGEST_TENANT, hook('/ingest'));
  for (const n of WORKER_COUNTS) {
    for (const [name, tenant] of Object.entries(LATENCY_TENANTS)) await createWebhook(tenant(`${n}w`), hook(`/${name}-${n}w/`));
    for (let i = 0; i < FANOUT; i++) await createWebhook(throughputTenant(`${n}w`), hook(`/fan-${n}w/${i}`));
    await createWebhook(sdkTenant(`${n}w`), hook(`/sdk-${n}w/`));
  }
  if (runs('tracing')) for (const v of TRACING_VARIANTS) for (let i = 0; i < FANOUT; i++) await createWebhook(tracingTenant(v), hook(`${tracingPath(v)}${i}`));
}

/** The ingest phases, with no worker running: the API, the bare Express route and the producer alone. */
async function ingestPhases(createProducer) {
  await api('POST', '/v1/events', { tenant: INGEST_TENANT, type: 'CARD.CREATED', resource: { warm: true } });
  const skipped = { per_s: null, skipped: true };
  if (!runs('ingest')) return { http: skipped, express: skipped, batch: skipped, sdk: skipped };
  const http = await phaseHttpIngest();
  log(`HTTP ingest: ${http.per_s}/s (${http.accepted} accepted, ${http.failed} failed${http.first_error ? `: ${http.first_error}` : ''})`);
  const express = await phaseExpressBaseline();
  log(`bare Express: ${express.per_s}/s, ${express.cpu_ms_per_request} CPU ms/request (API: ${http.api_cpu_ms_per_event})`);
  const batch = await phaseBatchIngest();
  log(
    batch.supported
      ? `batch ingest: ${batch.per_s} events/s (${batch.accepted} accepted, ${batch.failed} failed${batch.first_error ? `: ${batch.first_error}` : ''})`
      : `batch ingest: ${batch.note}`,
  );
  const sdk = await phaseSdkIngest(createProducer);
  log(`SDK ingest, no workers: publishBatch ${sdk.publish_batch.per_s}/s, publish() ${sdk.publish.per_s}/s`);
  return { http, express, batch, sdk };
}

async function main() {
  if (runs('scale')) onCleanup(scaleCleanup);
  // the scale phase brings its own databases and processes: alone, it needs none of the others'
  if (ONLY.every((p) => p === 'scale')) return runScale();
  const overallStart = Date.now();
  log(
    `mode ${MODE}; phases ${ONLY.filter(runs).join(',')}; database ${DB_NAME}; queue prefix ${QUEUE_PREFIX}; workers ${WORKER_COUNTS.join(',')} × concurrency ${CONCURRENCY}`,
  );
  const { createProducer } = await startStack();
  await createWebhooks();

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const result = {
    date: new Date().toISOString(),
    mode: MODE,
    phases: ONLY.filter(runs),
    machine: machine(),
    load_average_start: os.loadavg().map((x) => round(x, 2)),
    workers: WORKER_COUNTS,
    worker_concurrency: CONCURRENCY,
  };
  const details = { phases_s: {} };
  try {
    let t = Date.now();
    const ingest = await ingestPhases(createProducer);
    details.phases_s.ingest = (Date.now() - t) / 1000;
    await purgeHookrelayWork('after ingest phases');
    await sleep(500);

    const redisFigures = { before: await redisMemory(redis), after: null };
    const keysBefore = await prefixKeys(redis);
    let keysAfter = null;
    const readRedisAfter = async () => {
      redisFigures.after = await redisMemory(redis);
      keysAfter = await prefixKeys(redis);
    };

    const byWorkers = {};
    const rounds = ['ingest', 'latency', 'throughput', 'floor'].some(runs) ? WORKER_COUNTS : [];
    for (const [idx, n] of rounds.entries()) {
      t = Date.now();
      log(`--- ${n} worker process(es)`);
      const last = idx === rounds.length - 1;
      byWorkers[String(n)] = await workerRound(n, createProducer, { afterThroughput: last ? readRedisAfter : undefined });
      details.phases_s[`workers_${n}`] = (Date.now() - t) / 1000;
    }
    if (!rounds.length) redisFigures.before = null;

    let tracing = null;
    if (runs('tracing')) {
      t = Date.now();
      log('--- tracing: the default build (no OTLP endpoint) beside tracing compiled out');
      tracing = await phaseTracing(createProducer);
      log(`tracing: deliveries ${tracing.throughput_ratio}, HTTP ingest ${tracing.ingest_ratio} (default ÷ without tracing)`);
      details.phases_s.tracing = (Date.now() - t) / 1000;
    }

    let noisy = null;
    if (runs('noisy')) {
      t = Date.now();
      log('--- noisy: a healthy tenant beside a slow and a dead endpoint');
      noisy = await phaseNoisy(createProducer);
      details.phases_s.noisy = (Date.now() - t) / 1000;
    }

    Object.assign(result, summarize({ ingest, byWorkers, tracing, noisy, redis: redisFigures, cpus: result.machine.cpus }));
    details.http_ingest = ingest.http;
    details.express_ingest = ingest.express;
    details.batch_ingest = ingest.batch;
    details.sdk_ingest = ingest.sdk;
    details.tracing = tracing;
    details.noisy = noisy;
    details.redis = {
      note: "used_memory is server-wide (other users of this Redis count too); prefix_* is this run's keys only",
      prefix_before: keysBefore,
      prefix_after: keysAfter,
    };
    details.total_s = (Date.now() - overallStart) / 1000;
    result.load_average_end = os.loadavg().map((x) => round(x, 2));
    result.targets = evaluateTargets(result, runs, new Set(ingest.batch.supported === false ? ['batch_ingest_per_s'] : []));
    result.details = details;
    writeAndPrint(result);
  } finally {
    redis.disconnect();
  }
  if (runs('scale')) await runScale();
}

installSignalHandlers();
try {
  await main();
  await cleanup();
  process.exit(0);
} catch (error) {
  console.error(`bench failed: ${error.stack ?? error}`);
  await cleanup();
  process.exit(1);
}
