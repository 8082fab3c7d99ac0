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
import type { Logger } from '@hookrelay/core';
import { NotificationsRepository, type PrismaClient } from '@hookrelay/db';
import type { DeliveryQueue, DeliveryToEnqueue } from '@hookrelay/scheduling';

const BATCH = 500;

export class Reconciler {
  private readonly notifications = new NotificationsRepository();
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
      const rows = await this.notifications.pendingDueBefore(this.db, { dueBefore: horizon, settledBefore, limit: BATCH, afterId: after });
      if (!rows.length) break;
      after = rows[rows.length - 1]?.id;
      const states = await this.deliveries.jobStates(rows.map((r) => r.id));
      const now = Date.now();
      const item = (r: (typeof rows)[number]): DeliveryToEnqueue => ({
        notificationId: r.id,
        webhookId: r.webhookId,
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
      this.logger.warn(
        { requeued: enqueued + replaced, missing: enqueued, finished: replaced, duration_ms: Date.now() - started },
        'reconciler re-enqueued PENDING notifications without a live job',
      );
    }
    return enqueued + replaced;
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
