// The webhooks table and the webhook filter of the notifications list,
// both from GET /v1/stats plus the webhook list (descriptions, events).
import { api } from './api-client.js';
import type { Webhook, WebhookPage, WebhookStats } from './api-types.js';
import { $, h } from './dom.js';
import { ago } from './format.js';
import { state, webhookLabel } from './page-state.js';
import { webhookRow, type WebhookRowActions } from './webhook-row.js';

let actions: WebhookRowActions | null = null;

/** Set once at start-up, before the first render. */
export function setWebhookRowActions(rowActions: WebhookRowActions): void {
  actions = rowActions;
}

/** What a webhook row shows; a row is rebuilt only when this changes, so a button under the pointer is not swapped mid-click. */
function signature(w: WebhookStats): string {
  return JSON.stringify([w, state.webhooks.get(w.webhook_id)?.last_updated ?? null, state.pings.get(w.webhook_id)?.text ?? null]);
}

export function renderWebhooks(): void {
  if (!actions) throw new Error('webhook row actions are not set');
  const rowActions = actions;
  const tbody = $<HTMLTableSectionElement>('#webhooks tbody');
  const webhooks = state.stats?.webhooks ?? [];
  $('#webhooks-empty').hidden = webhooks.length > 0;
  const existing = new Map([...tbody.rows].map((tr) => [tr.dataset.webhookId, tr]));
  webhooks.forEach((w, i) => {
    const sig = signature(w);
    let tr = existing.get(w.webhook_id);
    if (!tr || tr.dataset.signature !== sig) {
      const fresh = webhookRow(w, rowActions);
      fresh.dataset.signature = sig;
      if (tr) tr.replaceWith(fresh);
      tr = fresh;
    }
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
  });
  while (tbody.children.length > webhooks.length) tbody.lastElementChild?.remove();
  refreshAgo();
  renderWebhookFilter(webhooks);
}

/** Relative times ("12 s ago") are kept current without rebuilding their rows. */
function refreshAgo(): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-ago]')) el.textContent = ago(el.dataset.ago);
}

function renderWebhookFilter(webhooks: WebhookStats[]): void {
  const select = $<HTMLSelectElement>('#filter-webhook');
  const wanted = ['', ...webhooks.map((w) => w.webhook_id)];
  const have = [...select.options].map((o) => o.value);
  if (JSON.stringify(wanted) === JSON.stringify(have)) return;
  const current = select.value;
  select.replaceChildren(h('option', { value: '' }, 'All'), ...webhooks.map((w) => h('option', { value: w.webhook_id }, webhookLabel(w.webhook_id))));
  select.value = wanted.includes(current) ? current : '';
}

/** Every webhook of the tenant (descriptions, events, endpoint settings), up to 2,000. */
export async function loadWebhookList(): Promise<void> {
  const generation = state.generation;
  const all = new Map<string, Webhook>();
  let token: string | null = null;
  for (let page = 0; page < 20; page += 1) {
    const query = new URLSearchParams({ limit: '100' });
    if (token) query.set('page_token', token);
    const data: WebhookPage = await api<WebhookPage>('GET', `/v1/webhooks?${query}`);
    for (const w of data.webhooks) all.set(w.id, w);
    token = data.next_page_token;
    if (!token) break;
  }
  if (generation === state.generation) state.webhooks = all;
}

/** Signed out: no row of the tenant stays in the page. */
export function clearWebhooks(): void {
  $('#webhooks tbody').replaceChildren();
}
