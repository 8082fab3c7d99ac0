/**
 * The scaffolding the fair-delivery tests share (real API, worker, Postgres,
 * Redis, counting receivers): a stack of their own with a short timeout and
 * schedule, webhooks, events published at a known time, and the healthy
 * tenant's check. Latency = arrival at the receiver - the moment the test
 * sent the event; margins are for a busy 2-core machine.
 *
 * The stack has a database of its own: every worker's reconciler enqueues
 * the PENDING notifications of its database into its own queue prefix, so
 * with the run's shared database another test file's worker, starting
 * beside this one, picked up this file's backlog and delivered it past this
 * stack's gates (a cap of 10 seen as 18 open requests at the receiver).
 */
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startCountingReceiver, type CountingReceiver } from './counting-receiver.js';
import { startStack, until, type Stack } from './stack.js';
import { statusCounts } from './faults.js';
import { createIsolatedDatabase } from './isolated-db.js';

/** The target is 1 s with separate processes; here the API, the worker, the receivers and the test share one event loop on a busy 2-core machine (without fair delivery: tens of seconds). */
export const HEALTHY_BOUND_MS = 3000;

export interface FairnessStack {
  stack: Stack;
  db: PrismaClient;
  receiver(behaviour?: { delayMs?: number; status?: number; hang?: boolean }): Promise<CountingReceiver>;
  webhook(tenant: string, url: string, extra?: Record<string, unknown>): Promise<string>;
  /** Publishes `count` events to `tenant` one after the other, `gapMs` apart; returns notification id -> send time, in order. */
  publishTimed(tenant: string, count: number, gapMs?: number): Promise<Map<string, number>>;
  /** The healthy tenant: every delivery arrives within the bound (an unordered webhook: two events 50 ms apart may swap). */
  expectHealthy(fast: CountingReceiver, sent: Map<string, number>): Promise<number[]>;
  /** Publishes `count` events of `tenant` in batches of 100 through `/v1/events:batch`: the notification ids, in publish order. */
  publishBacklog(tenant: string, count: number): Promise<string[]>;
  /** The job ids BullMQ's events stream saw moved back to delayed (parked, or postponed). */
  delayedJobs(): Promise<Set<string>>;
  /** Every one of `ids` arrives at `receiver` (within 60 s) and is SUCCEEDED in Postgres (within 20 s more). */
  expectAllDelivered(receiver: CountingReceiver, ids: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** `concurrency`: the worker's WORKER_CONCURRENCY (its slots; a tenant's share is 0.8 of them). */
export async function startFairnessStack({ concurrency = 50 }: { concurrency?: number } = {}): Promise<FairnessStack> {
  const database = await createIsolatedDatabase('fairness');
  const stack = await startStack({ DATABASE_URL: database.url, WORKER_CONCURRENCY: String(concurrency), DELIVERY_TIMEOUT_MS: '3000', RETRY_SCHEDULE: '1,1' });
  const db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
  const redis = new Redis(stack.config.redisUrl);
  const receivers: CountingReceiver[] = [];
  return {
    stack,
    db,
    async receiver(behaviour = {}) {
      const r = await startCountingReceiver(behaviour);
      receivers.push(r);
      return r;
    },
    async webhook(tenant, url, extra = {}) {
      const res = await stack.call('POST', '/v1/webhooks', { tenant, url, enabled_events: ['CARD.*'], is_enabled: true, ...extra });
      expect(res.status).toBe(201);
      return res.body.id;
    },
    async publishTimed(tenant, count, gapMs = 50) {
      const sent = new Map<string, number>();
      for (let i = 0; i < count; i++) {
        const at = Date.now();
        const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } });
        expect(res.status).toBe(202);
        for (const id of res.body.notification_ids as string[]) sent.set(id, at);
        await new Promise((r) => setTimeout(r, gapMs));
      }
      return sent;
    },
    async expectHealthy(fast, sent) {
      await until(async () => [...sent.keys()].every((id) => fast.arrivals.some((a) => a.notificationId === id)), { timeoutMs: 30_000, intervalMs: 50 });
      const latencies = [...sent].map(([id, at]) => fast.arrivals.find((a) => a.notificationId === id)!.receivedAt - at);
      console.log(`[fairness] healthy latencies ms: p50 ${[...latencies].sort((a, b) => a - b)[latencies.length >> 1]} max ${Math.max(...latencies)}`);
      expect(Math.max(...latencies)).toBeLessThan(HEALTHY_BOUND_MS);
      expect(fast.arrivals.filter((a) => sent.has(a.notificationId))).toHaveLength(sent.size);
      // the last attempt's record may still be committing
      await until(async () => (await statusCounts(db, [...sent.keys()])).SUCCEEDED === sent.size, { timeoutMs: 10_000 });
      return latencies;
    },
    async publishBacklog(tenant, count) {
      const published: string[] = [];
      for (let start = 0; start < count; start += 100) {
        const events = Array.from({ length: Math.min(100, count - start) }, (_, i) => ({ tenant, type: 'CARD.CREATED', resource: { i: start + i } }));
        const res = await stack.call('POST', '/v1/events:batch', { events });
        expect(res.status).toBe(200);
        for (const item of res.body.results) published.push(...(item.notification_ids as string[]));
      }
      return published;
    },
    async delayedJobs() {
      const entries = await redis.xrange(`${stack.config.queuePrefix}:deliveries:events`, '-', '+');
      const ids = new Set<string>();
      for (const [, fields] of entries) {
        const event = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) event.set(fields[i]!, fields[i + 1]!);
        if (event.get('event') === 'delayed') ids.add(event.get('jobId') ?? '');
      }
      return ids;
    },
    async expectAllDelivered(receiver, ids) {
      const delivered = () => new Set(receiver.arrivals.map((a) => a.notificationId));
      await until(async () => ids.every((id) => delivered().has(id)), { timeoutMs: 60_000, intervalMs: 50 });
      await until(async () => (await statusCounts(db, ids)).SUCCEEDED === ids.length, { timeoutMs: 20_000 });
    },
    async stop() {
      await redis.quit();
      await stack.stop();
      await Promise.all(receivers.map((r) => r.close()));
      await db.$disconnect();
      await database.drop();
    },
  };
}
