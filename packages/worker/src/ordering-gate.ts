/**
 * Ordered delivery (docs/scheduling.md): on an ordered webhook, a
 * notification with an ordering key is attempted only when no earlier
 * notification of the same key is PENDING, as Postgres says on every
 * attempt. Otherwise its job is parked behind that predecessor (BullMQ's
 * delayed set, no slot, no attempt used) in `<prefix>:fair:o:<predecessor
 * id>:parked`, and promoted as soon as the predecessor ends (SUCCEEDED,
 * EXPIRED or CANCELLED). The fallback delay only covers a promotion that
 * never came (a crashed worker, a wiped Redis): the job then asks Postgres
 * again.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '@hookrelay/core';
import { OrderingRepository, type DeliveryContext, type PrismaClient } from '@hookrelay/db';
import type { FairScheduler } from '@hookrelay/scheduling';

const MIN_FALLBACK_MS = 5000;
const MAX_FALLBACK_MS = 10 * 60_000;

export class OrderingGate {
  private readonly ordering = new OrderingRepository();

  constructor(
    private readonly db: PrismaClient,
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly fair: FairScheduler,
    private readonly logger: Logger,
  ) {}

  private key(predecessorId: string): string {
    return `${this.prefix}:fair:o:${predecessorId}:parked`;
  }

  /** Returns when `ctx` may be attempted now; otherwise parks the job and throws DelayedError. */
  async admit(job: Job, ctx: DeliveryContext): Promise<void> {
    if (!ctx.orderingKey || ctx.orderSeq === null) return;
    const subject = { webhookId: ctx.webhookId, orderingKey: ctx.orderingKey, orderSeq: ctx.orderSeq };
    const before = await this.ordering.pendingPredecessor(this.db, subject);
    if (!before) return;
    if (job.token === undefined) throw new Error(`notification ${ctx.id} waits for ${before.id} (same ordering key)`);
    const dueIn = before.nextAttemptAt ? before.nextAttemptAt.getTime() - Date.now() : 0;
    const fallbackMs = Math.min(MAX_FALLBACK_MS, Math.max(MIN_FALLBACK_MS, dueIn + this.fair.leaseTtlMs));
    const key = this.key(before.id);
    await this.redis.zadd(key, job.priority || job.timestamp, String(job.id));
    await this.redis.pexpire(key, MAX_FALLBACK_MS * 2);
    await job.moveToDelayed(Date.now() + fallbackMs, job.token);
    // the predecessor may have ended between the check and the park: then nobody promotes this job
    // (looked at once BullMQ has finished with this run: see FairScheduler.park)
    setTimeout(() => {
      this.ordering
        .isPending(this.db, before.id)
        .then((pending) => (pending ? undefined : this.released(before.id)))
        .catch(() => undefined);
    }, 0);
    throw new DelayedError(`ordered: waits for ${before.id}`);
  }

  /** `notificationId` ended (or is not PENDING): the jobs parked behind it may try again. Never throws. */
  async released(notificationId: string): Promise<void> {
    try {
      const key = this.key(notificationId);
      const ids = await this.redis.zrange(key, 0, -1);
      if (!ids.length) return;
      await this.redis.del(key);
      await this.fair.promoteJobs(ids);
    } catch (error) {
      this.logger.warn(
        { err: error, notification_id: notificationId },
        'promoting the next ordered notification failed; it comes back after its fallback delay',
      );
    }
  }
}
