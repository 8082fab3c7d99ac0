/**
 * The webhook as the API shows it (snake_case, never the secret), for
 * payloads the services build themselves, such as WEBHOOK.DISABLED events.
 * Same shape as the HTTP presenter.
 */
import { authView, maskedHeaders, type WebhookView } from '@hookrelay/core';
import type { Webhook } from '@hookrelay/db';

export type { WebhookView };

export function webhookView(webhook: Webhook): WebhookView {
  const updated = webhook.updatedAt.toISOString();
  return {
    id: webhook.id,
    tenant: webhook.tenantId,
    url: webhook.url,
    enabled_events: webhook.enabledEvents,
    is_enabled: webhook.isEnabled,
    description: webhook.description,
    metadata: webhook.metadata ?? {},
    rate_limit: webhook.rateLimit,
    filter: webhook.filter ?? null,
    max_in_flight: webhook.maxInFlight,
    ordered: webhook.ordered,
    disabled_reason: webhook.disabledReason,
    headers: maskedHeaders(webhook.headers),
    auth: authView(webhook.auth),
    creation_time: webhook.createdAt.toISOString(),
    last_updated: updated,
    last_updated_time: updated,
  };
}
