/**
 * Processes one delivery job: reload the notification from Postgres, send
 * it, record the attempt and decide what BullMQ does next. Postgres decides
 * when a cycle ends; BullMQ only carries the schedule.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { delayAfterAttempt, totalAttempts, type DeliveryJobData, type Logger, type RetrySchedule } from '@hookrelay/core';
import { signedCallback, type Deliverer, type DeliveryResult } from '@hookrelay/delivery';
import { NotificationsRepository, type AttemptOutcome, type DeliveryContext, type PrismaClient } from '@hookrelay/db';

/** Thrown to have BullMQ retry after `delayMs` (read by the custom backoff). */
export class RetryLaterError extends Error {
  constructor(readonly delayMs: number, message: string) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** The custom BullMQ backoff: the delay the processor chose, else a short exponential one for infrastructure errors. */
export function deliveryBackoff(attemptsMade: number, _type?: string, err?: Error): number {
  if (err instanceof RetryLaterError) return err.delayMs;
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

export interface DeliveryObserver {
  attempted(ctx: DeliveryContext, result: DeliveryResult, outcome: AttemptOutcome['status'], startedAt: Date): void;
  cancelledOne(): void;
}

export class DeliveryProcessor {
  private readonly notifications = new NotificationsRepository();

  constructor(
    private readonly db: PrismaClient,
    private readonly deliverer: Deliverer,
    private readonly schedule: RetrySchedule,
    private readonly logger: Logger,
    private readonly observer?: DeliveryObserver,
  ) {}

  async process(job: Job<DeliveryJobData>): Promise<string> {
    const id = job.data.notificationId;
    const ctx = await this.notifications.loadDeliveryContext(this.db, id);
    if (!ctx) return 'missing';
    if (ctx.status !== 'PENDING') return `skipped:${ctx.status}`;
    if (ctx.webhookDeleted || !ctx.webhookEnabled) {
      await this.notifications.markCancelled(this.db, id);
      this.observer?.cancelledOne();
      return 'cancelled';
    }

    const now = new Date();
    const { body, headers } = signedCallback({ ...ctx, notificationId: ctx.id }, now);
    const result = await this.deliverer.deliver({ url: ctx.url, body, headers });

    const cycleAttempt = ctx.cycleAttempts + 1;
    const outcome = this.decide(result, cycleAttempt);
    const recorded = await this.notifications.recordAttempt(
      this.db,
      {
        notificationId: id,
        attemptNumber: ctx.attemptCount + 1,
        attemptedAt: now,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        responseBody: result.responseBody,
        error: result.error,
        trigger: ctx.cycleAttempts === 0 ? ctx.cycleTrigger : 'schedule',
      },
      outcome,
    );
    this.logger.info(
      {
        tenant: ctx.tenantId,
        webhook_id: ctx.webhookId,
        notification_id: id,
        event_id: ctx.eventId,
        attempt: ctx.attemptCount + 1,
        status_code: result.statusCode,
        outcome: outcome.status,
        duration_ms: result.durationMs,
        ...(result.error ? { error: result.error } : {}),
      },
      'delivery attempt',
    );
    this.observer?.attempted(ctx, result, outcome.status, now);
    if (!recorded) return 'superseded';

    if (outcome.status === 'PENDING') {
      throw new RetryLaterError(Math.max(0, outcome.nextAttemptAt.getTime() - Date.now()), `attempt ${cycleAttempt} failed: ${result.error ?? `HTTP ${result.statusCode}`}`);
    }
    if (outcome.status === 'EXPIRED') {
      throw new UnrecoverableError(`expired after ${cycleAttempt} attempts: ${result.error ?? `HTTP ${result.statusCode}`}`);
    }
    return 'delivered';
  }

  private decide(result: DeliveryResult, cycleAttempt: number): AttemptOutcome {
    if (result.kind === 'delivered') return { status: 'SUCCEEDED' };
    const delayMs = delayAfterAttempt(this.schedule, cycleAttempt);
    if (delayMs === null || cycleAttempt >= totalAttempts(this.schedule)) return { status: 'EXPIRED' };
    return { status: 'PENDING', nextAttemptAt: new Date(Date.now() + delayMs) };
  }
}
