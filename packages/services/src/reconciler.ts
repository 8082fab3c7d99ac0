/**
 * Postgres is the truth: the reconciler re-enqueues every PENDING
 * notification that is due but has no job in Redis (Redis lost its data, a
 * crash between commit and enqueue, …). Runs at worker start and then
 * periodically; several workers running it at once only produce no-op adds,
 * since the job id is the notification id.
 */
import type { Logger } from '@hookrelay/core';
import { NotificationsRepository, type PrismaClient } from '@hookrelay/db';
import type { DeliveryQueue } from './delivery-queue.js';

const BATCH = 500;

export class Reconciler {
  private readonly notifications = new NotificationsRepository();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: PrismaClient,
    private readonly deliveries: DeliveryQueue,
    private readonly logger: Logger,
    /** only notifications due at least this long ago: fresh ones are still being enqueued by the API */
    private readonly graceMs = 5000,
  ) {}

  /** One pass; returns how many notifications were re-enqueued. */
  async reconcile(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const dueBefore = new Date(Date.now() - this.graceMs);
    let requeued = 0;
    let after: string | undefined;
    for (;;) {
      const due = await this.notifications.duePending(this.db, dueBefore, BATCH, after);
      if (!due.length) break;
      after = due[due.length - 1]?.id;
      const missing = new Set(await this.deliveries.missing(due.map((d) => d.id)));
      const items = due.filter((d) => missing.has(d.id)).map((d) => ({ notificationId: d.id, cycleAttempts: d.cycleAttempts }));
      await this.deliveries.enqueue(items);
      requeued += items.length;
      if (due.length < BATCH) break;
    }
    if (requeued) this.logger.warn({ requeued }, 'reconciler re-enqueued notifications missing from redis');
    return requeued;
  }

  start(intervalMs: number): void {
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
