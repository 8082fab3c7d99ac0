#!/usr/bin/env node
// What tracing costs per delivery attempt, in one process, no I/O: the
// attempt wrapper (traceAttempt) around an attempt that does nothing, against
// the bare attempt, with tracing unset (the default: one boolean check) and
// with the SDK on (a span, its attributes, the traceparent header; spans
// handed to a batch processor whose exporter drops them). Also the check
// done when a delivery job is enqueued (currentTraceparent).
//   node bench/tracing-overhead.mjs [--calls=1000000]
// Needs `pnpm build`.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(pathToFileURL(path.join(root, p)).href);
const N = Number(process.argv.find((a) => a.startsWith('--calls='))?.split('=')[1] ?? 1_000_000);

const { traceAttempt } = await load('packages/delivery/dist/delivery-tracing.js');
const core = await load('packages/core/dist/index.js');

const ctx = { tenantId: 'acme', webhookId: 'w-1', id: 'n-1', eventId: 'e-1', attemptCount: 0, url: 'http://127.0.0.1:9/hook' };
const result = { kind: 'delivered', statusCode: 200, durationMs: 1, responseBody: 'ok', error: null, retryAfterMs: null };
const send = () => Promise.resolve(result);

async function nsPerCall(label, fn, calls = N) {
  for (let i = 0; i < Math.min(calls, 50_000); i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  const ns = Number(process.hrtime.bigint() - start) / calls;
  console.log(`${label.padEnd(58)} ${ns.toFixed(1).padStart(9)} ns/call`);
  return ns;
}

// alternating rounds, best of each: the machine's noise is larger than the difference
let bare = Infinity;
let off = Infinity;
for (let round = 0; round < 5; round++) {
  bare = Math.min(bare, await nsPerCall('bare attempt (await send())', () => send()));
  off = Math.min(off, await nsPerCall('traceAttempt, tracing unset', () => traceAttempt(ctx, 'schedule', null, {}, send)));
}
await nsPerCall('currentTraceparent(), tracing unset', async () => core.currentTraceparent());
console.log(`=> best of 5: bare ${bare.toFixed(1)} ns, wrapped ${off.toFixed(1)} ns: overhead per attempt with tracing unset ${(off - bare).toFixed(1)} ns`);

// the SDK on, as startTracing sets it up, with an exporter that drops everything
// resolved where @hookrelay/core resolves them (the API's registrations are global, shared by every copy)
const requireFromCore = createRequire(path.join(root, 'packages/core/package.json'));
const [api, otelCore, sdk, asyncHooks] = ['@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/sdk-trace', '@opentelemetry/context-async-hooks'].map(
  (m) => requireFromCore(m),
);
api.context.setGlobalContextManager(new asyncHooks.AsyncLocalStorageContextManager().enable());
api.propagation.setGlobalPropagator(new otelCore.W3CTraceContextPropagator());
const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new sdk.TracerProvider({
  spanProcessors: [new sdk.BatchSpanProcessor({ exporter, maxQueueSize: 65536, maxExportBatchSize: 4096, scheduledDelayMillis: 50 })],
});
api.trace.setGlobalTracerProvider(provider);
core.setTracingEnabled(true);
const on = await nsPerCall('traceAttempt, tracing on (span + traceparent header)', () => traceAttempt(ctx, 'schedule', null, {}, send), Math.min(N, 200_000));
console.log(`=> cost per attempt with tracing on: ${((on - bare) / 1000).toFixed(2)} µs`);
await provider.shutdown();
