/** GET /v1/stats: the tenant's counts and each webhook's recent health (schema in routes/stats.ts). */
import type { StatusCounts, TenantStats, WebhookStats } from '../services/stats-service.js';

export interface WebhookStatsView {
  webhook_id: string;
  url: string;
  is_enabled: boolean;
  disabled_reason: string | null;
  notifications: StatusCounts;
  attempts: number;
  succeeded_attempts: number;
  success_rate: number | null;
  avg_duration_ms: number | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  in_flight?: number;
}

export interface TenantStatsView {
  tenant: string;
  generated_at: string;
  window_seconds: number;
  notifications: StatusCounts;
  webhooks: WebhookStatsView[];
  endpoint_max_in_flight?: number;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function presentWebhookStats(w: WebhookStats): WebhookStatsView {
  return {
    webhook_id: w.webhookId,
    url: w.url,
    is_enabled: w.isEnabled,
    disabled_reason: w.disabledReason,
    notifications: w.notifications,
    attempts: w.attempts,
    succeeded_attempts: w.succeededAttempts,
    success_rate: w.successRate,
    avg_duration_ms: w.avgDurationMs,
    last_attempt_at: iso(w.lastAttemptAt),
    last_status_code: w.lastStatusCode,
    last_error: w.lastError,
    // present only when fair delivery's counts could be read
    ...(w.inFlight === undefined ? {} : { in_flight: w.inFlight }),
  };
}

export function presentTenantStats(stats: TenantStats): TenantStatsView {
  return {
    tenant: stats.tenant,
    generated_at: stats.generatedAt.toISOString(),
    window_seconds: stats.windowSeconds,
    notifications: stats.notifications,
    webhooks: stats.webhooks.map(presentWebhookStats),
    ...(stats.endpointMaxInFlight === undefined ? {} : { endpoint_max_in_flight: stats.endpointMaxInFlight }),
  };
}
