// One row of the webhooks table: endpoint, state, success rate, last
// attempt, notification counts and the row's buttons.
import { canChange } from './api-client.js';
import type { EndpointAuthView, Webhook, WebhookStats } from './api-types.js';
import { h } from './dom.js';
import { ago, codeBadge } from './format.js';
import { state } from './page-state.js';

/** What the row's buttons do; given by the entry module, which sees the whole page. */
export interface WebhookRowActions {
  ping(webhookId: string, button: HTMLButtonElement): void;
  sendExpired(webhookId: string): void;
  show(webhookId: string): void;
  /** Edit and Delete */
  editorButtons(row: WebhookStats): HTMLElement[];
}

function rateCell(w: WebhookStats): HTMLElement {
  if (w.success_rate === null) return h('span', { class: 'muted' }, 'no attempts');
  const percent = Math.round(w.success_rate * 1000) / 10;
  const fill = h('div', { class: `rate-fill ${percent >= 95 ? '' : percent >= 50 ? 'mid' : 'low'}` });
  fill.style.width = `${percent}%`;
  return h(
    'div',
    { class: 'rate' },
    h('span', { class: 'rate-value', dataset: { rate: String(percent) } }, `${percent}%`),
    h('div', { class: 'rate-bar' }, fill),
    h('span', { class: 'muted small' }, `${w.succeeded_attempts}/${w.attempts}`),
  );
}

function lastCell(w: WebhookStats): HTMLElement {
  if (!w.last_attempt_at) return h('span', { class: 'muted' }, '—');
  return h(
    'div',
    {},
    h('span', { dataset: { lastStatus: String(w.last_status_code ?? 'none') } }, codeBadge(w.last_status_code)),
    ' ',
    h('span', { class: 'muted small', title: new Date(w.last_attempt_at).toLocaleString(), dataset: { ago: w.last_attempt_at } }, ago(w.last_attempt_at)),
    w.last_error ? h('div', { class: 'sub', title: w.last_error }, w.last_error.slice(0, 120)) : null,
  );
}

/** "at cap" when the webhook's deliveries in flight (fleet-wide) reached its max_in_flight: the rest wait (docs/scheduling.md). */
function inFlightBadge(w: WebhookStats, info: Webhook | undefined): HTMLElement | null {
  if (w.in_flight === undefined || w.in_flight === 0) return null;
  const cap = info?.max_in_flight ?? state.stats?.endpoint_max_in_flight;
  const atCap = cap !== undefined && w.in_flight >= cap;
  return h(
    'div',
    {
      class: atCap ? 'reason small' : 'muted small',
      dataset: { role: 'in-flight', atCap: String(atCap) },
      title: `deliveries in flight now (cap ${cap ?? '?'})`,
    },
    atCap ? `at cap: ${w.in_flight}/${cap} in flight` : `${w.in_flight}/${cap ?? '?'} in flight`,
  );
}

/** The auth type and who it signs in as. */
function authLabel(auth: EndpointAuthView): string {
  const who = auth.type === 'basic' ? auth.username : auth.type === 'oauth2_client_credentials' ? auth.client_id : undefined;
  return [auth.type, who].filter(Boolean).join(' · ');
}

/** Extra headers (names, values as the API masks them) and the auth type; the API never sends the secrets. */
function endpointInfo(info: Webhook): HTMLElement | null {
  const names = Object.entries(info.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  const auth = info.auth ? authLabel(info.auth) : null;
  if (!names.length && !auth) return null;
  return h(
    'div',
    { class: 'sub mono', dataset: { role: 'endpoint' } },
    names.length ? h('div', { dataset: { role: 'headers' } }, `headers: ${names.join(', ')}`) : null,
    auth ? h('div', { dataset: { role: 'auth' } }, `auth: ${auth}`) : null,
  );
}

export function webhookRow(w: WebhookStats, actions: WebhookRowActions): HTMLTableRowElement {
  const info = state.webhooks.get(w.webhook_id);
  const ping = state.pings.get(w.webhook_id);
  const n = w.notifications;
  return h(
    'tr',
    { dataset: { webhookId: w.webhook_id } },
    h(
      'td',
      {},
      h('div', { class: 'url' }, w.url),
      info?.description ? h('div', { class: 'sub' }, info.description) : null,
      info ? h('div', { class: 'sub mono' }, info.enabled_events.join(', ')) : null,
      info ? endpointInfo(info) : null,
      info?.filter
        ? h(
            'div',
            { class: 'sub mono', title: 'payload filter: only matching events are delivered', dataset: { role: 'filter' } },
            `filter: ${JSON.stringify(info.filter).slice(0, 200)}`,
          )
        : null,
    ),
    h(
      'td',
      { class: 'wh-state' },
      w.is_enabled ? h('span', { class: 'badge badge-enabled' }, 'enabled') : h('span', { class: 'badge badge-disabled' }, 'disabled'),
      inFlightBadge(w, info),
      w.disabled_reason ? h('div', { class: 'reason', dataset: { role: 'disabled-reason' } }, w.disabled_reason) : null,
    ),
    h('td', { class: 'wh-rate' }, rateCell(w)),
    h('td', { class: 'wh-last nowrap' }, lastCell(w)),
    h(
      'td',
      { class: 'small' },
      h('div', {}, `${n.PENDING} pending · ${n.SUCCEEDED} succeeded`),
      h('div', { class: n.EXPIRED ? 'reason' : 'muted' }, `${n.EXPIRED} expired · ${n.CANCELLED} cancelled`),
    ),
    h(
      'td',
      {},
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-sm',
            dataset: { action: 'ping', change: 'true' },
            disabled: !canChange(),
            onclick: (e) => actions.ping(w.webhook_id, e.currentTarget as HTMLButtonElement),
          },
          'Ping',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-sm btn-warn',
            dataset: { action: 'sendexpired', change: 'true' },
            disabled: n.EXPIRED === 0 || !canChange(),
            onclick: () => actions.sendExpired(w.webhook_id),
          },
          'Send expired',
        ),
        h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'show' }, onclick: () => actions.show(w.webhook_id) }, 'Notifications'),
        actions.editorButtons(w),
      ),
      ping ? h('div', { class: `ping ${ping.success ? 'ok' : 'bad'}`, dataset: { role: 'ping-result' } }, ping.text) : null,
    ),
  );
}
