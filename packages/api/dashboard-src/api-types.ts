// The API's answers the dashboard reads, typed by the server packages' own
// declarations (the presenters and services of @hookrelay/api): `import type` is erased, nothing of them reaches the
// browser, and a change of shape on the server fails this build.
import type { EndpointAuthView, WebhookView } from '@hookrelay/core';
import type { NotificationView, PingResult, PortalSessionView, TenantStatsView, WebhookStatsView } from '@hookrelay/api';

export type { EndpointAuthView, PingResult };
export type TenantStats = TenantStatsView;
export type WebhookStats = WebhookStatsView;

/** A webhook of GET /v1/webhooks: header values come masked, auth without its secret. */
export type Webhook = WebhookView;
export type Notification = NotificationView;
export type Attempt = NotificationView['attempts'][number];
/** GET /v1/portal-sessions/current */
export type PortalSession = PortalSessionView;

/** POST /v1/webhooks answers the signing secret, this once. */
export type CreatedWebhook = Webhook & { secret: string };

export interface WebhookPage {
  webhooks: Webhook[];
  next_page_token: string | null;
}

/** POST /v1/webhooks:search */
export interface NotificationPage {
  notifications: Notification[];
  next_page_token: string | null;
}

/** POST /v1/webhooks:sendexpired */
export interface SendExpiredResult {
  requeued: number;
}
