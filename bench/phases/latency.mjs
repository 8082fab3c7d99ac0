// Latency phases, run with N workers: events at a fixed rate to one webhook,
// latency = arrival at the receiver - the moment the bench sent the event
// (harness/open-loop.mjs says how undelivered events count).
//   warm-up  LATENCY_RATE for warmupS, not a figure (fresh workers compile
//            their hot paths and open their connections first)
//   http     POST /v1/events at LATENCY_RATE for latencyS: p50/p95/p99_ms
//   sdk      the producer's publish() (straight into Redis, no API hop):
//            sdk_p50/p95/p99_ms, informative
//   cold     run first, on workers that have just started: one warm-up
//            delivery, then POST /v1/events at COLD_RATE for latencyS, every
//            event counted from the first: p50/p95/p99_cold_ms
import { setTimeout as sleep } from 'node:timers/promises';
import { COLD_RATE, LATENCY_RATE, P, QUEUE_PREFIX, REDIS_URL } from '../harness/options.mjs';
import { api } from '../harness/http-client.mjs';
import { openLoop } from '../harness/open-loop.mjs';
import { receiverReset, receiverStats } from '../harness/receiver-client.mjs';
import { round } from '../harness/stats.mjs';

/** One tenant with one webhook (receiver path `/<name>-<tag>/`) per kind of latency phase. */
export const LATENCY_TENANTS = {
  lat: (tag) => `bench-latency-${tag}`,
  latsdk: (tag) => `bench-latency-sdk-${tag}`,
  warm: (tag) => `bench-warmup-${tag}`,
  cold: (tag) => `bench-latency-cold-${tag}`,
};

/** A publish function for openLoop: 'http' (POST /v1/events) or 'sdk' (publish()); both resolve `{status, text}`. */
export async function publisher(via, createProducer) {
  if (via !== 'sdk') return { publish: (event) => api('POST', '/v1/events', event), close: async () => undefined };
  const producer = createProducer({ redisUrl: REDIS_URL, queuePrefix: QUEUE_PREFIX });
  await producer.publish({ tenant: 'bench-ingest', type: 'CARD.CREATED', resource: { warm: true } }); // connection, scripts
  return { publish: (event) => producer.publish(event).then(() => ({ status: 202, text: '' })), close: () => producer.close() };
}

/**
 * Events at LATENCY_RATE to one webhook. `via` is how they are published:
 * 'http' (POST /v1/events; the target figure) or 'sdk'.
 */
export async function phaseLatency(tag, via, createProducer, { seconds = P.latencyS, name = via === 'sdk' ? 'latsdk' : 'lat' } = {}) {
  const { publish, close } = await publisher(via, createProducer);
  try {
    const r = await openLoop({ tenant: LATENCY_TENANTS[name](tag), accept: `/${name}-${tag}/`, rate: LATENCY_RATE, seconds, publish });
    return { via, ...r };
  } finally {
    await close();
  }
}

/** Cold latency: a single warm-up delivery, then COLD_RATE over HTTP, nothing excluded. */
export async function phaseColdLatency(tag) {
  const tenant = LATENCY_TENANTS.cold(tag);
  const accept = `/cold-${tag}/`;
  await receiverReset(accept);
  const t0 = performance.now();
  const r = await api('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { warm: true } });
  if (r.status !== 202) throw new Error(`cold warm-up event: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  const deadline = Date.now() + 30_000;
  while ((await receiverStats()).unique < 1 && Date.now() < deadline) await sleep(5);
  const warmupMs = performance.now() - t0;
  const result = await openLoop({ tenant, accept, rate: COLD_RATE, seconds: P.latencyS, publish: (event) => api('POST', '/v1/events', event) });
  return { via: 'http', warmup_delivery_ms: round(warmupMs, 1), ...result };
}
