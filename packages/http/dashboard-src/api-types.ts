// The parts of the API's answers that the dashboard reads. Written out here
// rather than imported: the browser build compiles only this folder, and
// the server-side types (packages/core/src/views.ts, the stats and
// notification views of packages/services) pull in Node-only modules.
// `/openapi.json` is the contract both sides follow.

export type Status = 'PENDING' | 'SUCCEEDED' | 'EXPIRED' | 'CANCELLED';
export type StatusCounts = Record<Status, number> & { total: number };

/** One webhook's row of GET /v1/stats. */
export interface WebhookStats {
  webhook_id: string;
  url: string;
  is_enabled: boolean;
  disabled_reason: string | null;
  notifications: StatusCounts;
  attempts: number;
  succeeded_attempts: number;
  success_rate: number | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  /** deliveries in flight now, fleet-wide (absent without a gate) */
  in_flight?: number;
}

/** GET /v1/stats */
export interface TenantStats {
  tenant: string;
  generated_at: string;
  window_seconds: number;
  notifications: StatusCounts;
  webhooks: WebhookStats[];
  /** ENDPOINT_MAX_IN_FLIGHT: the cap of webhooks whose max_in_flight is null */
  endpoint_max_in_flight?: number;
}

/** A webhook of GET /v1/webhooks: header values come masked, auth without its secret. */
export interface Webhook {
  id: string;
  url: string;
  enabled_events: string[];
  is_enabled: boolean;
  description: string | null;
  filter: unknown;
  max_in_flight: number | null;
  headers: Record<string, string> | null;
  auth: { type: string; username?: string; client_id?: string } | null;
  last_updated: string;
}

export interface WebhookPage {
  webhooks: Webhook[];
  next_page_token: string | null;
}

/** POST /v1/webhooks answers the signing secret, this once. */
export interface CreatedWebhook extends Webhook {
  secret: string;
}

export interface Attempt {
  attempt_number: number;
  attempted_at: string;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  trigger: string;
}

export interface Notification {
  id: string;
  event_id: string;
  webhook_id: string;
  type: string;
  status: Status;
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  created: string;
  updated_at: string;
  delivered_at: string | null;
  expired_at: string | null;
  cancelled_at: string | null;
  attempts: Attempt[];
}

/** POST /v1/webhooks:search */
export interface NotificationPage {
  notifications: Notification[];
  next_page_token: string | null;
}

/** POST /v1/webhooks/{id}:ping */
export interface PingResult {
  success: boolean;
  status_code: number | null;
  duration_ms: number;
  error?: string | null;
}

/** POST /v1/webhooks:sendexpired */
export interface SendExpiredResult {
  requeued: number;
}

/** GET /v1/portal-sessions/current */
export interface PortalSession {
  tenant: string;
  read_only: boolean;
  expires_at: string;
}
