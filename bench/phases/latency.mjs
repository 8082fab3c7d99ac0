// Latency phases, run with N workers: events at a fixed rate to one webhook,
// latency = arrival at the receiver - the moment the bench sent the event
// (harness/open-loop.mjs says how undelivered events count).
//   warm-up  LATENCY_RATE for warmupS, not a figure (fresh workers compile
//            their hot paths and open their connections first)
//   http     POST /v1/events at LATENCY_RATE for latencyS: p50/p95/p99_ms
//   sdk      the producer's publish() (straight into Redis, no API hop):
//            sdk_p50/p95/p99_ms, informative
import { LATENCY_RATE, P, QUEUE_PREFIX, REDIS_URL } from '../harness/options.mjs';
import { api } from '../harness/http-client.mjs';
import { openLoop } from '../harness/open-loop.mjs';

/** One tenant with one webhook (receiver path `/<name>-<tag>/`) per kind of latency phase. */
export const LATENCY_TENANTS = {
  lat: (tag) => `bench-latency-${tag}`,
  latsdk: (tag) => `bench-latency-sdk-${tag}`,
  warm: (tag) => `bench-warmup-${tag}`,
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
