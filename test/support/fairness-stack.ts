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
  stop(): Promise<void>;
}

export async function startFairnessStack(): Promise<FairnessStack> {
  const database = await createIsolatedDatabase('fairness');
  const stack = await startStack({ DATABASE_URL: database.url, WORKER_CONCURRENCY: '50', DELIVERY_TIMEOUT_MS: '3000', RETRY_SCHEDULE: '1,1' });
  const db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
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
    async stop() {
      await stack.stop();
      await Promise.all(receivers.map((r) => r.close()));
      await db.$disconnect();
      await database.drop();
    },
  };
}
