/**
 * Postgres is the truth: the reconciler makes sure every PENDING notification
 * has a live job in Redis (Redis lost its data, a crash between commit and
 * enqueue, a job that failed in BullMQ while Postgres still says PENDING, …).
 * Runs at worker start and then periodically; several workers running it at
 * once only produce no-op adds, since the job id is the notification id.
 *
 * Each pass looks at PENDING notifications due before now + horizon (so one
 * whose delayed job vanished is re-enqueued with its remaining delay before
 * it is due, and an overdue one at once), skipping those changed during the
 * last `graceMs` (the API or the worker is still enqueueing or moving their
 * job). A notification with no job is enqueued; one whose job sits in the
 * failed (or completed) set is replaced.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '@hookrelay/core';
import type { PrismaClient } from '@hookrelay/db';
import type { DeliveryQueue, DeliveryToEnqueue } from './delivery-queue.js';

const BATCH = 500;

export type JobState = 'absent' | 'finished' | 'live';

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private horizonMs: number;

  constructor(
    private readonly db: PrismaClient,
    private readonly deliveries: DeliveryQueue,
    private readonly logger: Logger,
    /** only notifications unchanged for at least this long: fresh ones are still being enqueued */
    private readonly graceMs = 5000,
    /** how far ahead to look for PENDING notifications (raised to 2 × the interval by start()) */
    private readonly minHorizonMs = 60_000,
  ) {
    this.horizonMs = minHorizonMs;
  }

  /** One pass; returns how many notifications were re-enqueued. */
  async reconcile(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const started = Date.now();
    const settledBefore = new Date(started - this.graceMs);
    const horizon = new Date(started + this.horizonMs);
    let enqueued = 0;
    let replaced = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await this.db.notification.findMany({
        where: { status: 'PENDING', nextAttemptAt: { lte: horizon }, updatedAt: { lte: settledBefore }, ...(after ? { id: { gt: after } } : {}) },
        select: { id: true, cycleAttempts: true, nextAttemptAt: true },
        orderBy: { id: 'asc' },
        take: BATCH,
      });
      if (!rows.length) break;
      after = rows[rows.length - 1]?.id;
      const states = await this.jobStates(rows.map((r) => r.id));
      const now = Date.now();
      const item = (r: (typeof rows)[number]): DeliveryToEnqueue => ({
        notificationId: r.id,
        cycleAttempts: r.cycleAttempts,
        delayMs: r.nextAttemptAt ? Math.max(0, r.nextAttemptAt.getTime() - now) : 0,
      });
      const absent = rows.filter((r) => states.get(r.id) === 'absent').map(item);
      const finished = rows.filter((r) => states.get(r.id) === 'finished').map(item);
      await this.deliveries.enqueue(absent);
      await this.deliveries.replace(finished);
      enqueued += absent.length;
      replaced += finished.length;
      if (rows.length < BATCH) break;
    }
    if (enqueued || replaced) {
      this.logger.warn({ requeued: enqueued + replaced, missing: enqueued, finished: replaced, duration_ms: Date.now() - started }, 'reconciler re-enqueued PENDING notifications without a live job');
    }
    return enqueued + replaced;
  }

  /** For each notification id: no job at all, a job in the failed/completed set, or a live (waiting/delayed/active) one. */
  async jobStates(ids: readonly string[]): Promise<Map<string, JobState>> {
    const states = new Map<string, JobState>();
    if (!ids.length) return states;
    const queue = this.deliveries.queue;
    const client = (await queue.client) as unknown as Redis;
    const failedKey = queue.toKey('failed');
    const completedKey = queue.toKey('completed');
    const pipeline = client.pipeline();
    for (const id of ids) {
      pipeline.exists(queue.toKey(id));
      pipeline.zscore(failedKey, id);
      pipeline.zscore(completedKey, id);
    }
    const results = (await pipeline.exec()) ?? [];
    ids.forEach((id, i) => {
      const [exists, failed, completed] = [results[3 * i], results[3 * i + 1], results[3 * i + 2]];
      for (const r of [exists, failed, completed]) if (r?.[0]) throw r[0];
      if (exists?.[1] === 0) states.set(id, 'absent');
      else if (failed?.[1] != null || completed?.[1] != null) states.set(id, 'finished');
      else states.set(id, 'live');
    });
    return states;
  }

  start(intervalMs: number): void {
    this.horizonMs = Math.max(this.minHorizonMs, 2 * intervalMs);
    const tick = () =>
      this.reconcile()
        .catch((error) => this.logger.error({ err: error }, 'reconcile failed'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs).unref();
        });
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    clearTimeout(timer);
    await this.running?.catch(() => undefined);
  }
}
