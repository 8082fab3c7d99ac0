/**
 * Processes one delivery job: reload the notification from Postgres, pass
 * the worker's gates, make the attempt (delivery-attempt.ts, the one attempt
 * path) and decide what BullMQ does next. Postgres decides when a cycle
 * ends; BullMQ only carries the schedule.
 */
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { DeliveryJobData, Logger } from '@hookrelay/core';
import { NotificationsRepository, type DeliveryStore, type PrismaClient } from '@hookrelay/db';
import { InfrastructureError, type DeliveryAttempts, type DeliveryObserver } from '@hookrelay/delivery';
import { type FairScheduler, RETRY_PRIORITY, isFirstAttempt } from '@hookrelay/scheduling';
import type { OrderingGate } from './ordering-gate.js';
import { Postponer } from './postponer.js';
import type { WebhookRateLimiter } from './rate-limiter.js';

/** A retry that runs more than this before its next_attempt_at goes back to waiting. */
const EARLY_SLACK_MS = 1000;

/** The worker's gates before an attempt: throttling, in-flight caps, ordering. */
export interface DeliveryGates {
  /** enforces `rate_limit` across replicas; without one it is not enforced */
  rateLimiter?: WebhookRateLimiter;
  /** in-flight caps and fair order (docs/scheduling.md); without one nothing is capped */
  fair?: FairScheduler;
  /** ordered webhooks: one notification per ordering key at a time (docs/scheduling.md) */
  ordering?: OrderingGate;
}

/** Thrown to have BullMQ retry after `delayMs` (read by the custom backoff). */
export class RetryLaterError extends Error {
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** The custom BullMQ backoff: the delay the processor chose, else a short exponential one for infrastructure errors. */
export function deliveryBackoff(attemptsMade: number, _type?: string, err?: Error): number {
  if (err instanceof RetryLaterError) return err.delayMs;
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

export class DeliveryProcessor {
  private readonly notifications = new NotificationsRepository();
  private readonly postponer: Postponer;

  constructor(
    private readonly db: PrismaClient,
    /** batched load of deliveries */
    private readonly store: DeliveryStore,
    /** sends, records, counts and feeds health (the attempt path shared with resend and ping) */
    private readonly attempts: DeliveryAttempts,
    logger: Logger,
    private readonly observer?: DeliveryObserver,
    private readonly safety: DeliveryGates = {},
  ) {
    this.postponer = new Postponer(logger, 'delivery postponed: infrastructure error');
  }

  /**
   * With the job's BullMQ lock token (set on jobs a Worker runs), an
   * infrastructure failure (Postgres unreachable before or after the HTTP
   * attempt) moves the job back to delayed with a capped backoff instead of
   * failing it, so it neither consumes a BullMQ attempt nor the notification's
   * schedule. A delivery made but not recorded is sent again (at least once,
   * same webhook-id).
   */
  async process(job: Job<DeliveryJobData>): Promise<string> {
    const id = job.data.notificationId;
    try {
      const result = await this.attempt(job);
      this.postponer.succeeded(id);
      return result;
    } catch (error) {
      if (!(error instanceof InfrastructureError)) {
        this.postponer.succeeded(id);
        throw error;
      }
      return this.postponer.postpone(job, id, error.cause, { notification_id: id, stage: error.stage });
    }
  }

  private async infra<T>(stage: InfrastructureError['stage'], call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new InfrastructureError(stage, error);
    }
  }

  private async attempt(job: Job<DeliveryJobData>): Promise<string> {
    const id = job.data.notificationId;
    const fair = this.safety.fair;
    if (fair) await this.scheduling(() => fair.probe(job));
    const ctx = await this.infra('load', () => this.store.load(id));
    if (!ctx) {
      await fair?.flowDone(job.data?.flow);
      return 'missing';
    }
    if (ctx.status !== 'PENDING' || ctx.webhookDeleted || !ctx.webhookEnabled) {
      await Promise.all([fair?.flowDone(job.data?.flow), fair?.forget(job, ctx)]);
      if (ctx.status !== 'PENDING') {
        if (ctx.orderingKey) await this.safety.ordering?.released(id);
        return `skipped:${ctx.status}`;
      }
      await this.infra('cancel', () => this.notifications.cancelPending(this.db, { notificationId: id }));
      this.observer?.cancelledOne();
      if (ctx.orderingKey) await this.safety.ordering?.released(id);
      return 'cancelled';
    }

    // a retry woken early (a parked-job promotion reached a job that was waiting for its retry): back to its schedule
    if (fair && job.token !== undefined && ctx.cycleAttempts > 0 && ctx.nextAttemptAt && ctx.nextAttemptAt.getTime() > Date.now() + EARLY_SLACK_MS) {
      await job.moveToDelayed(ctx.nextAttemptAt.getTime(), job.token);
      throw new DelayedError(`retry not due before ${ctx.nextAttemptAt.toISOString()}`);
    }
    const ordering = this.safety.ordering;
    if (ordering && ctx.orderingKey) await this.scheduling(() => ordering.admit(job, ctx));
    if (ctx.rateLimit) await this.throttle(job, ctx.webhookId, ctx.rateLimit);
    const lease = fair ? await this.scheduling(() => fair.admit(job, ctx)) : null;

    const cycleAttempt = ctx.cycleAttempts + 1;
    const { result, outcome, recorded, disabled } = await this.attempts.run({
      trigger: ctx.cycleAttempts === 0 && ctx.cycleTrigger === 'sendexpired' ? 'sendexpired' : 'schedule',
      ctx,
      traceparent: job.data.traceparent ?? null,
      lease,
      flow: ctx.cycleAttempts === 0 ? job.data?.flow : undefined,
    });
    // an ordered notification that ended lets the next one of its key go
    if (ctx.orderingKey && outcome.status !== 'PENDING') await this.safety.ordering?.released(id);
    if (!recorded) return this.superseded(job);
    // the webhook was just disabled: this notification was cancelled with the others
    if (disabled && outcome.status === 'PENDING') return 'cancelled';

    if (outcome.status === 'PENDING') {
      // its retry queues behind every first attempt (docs/scheduling.md)
      if (fair && job.token !== undefined && isFirstAttempt(job.priority)) await job.changePriority({ priority: RETRY_PRIORITY }).catch(() => undefined);
      throw new RetryLaterError(
        Math.max(0, outcome.nextAttemptAt.getTime() - Date.now()),
        `attempt ${cycleAttempt} failed: ${result.error ?? `HTTP ${result.statusCode}`}`,
      );
    }
    if (outcome.status === 'EXPIRED') {
      throw new UnrecoverableError(`expired after ${cycleAttempt} attempts: ${result.error ?? `HTTP ${result.statusCode}`}`);
    }
    return outcome.status === 'CANCELLED' ? 'gone' : 'delivered';
  }

  /**
   * The attempt moved nothing: the notification left PENDING meanwhile (a
   * cancellation won), or this attempt number was recorded already by
   * another run of the same job. In the second case the notification still
   * waits for its next attempt, so the job is kept (back to delayed until
   * then) instead of being completed under the other run.
   */
  private async superseded(job: Job<DeliveryJobData>): Promise<string> {
    const current = await this.infra('load', () => this.store.load(job.data.notificationId));
    if (current?.status !== 'PENDING' || job.token === undefined) return 'superseded';
    await job.moveToDelayed(Math.max(Date.now(), current.nextAttemptAt?.getTime() ?? 0), job.token);
    throw new DelayedError(`attempt ${current.attemptCount} of ${current.id} was recorded by another run`);
  }

  /** Ordering and in-flight caps: parked jobs throw DelayedError; Redis or Postgres failing is an infrastructure error. */
  private async scheduling<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      throw new InfrastructureError('schedule', error);
    }
  }

  /**
   * Over the webhook's `rate_limit`: the job goes back to delayed until a slot
   * frees (no attempt recorded, no BullMQ attempt or schedule entry used).
   */
  private async throttle(job: Job<DeliveryJobData>, webhookId: string, limit: number): Promise<void> {
    const limiter = this.safety.rateLimiter;
    if (!limiter) return;
    for (;;) {
      const waitMs = await limiter.acquire(webhookId, limit);
      if (waitMs <= 0) return;
      // a little jitter so that the jobs waiting for the same slot do not all wake together
      const delayMs = waitMs + Math.floor(Math.random() * 100);
      if (job.token === undefined) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        continue;
      }
      await job.moveToDelayed(Date.now() + delayMs, job.token);
      throw new DelayedError(`webhook ${webhookId} over its rate limit of ${limit}/s: postponed ${delayMs} ms`);
    }
  }
}
