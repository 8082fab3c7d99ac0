/**
 * The webhook as the API shows it. The shape itself is the services' `webhookView`:
 * the worker builds WEBHOOK.DISABLED payloads with it, and both must agree.
 */
import type { FilterOutcome } from '@hookrelay/core';
import { webhookView, type WebhookView } from '@hookrelay/delivery';
import type { Webhook } from '@hookrelay/db';

export { webhookView as presentWebhook, type WebhookView as WebhookResource };

/** POST /v1/webhooks: the one answer that carries the signing secret. */
export function presentCreatedWebhook(webhook: Webhook): WebhookView & { secret: string } {
  return { ...webhookView(webhook), secret: webhook.secret };
}

export function presentSecret(secret: string): { secret: string } {
  return { secret };
}

export function presentFilterOutcome(outcome: FilterOutcome): { matches: boolean; reason: string } {
  return { matches: outcome.matches, reason: outcome.reason };
}
