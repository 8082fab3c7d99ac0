/**
 * The webhook as the API shows it (snake_case, never the secret), for
 * payloads the services build themselves, such as WEBHOOK.DISABLED events.
 * Same shape as the HTTP presenter.
 */
import type { Webhook } from '@hookrelay/db';

export interface WebhookView {
  id: string;
  tenant: string;
  url: string;
  enabled_events: string[];
  is_enabled: boolean;
  description: string | null;
  metadata: unknown;
  rate_limit: number | null;
  disabled_reason: string | null;
  creation_time: string;
  last_updated: string;
  last_updated_time: string;
}

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
    disabled_reason: webhook.disabledReason,
    creation_time: webhook.createdAt.toISOString(),
    last_updated: updated,
    last_updated_time: updated,
  };
}
