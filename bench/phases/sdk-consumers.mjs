// SDK ingest with consumers (issue 15), run with N workers: the producer's
// publish() with SDK_CONCURRENCY concurrent calls, for up to
// sdkSingleEvents events or sdkMaxS, while the workers ingest what it
// publishes (tenant `bench-sdk-<tag>`, one webhook, so every event is also
// fanned out and delivered). sdk_ingest_per_s = publish() calls resolved per
// second. How far the workers kept up is in `ingested_while_publishing`
// (events Postgres holds when publishing ends). What is left is purged by
// the round.
import { DATABASE_URL, P, QUEUE_PREFIX, REDIS_URL, SDK_CONCURRENCY } from '../harness/options.mjs';
import { cpuDelta, cpuSnapshot } from '../harness/cpu.mjs';
import { withPg } from '../harness/pg.mjs';
import { receiverReset, receiverStats } from '../harness/receiver-client.mjs';
import { round } from '../harness/stats.mjs';

export const sdkTenant = (tag) => `bench-sdk-${tag}`;

const eventsOf = (tenant) =>
  withPg(DATABASE_URL, async (c) => (await c.query('SELECT count(*)::int AS n FROM events WHERE tenant_id = $1', [tenant])).rows[0].n);

export async function phaseSdkWithConsumers(createProducer, tag) {
  const tenant = sdkTenant(tag);
  await receiverReset(`/sdk-${tag}/`);
  const producer = createProducer({ redisUrl: REDIS_URL, queuePrefix: QUEUE_PREFIX });
  try {
    await producer.publish({ tenant, type: 'CARD.CREATED', resource: { warm: true } }); // connection, scripts
    const cpu0 = cpuSnapshot();
    const start = performance.now();
    const deadline = start + P.sdkMaxS * 1000;
    let next = 0;
    let published = 0;
    let failed = 0;
    let firstError;
    async function loop() {
      while (next < P.sdkSingleEvents && performance.now() < deadline) {
        const i = next++;
        try {
          await producer.publish({ tenant, type: 'CARD.CREATED', resource: { card_id: `p_${i}`, amount: 1234 } });
          published++;
        } catch (e) {
          failed++;
          firstError ??= e.message;
        }
      }
    }
    await Promise.all(Array.from({ length: SDK_CONCURRENCY }, loop));
    const secs = (performance.now() - start) / 1000;
    const cpu = cpuDelta(cpu0, cpuSnapshot());
    const ingested = (await eventsOf(tenant)) - 1; // the warm-up event aside
    const delivered = (await receiverStats()).unique;
    return {
      per_s: round(published / secs),
      published,
      failed,
      first_error: firstError ?? null,
      concurrency: SDK_CONCURRENCY,
      seconds: round(secs, 2),
      // events the workers had fanned out (in Postgres) and deliveries received when publishing ended
      ingested_while_publishing: ingested,
      ingested_per_s: round(Math.max(0, ingested) / secs),
      delivered_while_publishing: delivered,
      cpu_cores: cpu,
    };
  } finally {
    await producer.close();
  }
}
