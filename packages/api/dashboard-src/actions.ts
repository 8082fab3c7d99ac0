// The buttons that deliver now or again: Ping, Send expired, Resend now;
// and a webhook row's Notifications button.
import { api, canChange } from './api-client.js';
import type { Notification, PingResult, SendExpiredResult } from './api-types.js';
import { $ } from './dom.js';
import { report, toast } from './feedback.js';
import { refreshStats } from './live-stats.js';
import { renderDetail } from './notification-detail.js';
import { reloadNotifications } from './notifications-list.js';
import { state, webhookLabel } from './page-state.js';
import { renderWebhooks } from './webhooks-table.js';

/** One signed WEBHOOK.PING now; its outcome stays in the webhook's row. */
export async function pingWebhook(id: string, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const result = await api<PingResult>('POST', `/v1/webhooks/${encodeURIComponent(id)}:ping`);
    const code = result.status_code === null ? 'no response' : `HTTP ${result.status_code}`;
    const text = result.success ? `Ping delivered: ${code} in ${result.duration_ms} ms` : `Ping failed: ${result.error ?? code} (${result.duration_ms} ms)`;
    state.pings.set(id, { success: result.success, text });
    toast(text, !result.success);
    renderWebhooks();
  } catch (error) {
    report(error, 'Ping');
  } finally {
    button.disabled = !canChange();
  }
}

/** The notifications list, filtered to this webhook. */
export function showWebhook(id: string): void {
  $<HTMLSelectElement>('#filter-webhook').value = id;
  void reloadNotifications({ newFilter: true });
  $('#notifications-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

/** Every EXPIRED notification of the webhook (of the tenant without one) back to PENDING. */
export async function sendExpired(webhookId: string | undefined): Promise<void> {
  try {
    const result = await api<SendExpiredResult>('POST', '/v1/webhooks:sendexpired', webhookId ? { webhook_id: webhookId } : {});
    const scope = webhookId ? ` of ${webhookLabel(webhookId)}` : '';
    const text = `${result.requeued} expired notification${result.requeued === 1 ? '' : 's'}${scope} sent again`;
    $('#sendexpired-result').textContent = text;
    toast(text);
    await Promise.all([refreshStats(), reloadNotifications()]);
  } catch (error) {
    report(error, 'Send expired');
  }
}

/** One attempt of the selected notification now, outside its schedule. */
export async function resend(): Promise<void> {
  const id = state.selectedId;
  if (!id) return;
  const button = $<HTMLButtonElement>('#resend');
  button.disabled = true;
  button.dataset.busy = 'true';
  try {
    const n = await api<Notification>('POST', `/v1/notifications/${encodeURIComponent(id)}:resend`);
    const last = n.attempts[n.attempts.length - 1];
    toast(`Resent: ${last?.status_code ?? last?.error ?? 'no response'}`, n.status !== 'SUCCEEDED');
    renderDetail(n);
    await Promise.all([refreshStats(), reloadNotifications()]);
  } catch (error) {
    report(error, 'Resend');
  } finally {
    button.dataset.busy = 'false';
    const n = state.notifications.find((x) => x.id === id);
    button.disabled = n?.status === 'PENDING' || !canChange();
  }
}
