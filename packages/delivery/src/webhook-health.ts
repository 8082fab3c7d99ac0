/**
 * What delivery outcomes do to the webhook itself: a failure streak is
 * tracked (`failing_since`, set by the first failure after a success,
 * cleared by any success); a webhook failing continuously for
 * AUTO_DISABLE_AFTER_SECONDS, or answering 410 Gone, is disabled with a
 * recorded reason, its pending notifications are cancelled, and a
 * WEBHOOK.DISABLED event is published for its tenant, all in one
 * transaction: a webhook is never disabled without its tenant being told.
 */
import { DISABLED_EVENT_TYPE, type Logger } from '@hookrelay/core';
import { WebhooksRepository, type Db, type DeliveryContext, type PrismaClient } from '@hookrelay/db';
import type { DeliveryResult } from './deliverer.js';
import type { EventInput, IngestResult } from '@hookrelay/ingest';
import { webhookView } from './webhook-view.js';

export interface EventPublisher {
  /** writes the event and its notifications within `tx` */
  ingestWithin(tx: Db, tenantId: string, input: EventInput): Promise<IngestResult>;
  /** enqueues them once `tx` has committed */
  enqueue(notificationIds: string[], eventId: string): Promise<void>;
}

export interface WebhookHealthDeps {
  db: PrismaClient;
  /** AUTO_DISABLE_AFTER_SECONDS in ms */
  autoDisableAfterMs: number;
  /** where WEBHOOK.DISABLED events go (the normal ingest path) */
  events: EventPublisher;
  logger: Logger;
}

type HealthContext = Pick<DeliveryContext, 'webhookId' | 'tenantId' | 'failingSince'>;

export class WebhookHealth {
  private readonly webhooks: WebhooksRepository;

  constructor(private readonly deps: WebhookHealthDeps) {
    this.webhooks = new WebhooksRepository(deps.db);
  }

  async succeeded(ctx: HealthContext): Promise<void> {
    if (ctx.failingSince) await this.webhooks.clearFailing(ctx.webhookId);
  }

  /** Records a failed attempt made at `at`; returns the reason when it got the webhook disabled. */
  async failed(ctx: HealthContext, result: DeliveryResult, at: Date): Promise<string | null> {
    if (result.kind === 'gone') {
      await this.webhooks.markFailing(ctx.webhookId, at);
      return this.disable(ctx, `the endpoint answered 410 Gone on ${at.toISOString()}`);
    }
    if (!ctx.failingSince) {
      await this.webhooks.markFailing(ctx.webhookId, at);
      return null;
    }
    if (at.getTime() - ctx.failingSince.getTime() >= this.deps.autoDisableAfterMs) {
      const seconds = Math.round(this.deps.autoDisableAfterMs / 1000);
      return this.disable(ctx, `every delivery failed since ${ctx.failingSince.toISOString()} (auto-disabled after ${seconds} s of failures)`);
    }
    return null;
  }

  /**
   * Disables the webhook unless someone else did, and publishes
   * WEBHOOK.DISABLED in the same transaction (should publishing fail, the
   * webhook stays enabled and the next failure tries again). Returns
   * `reason` when this call did it.
   */
  private async disable(ctx: HealthContext, reason: string): Promise<string | null> {
    const done = await this.deps.db.$transaction(async (tx) => {
      const webhooks = new WebhooksRepository(tx);
      const webhook = await webhooks.disableIfEnabled(ctx.webhookId, reason);
      if (!webhook) return null;
      await webhooks.cancelPendingNotifications(ctx.webhookId);
      return this.deps.events.ingestWithin(tx, ctx.tenantId, {
        type: DISABLED_EVENT_TYPE,
        resource: webhookView(webhook),
        changed_fields: { is_enabled: true, disabled_reason: null },
        idempotency_key: `webhook-disabled:${webhook.id}:${webhook.updatedAt.getTime()}`,
      });
    });
    if (!done) return null;
    this.deps.logger.warn({ tenant: ctx.tenantId, webhook_id: ctx.webhookId, reason, event_id: done.event.id }, 'webhook disabled');
    if (!done.duplicate) await this.deps.events.enqueue(done.notificationIds, done.event.id);
    return reason;
  }
}
