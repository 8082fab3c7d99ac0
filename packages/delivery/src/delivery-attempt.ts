/**
 * One delivery attempt, whatever asked for it: the worker's schedule (or a
 * sendexpired cycle), a resend or a ping. As in Svix's worker there is one
 * dispatch path and the trigger is a typed field, so every attempt is signed,
 * sent with the webhook's headers and auth inside an attempt span, decided,
 * recorded through the notification state machine, counted in the metrics
 * and fed to webhook health by the same code. What differs stays with the
 * callers: the worker's gates before (ordering, rate_limit, fair admission)
 * and BullMQ's next move after; resend and ping are sent at once.
 */
import { randomUUID } from 'node:crypto';
import type { Config, Logger, RetrySchedule, SecretBox } from '@hookrelay/core';
import { attemptRecord, type AttemptOutcome, type DeliveryContext, type DeliveryStore, type NotificationStatus, type PrismaClient } from '@hookrelay/db';
import { createEndpointRequests, type EndpointRequests } from './endpoint-headers.js';
import { signedCallback } from './callback.js';
import type { Deliverer, DeliveryResult } from './deliverer.js';
import { decideOutcome } from './delivery-decision.js';
import { traceAttempt, type AttemptTrigger } from './delivery-tracing.js';
import type { FairScheduler, Lease } from '@hookrelay/scheduling';
import { WebhookHealth, type EventPublisher } from './webhook-health.js';

/**
 * A database (or other infrastructure) call failed around an attempt. Not the
 * receiver's fault: the worker puts the job back for later without using up
 * one of the notification's scheduled attempts.
 */
export class InfrastructureError extends Error {
  constructor(
    readonly stage: 'load' | 'cancel' | 'record' | 'schedule',
    cause: unknown,
  ) {
    super(`${stage}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'InfrastructureError';
  }
}

/** One attempt as the metrics see it. */
export interface ObservedAttempt {
  trigger: AttemptTrigger;
  result: DeliveryResult;
  /** the notification's status after the attempt; null for a ping (no notification) */
  status: NotificationStatus | null;
  /** when a scheduled attempt was due (its next_attempt_at) */
  dueAt: Date | null;
  startedAt: Date;
}

export interface AttemptObserver {
  attempted(attempt: ObservedAttempt): void;
}

/** an attempt observer that also hears of cancellations (the worker's metrics) */
export interface DeliveryObserver extends AttemptObserver {
  cancelledOne(): void;
}

/** What a ping is sent to and about: the webhook, and a message made up for this ping. */
export type PingTarget = Pick<
  DeliveryContext,
  | 'id'
  | 'tenantId'
  | 'eventId'
  | 'type'
  | 'eventTime'
  | 'resource'
  | 'changedFields'
  | 'attemptCount'
  | 'webhookId'
  | 'url'
  | 'metadata'
  | 'secret'
  | 'previousSecret'
  | 'previousSecretExpiresAt'
  | 'maxInFlight'
  | 'webhookEnabled'
  | 'failingSince'
  | 'headers'
  | 'auth'
>;

/** A scheduled attempt: the worker admitted it through its gates and holds `lease` (null: no fair scheduler). */
export interface ScheduledAttempt {
  trigger: 'schedule' | 'sendexpired';
  ctx: DeliveryContext;
  /** the job's trace context (the event's fan-out); null: a trace of its own */
  traceparent: string | null;
  lease: Lease | null;
  /** the job's flow, on its first attempt: released with the lease (its flow's backlog shrinks) */
  flow?: string;
}

/** Sent at once, never held back by rate_limit or the fair gates, yet counted in flight with a forced lease. */
export type ImmediateAttempt = { trigger: 'resend'; ctx: DeliveryContext } | { trigger: 'ping'; ctx: PingTarget };

export type Attempt = ScheduledAttempt | ImmediateAttempt;

export interface AttemptReport {
  result: DeliveryResult;
  /** what the notification became: a scheduled attempt's decided outcome; a resend's SUCCEEDED, else null (unchanged); a ping's null */
  outcome: AttemptOutcome | null;
  /** the attempt's row was written and moved the notification (false for a ping: nothing is stored) */
  recorded: boolean;
  /** this attempt got its webhook disabled (410 Gone or auto-disable) */
  disabled: boolean;
}

export interface DeliveryAttemptsDeps {
  deliverer: Deliverer;
  /** the webhook's extra headers and credentials (OAuth2 tokens cached here) */
  endpoints: EndpointRequests;
  /** decrypts the stored signing secrets */
  secrets: SecretBox;
  /** records attempts with the notification's next state */
  store: DeliveryStore;
  schedule: RetrySchedule;
  logger: Logger;
  observer?: AttemptObserver;
  /** failure streaks, auto-disable, 410 Gone; without it a 410 is an ordinary failure */
  health?: WebhookHealth;
  /** counts immediate attempts in the webhook's in-flight cap, and releases every lease */
  fair?: FairScheduler;
}

export class DeliveryAttempts {
  constructor(private readonly deps: DeliveryAttemptsDeps) {}

  run(attempt: ScheduledAttempt): Promise<AttemptReport & { outcome: AttemptOutcome }>;
  run(attempt: Attempt): Promise<AttemptReport>;
  async run(attempt: Attempt): Promise<AttemptReport> {
    const { ctx, trigger } = attempt;
    const startedAt = new Date();
    const result = await this.send(attempt, startedAt);
    const { outcome, recorded, status } = await this.record(attempt, result, startedAt);
    this.deps.logger.info(
      {
        tenant: ctx.tenantId,
        webhook_id: ctx.webhookId,
        // a ping's ids name no stored notification or event: its message id is the webhook-id header
        ...(trigger === 'ping' ? { message_id: ctx.id } : { notification_id: ctx.id, event_id: ctx.eventId }),
        trigger,
        attempt: ctx.attemptCount + 1,
        status_code: result.statusCode,
        outcome: status ?? undefined,
        duration_ms: result.durationMs,
        ...(result.error ? { error: result.error } : {}),
      },
      'delivery attempt',
    );
    const scheduled = trigger === 'schedule' || trigger === 'sendexpired';
    this.deps.observer?.attempted({ trigger, result, status, dueAt: scheduled ? ctx.nextAttemptAt : null, startedAt });
    // an attempt that recorded nothing (another run of the job recorded it, or the notification left) leaves health to that run
    const disabled = trigger === 'ping' || recorded ? await this.feedHealth(attempt.ctx, result, startedAt) : false;
    return { result, outcome, recorded, disabled };
  }

  /** Signs and sends, holding a lease in the webhook's gate during the HTTP exchange only. */
  private async send(attempt: Attempt, now: Date): Promise<DeliveryResult> {
    const { ctx, trigger } = attempt;
    const scheduled = 'lease' in attempt;
    const fair = this.deps.fair;
    const lease = scheduled ? attempt.lease : await fair?.forced(ctx.webhookId, ctx.maxInFlight, `now:${randomUUID()}`).catch(() => null);
    try {
      const { body, headers } = signedCallback({ ...this.deps.secrets.reveal(ctx), notificationId: ctx.id }, now);
      // traced (when on): a span per attempt, and a traceparent header continuing the job's trace (immediate: the API request's)
      const parent = scheduled ? attempt.traceparent : undefined;
      return await traceAttempt(ctx, trigger, parent, headers, () => this.deps.endpoints.deliver(this.deps.deliverer, ctx, { url: ctx.url, body, headers }));
    } finally {
      // only the HTTP exchange holds the lease; released in the background (it expires if that fails)
      if (fair && lease) void fair.release(lease, scheduled ? attempt.flow : undefined);
    }
  }

  private async record(
    attempt: Attempt,
    result: DeliveryResult,
    at: Date,
  ): Promise<{ outcome: AttemptOutcome | null; recorded: boolean; status: NotificationStatus | null }> {
    const { store, schedule, health } = this.deps;
    switch (attempt.trigger) {
      case 'ping':
        return { outcome: null, recorded: false, status: null };
      case 'resend': {
        const delivered = result.kind === 'delivered';
        const recorded = await infra('record', () => store.recordResend(attemptRecord(attempt.ctx, result, at, 'resend'), delivered));
        return delivered ? { outcome: { status: 'SUCCEEDED' }, recorded, status: 'SUCCEEDED' } : { outcome: null, recorded, status: attempt.ctx.status };
      }
      default: {
        const { ctx, trigger } = attempt;
        const outcome = decideOutcome({ result, cycleAttempt: ctx.cycleAttempts + 1, schedule, goneCancels: Boolean(health), now: Date.now() });
        const recorded = await infra('record', () => store.record(attemptRecord(ctx, result, at, trigger), outcome));
        return { outcome, recorded, status: outcome.status };
      }
    }
  }

  /**
   * Failure streaks and auto-disable, for enabled webhooks (a disabled one has
   * no streak to track; it may still be pinged or resent to). The attempt is
   * recorded already, so a failure here is only logged. True when the webhook
   * got disabled.
   */
  private async feedHealth(ctx: Attempt['ctx'], result: DeliveryResult, at: Date): Promise<boolean> {
    const health = this.deps.health;
    if (!health || !ctx.webhookEnabled) return false;
    try {
      if (result.kind === 'delivered') {
        await health.succeeded(ctx);
        return false;
      }
      return (await health.failed(ctx, result, at)) !== null;
    } catch (error) {
      this.deps.logger.error({ err: error, webhook_id: ctx.webhookId }, 'updating webhook health failed');
      return false;
    }
  }
}

/** The attempt path as both processes wire it: the worker for its jobs, the API for resend and ping. */
export function createDeliveryAttempts(
  config: Config,
  parts: Pick<DeliveryAttemptsDeps, 'deliverer' | 'secrets' | 'store' | 'logger' | 'observer' | 'fair'> & { db: PrismaClient; events: EventPublisher },
): DeliveryAttempts {
  const { db, events, ...deps } = parts;
  return new DeliveryAttempts({
    ...deps,
    endpoints: createEndpointRequests(parts.secrets, config.delivery),
    schedule: config.delivery.retrySchedule,
    health: new WebhookHealth({ db, autoDisableAfterMs: config.delivery.autoDisableAfterMs, events, logger: parts.logger }),
  });
}

async function infra<T>(stage: InfrastructureError['stage'], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new InfrastructureError(stage, error);
  }
}
