/**
 * Fair-delivery gauges, read from Redis at scrape time (docs/scheduling.md):
 *
 * - hookrelay_webhook_in_flight{webhook_id}: leases held, for the TOP_WEBHOOKS
 *   busiest webhooks only, plus webhook_id="other" for the rest (bounded
 *   label cardinality: at most TOP_WEBHOOKS + 1 series);
 * - hookrelay_in_flight_total: every delivery lease held, fleet-wide;
 * - hookrelay_deferred_jobs{gate}: jobs parked over a cap (webhook, tenant, retry, slow);
 * - hookrelay_delivery_queue_depth{attempt}: deliveries ready to run,
 *   first attempts vs retries (BullMQ's prioritized set, split by priority).
 */
import { Gauge, type Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { fairSnapshot } from './fair-snapshot.js';
import { MAX_FIRST_PRIORITY } from './flow-priority.js';

export const TOP_WEBHOOKS = 10;

export function registerFairMetrics(registry: Registry, queue: Queue, redis: Redis | Cluster, prefix: string): void {
  let snapshot: ReturnType<typeof fairSnapshot> | undefined;
  // one read of Redis serves every gauge of a scrape
  const read = () => {
    snapshot ??= fairSnapshot(redis, prefix).finally(() => setTimeout(() => (snapshot = undefined), 250).unref());
    return snapshot;
  };
  new Gauge({
    name: 'hookrelay_webhook_in_flight',
    help: `Deliveries in flight per webhook (the ${TOP_WEBHOOKS} busiest; webhook_id="other" sums the rest)`,
    labelNames: ['webhook_id'],
    registers: [registry],
    async collect() {
      this.reset();
      const s = await read().catch(() => null);
      if (!s) return;
      const sorted = [...s.inFlight].sort((a, b) => b[1] - a[1]);
      for (const [id, n] of sorted.slice(0, TOP_WEBHOOKS)) this.set({ webhook_id: id }, n);
      this.set(
        { webhook_id: 'other' },
        sorted.slice(TOP_WEBHOOKS).reduce((sum, [, n]) => sum + n, 0),
      );
    },
  });
  new Gauge({
    name: 'hookrelay_in_flight_total',
    help: 'Delivery HTTP exchanges in flight, fleet-wide (leases held)',
    registers: [registry],
    async collect() {
      const s = await read().catch(() => null);
      if (s) this.set([...s.inFlight.values()].reduce((a, b) => a + b, 0));
    },
  });
  new Gauge({
    name: 'hookrelay_deferred_jobs',
    help: 'Delivery jobs parked over an in-flight cap, by the gate that holds them back (webhook, tenant, retry, slow)',
    labelNames: ['gate'],
    registers: [registry],
    async collect() {
      const s = await read().catch(() => null);
      if (!s) return;
      for (const gate of ['webhook', 'tenant', 'retry', 'slow'] as const) this.set({ gate }, s.parked[gate]);
    },
  });
  new Gauge({
    name: 'hookrelay_delivery_queue_depth',
    help: 'Deliveries ready to run (BullMQ prioritized set): first attempts vs retries',
    labelNames: ['attempt'],
    registers: [registry],
    async collect() {
      const client = redis;
      const key = queue.toKey('prioritized');
      const boundary = (MAX_FIRST_PRIORITY + 1) * 0x100000000;
      const [first, retry] = await Promise.all([client.zcount(key, '-inf', `(${boundary}`), client.zcount(key, boundary, '+inf')]).catch(() => [null, null]);
      if (first === null || retry === null) return;
      this.set({ attempt: 'first' }, first);
      this.set({ attempt: 'retry' }, retry);
    },
  });
}
