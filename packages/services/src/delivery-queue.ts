/**
 * The deliveries queue: one BullMQ job per notification, its job id the
 * notification id (so enqueueing twice is a no-op), carrying ids only.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  DELIVERY_JOB_NAME,
  DELIVERY_JOB_RETENTION,
  QUEUES,
  totalAttempts,
  type DeliveryJobData,
  type RetrySchedule,
} from '@hookrelay/core';

export const BACKOFF_TYPE = 'hookrelay';

export interface DeliveryToEnqueue {
  notificationId: string;
  /** attempts already made in the current retry cycle */
  cycleAttempts?: number;
  delayMs?: number;
}

export class DeliveryQueue {
  readonly queue: Queue<DeliveryJobData, unknown, string>;

  constructor(
    private readonly connection: Redis,
    prefix: string,
    private readonly schedule: RetrySchedule,
  ) {
    this.queue = new Queue<DeliveryJobData, unknown, string>(QUEUES.deliveries, { connection, prefix });
  }

  jobOptions(item: DeliveryToEnqueue): JobsOptions {
    return {
      jobId: item.notificationId,
      // the database decides when a cycle ends (UnrecoverableError); this
      // only bounds the job should that decision ever be lost
      attempts: Math.max(1, totalAttempts(this.schedule) - (item.cycleAttempts ?? 0)) + 1,
      backoff: { type: BACKOFF_TYPE },
      delay: item.delayMs && item.delayMs > 0 ? item.delayMs : undefined,
      ...DELIVERY_JOB_RETENTION,
    };
  }

  async enqueue(items: readonly DeliveryToEnqueue[]): Promise<void> {
    if (!items.length) return;
    await this.queue.addBulk(
      items.map((item) => ({ name: DELIVERY_JOB_NAME, data: { notificationId: item.notificationId }, opts: this.jobOptions(item) })),
    );
  }

  /** Replaces whatever job a notification has (e.g. its failed job after expiry) with a fresh one. */
  async replace(items: readonly DeliveryToEnqueue[]): Promise<void> {
    for (const item of items) {
      const existing = await this.queue.getJob(item.notificationId);
      if (existing) await existing.remove().catch(() => undefined);
    }
    await this.enqueue(items);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
