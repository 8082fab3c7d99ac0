// What the page holds between refreshes, and the labels derived from it.
import type { Notification, TenantStats, Webhook } from './api-types.js';
import { shortId } from './format.js';

export interface PingOutcome {
  success: boolean;
  text: string;
}

export const state = {
  stats: null as TenantStats | null,
  /** id → webhook from GET /v1/webhooks (description, enabled_events) */
  webhooks: new Map<string, Webhook>(),
  /** id → outcome of the latest ping */
  pings: new Map<string, PingOutcome>(),
  notifications: [] as Notification[],
  nextPageToken: null as string | null,
  /** updated_since of the next poll: a little before the latest change seen (null: reload the page instead) */
  watermark: null as string | null,
  selectedId: null as string | null,
  /** bumped by every sign-in and sign-out: answers and timers of an earlier session are dropped */
  generation: 0,
};

/** Forgets every piece of the tenant's data (the generation goes on counting). */
export function clearState(): void {
  Object.assign(state, { stats: null, webhooks: new Map(), pings: new Map(), notifications: [], nextPageToken: null, watermark: null, selectedId: null });
}

/** The webhook's description and URL, else its URL, else its short id. */
export function webhookLabel(id: string): string {
  const w = state.stats?.webhooks.find((x) => x.webhook_id === id) ?? state.webhooks.get(id);
  if (!w) return shortId(id);
  const description = state.webhooks.get(id)?.description;
  return description ? `${description} — ${w.url}` : w.url;
}

/** The webhook's description, else its URL without the scheme. */
export function shortWebhookLabel(id: string): string {
  const description = state.webhooks.get(id)?.description;
  if (description) return description;
  const webhook = state.stats?.webhooks.find((w) => w.webhook_id === id);
  return webhook ? webhook.url.replace(/^https?:\/\//, '') : shortId(id);
}
