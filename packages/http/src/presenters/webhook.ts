/** The webhook as the API shows it (snake_case, as in the reference). The secret is never part of it. */
import type { Webhook } from '@hookrelay/services';

export interface WebhookResource {
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

export function presentWebhook(webhook: Webhook): WebhookResource {
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
