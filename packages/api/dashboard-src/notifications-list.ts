// The notifications list: the filter, the first page and Load more, and the
// periodic poll that patches changed rows in place.
import { api } from './api-client.js';
import type { Notification, NotificationPage } from './api-types.js';
import { $, h } from './dom.js';
import { report } from './feedback.js';
import { codeBadge, formatTime, statusBadge } from './format.js';
import { renderDetail } from './notification-detail.js';
import { shortWebhookLabel, state } from './page-state.js';

const PAGE_SIZE = 50;
/** A change is stamped when its transaction starts and may commit a moment later: poll from a few seconds before the latest seen. */
const CHANGE_OVERLAP_MS = 5000;

interface Filter {
  status?: string;
  webhook_id?: string;
}

function currentFilter(): Filter {
  const filter: Filter = {};
  const status = $<HTMLSelectElement>('#filter-status').value;
  const webhook = $<HTMLSelectElement>('#filter-webhook').value;
  if (status) filter.status = status;
  if (webhook) filter.webhook_id = webhook;
  return filter;
}

/** Bumped by every search: only the latest one renders. */
let searches = 0;

/**
 * The first page again, keeping the selection; a refresh of the same filter
 * keeps as many rows as are shown (up to 100). Only the latest search renders.
 */
export async function reloadNotifications({ newFilter = false } = {}): Promise<void> {
  const limit = newFilter ? PAGE_SIZE : Math.min(100, Math.max(PAGE_SIZE, state.notifications.length));
  const mine = ++searches;
  const generation = state.generation;
  const data = await api<NotificationPage>('POST', '/v1/webhooks:search', { ...currentFilter(), limit }).catch((error: unknown) => {
    report(error, 'Loading notifications');
    return null;
  });
  if (!data || mine !== searches || generation !== state.generation) return;
  state.notifications = data.notifications;
  state.nextPageToken = data.next_page_token;
  state.watermark = advanceWatermark(state.stats?.generated_at, data.notifications);
  renderNotifications();
}

function advanceWatermark(floor: string | null | undefined, rows: Notification[]): string | null {
  let latest = floor ? Date.parse(floor) - CHANGE_OVERLAP_MS : 0;
  for (const n of rows) if (n.updated_at) latest = Math.max(latest, Date.parse(n.updated_at) - CHANGE_OVERLAP_MS);
  return latest > 0 ? new Date(latest).toISOString() : null;
}

/**
 * The periodic refresh: only the notifications changed since the last poll
 * (`updated_since`), patched into the shown rows. The page is reloaded only
 * when a change affects it otherwise (a new row inside the shown window, a
 * row leaving the status filter, more changes than one poll holds).
 */
export async function pollChanges(): Promise<void> {
  if (!state.watermark) return reloadNotifications();
  const mine = searches;
  const generation = state.generation;
  const { status, ...filter } = currentFilter();
  const data = await api<NotificationPage>('POST', '/v1/webhooks:search', { ...filter, updated_since: state.watermark, limit: 100 });
  if (mine !== searches || generation !== state.generation) return;
  const index = new Map(state.notifications.map((n, i) => [n.id, i]));
  const last = state.notifications[state.notifications.length - 1];
  const reshapes = (n: Notification) =>
    index.has(n.id)
      ? Boolean(status) && n.status !== status
      : (!status || n.status === status) && (!state.nextPageToken || (last && n.created <= last.created));
  if (data.next_page_token || data.notifications.some(reshapes)) return reloadNotifications();
  state.watermark = advanceWatermark(state.watermark && new Date(Date.parse(state.watermark) + CHANGE_OVERLAP_MS).toISOString(), data.notifications);
  const changed = data.notifications.filter((n) => index.has(n.id));
  if (!changed.length) return;
  for (const n of changed) state.notifications[index.get(n.id)!] = n;
  renderNotifications();
}

export async function loadMore(): Promise<void> {
  if (!state.nextPageToken) return;
  const mine = searches;
  const generation = state.generation;
  try {
    const data = await api<NotificationPage>('POST', '/v1/webhooks:search', { ...currentFilter(), limit: PAGE_SIZE, page_token: state.nextPageToken });
    if (mine !== searches || generation !== state.generation) return;
    state.notifications = [...state.notifications, ...data.notifications];
    state.nextPageToken = data.next_page_token;
    renderNotifications();
  } catch (error) {
    report(error, 'Loading notifications');
  }
}

function notificationRow(n: Notification): HTMLTableRowElement {
  const webhook = state.stats?.webhooks.find((w) => w.webhook_id === n.webhook_id);
  return h(
    'tr',
    { dataset: { notificationId: n.id, status: n.status }, class: n.id === state.selectedId ? 'selected' : '', onclick: () => select(n.id) },
    h('td', { class: 'nowrap', title: new Date(n.created).toLocaleString() }, formatTime(n.created)),
    h('td', { class: 'mono' }, n.type),
    h('td', { class: 'webhook-cell', title: webhook?.url ?? n.webhook_id, dataset: { webhookId: n.webhook_id } }, shortWebhookLabel(n.webhook_id)),
    h('td', { class: 'n-status' }, statusBadge(n.status)),
    h('td', {}, String(n.attempt_count)),
    h('td', { class: 'nowrap' }, n.attempt_count ? codeBadge(n.last_status_code) : h('span', { class: 'muted' }, '—')),
  );
}

function renderNotifications(): void {
  const tbody = $('#notifications tbody');
  tbody.replaceChildren(...state.notifications.map(notificationRow));
  $('#notifications-empty').hidden = state.notifications.length > 0;
  $('#load-more').hidden = !state.nextPageToken;
  const selected = state.notifications.find((n) => n.id === state.selectedId);
  if (selected) renderDetail(selected);
}

async function select(id: string): Promise<void> {
  state.selectedId = id;
  for (const tr of $<HTMLTableSectionElement>('#notifications tbody').rows) tr.classList.toggle('selected', tr.dataset.notificationId === id);
  const known = state.notifications.find((n) => n.id === id);
  if (known) renderDetail(known);
  try {
    renderDetail(await api<Notification>('GET', `/v1/notifications/${encodeURIComponent(id)}`));
  } catch (error) {
    report(error, 'Loading the notification');
  }
}

/** Signed out: no row of the tenant stays in the page. */
export function clearNotifications(): void {
  $('#notifications tbody').replaceChildren();
}
