// Hookrelay operator dashboard. Plain ES module, no build step.
//
// Every value shown here may come from an untrusted party (webhook receivers
// write response bodies, tenants write metadata and descriptions), so the DOM
// is built with createElement/textContent only, never by parsing HTML. The
// API key lives in sessionStorage (this tab only) and travels in the
// Authorization header, never in a URL. A tenant portal link signs in with
// the token in its fragment (portal.js); webhooks are created, edited and
// deleted through webhook-editor.js.

import { applyPortalSession, forgetPortalSession, isPortalSession, loadPortalSession, showPortalEnded, takeTokenFromFragment } from './portal.js';
import { createWebhookEditor } from './webhook-editor.js';

const STATUSES = ['PENDING', 'SUCCEEDED', 'EXPIRED', 'CANCELLED'];
const STATS_EVERY_MS = 2000;
const NOTIFICATIONS_EVERY_MS = 5000;
const WEBHOOK_LIST_EVERY_MS = 30000;
const PAGE_SIZE = 50;
const STORE = { key: 'hookrelay.dashboard.key', tenant: 'hookrelay.dashboard.tenant' };

const $ = (selector) => {
  const el = document.querySelector(selector);
  if (!el) throw new Error(`missing ${selector}`);
  return el;
};

/** A DOM element with safe properties (never HTML) and text or element children. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'onclick') el.addEventListener('click', value);
    else if (name === 'title' || name === 'type' || name === 'disabled' || name === 'value' || name === 'colSpan') el[name] = value;
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// ---------------------------------------------------------------- formatting

function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

function ago(iso) {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

function statusBadge(status) {
  return h('span', { class: `badge badge-${status}`, dataset: { status } }, status);
}

function codeBadge(code) {
  if (code === null || code === undefined) return h('span', { class: 'badge badge-none', title: 'no response' }, 'no response');
  return h('span', { class: `badge badge-${Math.floor(code / 100)}xx` }, String(code));
}

const shortId = (id) => id.slice(0, 8);

// ------------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

const session = { key: '', tenant: '', readOnly: false };

/** false for a read-only portal session: every change button is disabled. */
const canChange = () => !session.readOnly;
let editor = null;

async function api(method, path, body) {
  const url = new URL(path, window.location.origin);
  if (session.tenant) url.searchParams.set('tenant', session.tenant);
  const headers = { accept: 'application/json', authorization: `Bearer ${session.key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'Cannot reach the Hookrelay API');
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data && typeof data.detail === 'string' ? data.detail : `HTTP ${response.status}`;
    throw new ApiError(response.status, detail);
  }
  return data;
}

// -------------------------------------------------------------------- state

const state = {
  stats: null,
  /** id → webhook from GET /v1/webhooks (description, enabled_events) */
  webhooks: new Map(),
  /** id → { success, text } of the latest ping */
  pings: new Map(),
  notifications: [],
  nextPageToken: null,
  /** updated_since of the next poll: a little before the latest change seen (null: reload the page instead) */
  watermark: null,
  selectedId: null,
  /** bumped by every sign-in and sign-out: answers and timers of an earlier session are dropped */
  generation: 0,
};

function toast(message, bad = false) {
  const el = h('div', { class: bad ? 'toast bad' : 'toast' }, message);
  $('#toasts').append(el);
  setTimeout(() => el.remove(), 5000);
}

/** A rejected key ends the session; anything else is reported and the page goes on. */
function report(error, what) {
  if (error instanceof ApiError && error.status === 401) {
    signOut(`Signed out: ${error.message}`);
    return;
  }
  toast(`${what}: ${error.message}`, true);
}

// ------------------------------------------------------------------- counts

function renderCounts(stats) {
  for (const el of document.querySelectorAll('[data-count]')) {
    el.textContent = String(stats.notifications[el.dataset.count] ?? 0);
  }
  $('#session-tenant').textContent = stats.tenant;
  $('#window-note').textContent = `Success rate and last attempt over the last ${Math.round(stats.window_seconds / 3600)} h`;
}

function setLive(ok, text) {
  const live = $('#live');
  live.classList.toggle('ok', ok);
  live.classList.toggle('down', !ok);
  $('#live-text').textContent = text;
}

// ----------------------------------------------------------------- webhooks

function rateCell(w) {
  if (w.success_rate === null) return h('span', { class: 'muted' }, 'no attempts');
  const percent = Math.round(w.success_rate * 1000) / 10;
  const fill = h('div', { class: `rate-fill ${percent >= 95 ? '' : percent >= 50 ? 'mid' : 'low'}` });
  fill.style.width = `${percent}%`;
  return h('div', { class: 'rate' },
    h('span', { class: 'rate-value', dataset: { rate: String(percent) } }, `${percent}%`),
    h('div', { class: 'rate-bar' }, fill),
    h('span', { class: 'muted small' }, `${w.succeeded_attempts}/${w.attempts}`));
}

function lastCell(w) {
  if (!w.last_attempt_at) return h('span', { class: 'muted' }, '—');
  return h('div', {},
    h('span', { dataset: { lastStatus: String(w.last_status_code ?? 'none') } }, codeBadge(w.last_status_code)),
    ' ', h('span', { class: 'muted small', title: new Date(w.last_attempt_at).toLocaleString(), dataset: { ago: w.last_attempt_at } }, ago(w.last_attempt_at)),
    w.last_error ? h('div', { class: 'sub', title: w.last_error }, w.last_error.slice(0, 120)) : null);
}

/** "at cap" when the webhook's deliveries in flight (fleet-wide) reached its max_in_flight: the rest wait (docs/scheduling.md). */
function inFlightBadge(w, info) {
  if (w.in_flight === undefined || w.in_flight === 0) return null;
  const cap = info?.max_in_flight ?? state.stats?.endpoint_max_in_flight;
  const atCap = cap !== undefined && w.in_flight >= cap;
  return h('div', { class: atCap ? 'reason small' : 'muted small', dataset: { role: 'in-flight', atCap: String(atCap) }, title: `deliveries in flight now (cap ${cap ?? '?'})` },
    atCap ? `at cap: ${w.in_flight}/${cap} in flight` : `${w.in_flight}/${cap ?? '?'} in flight`);
}

function webhookRow(w) {
  const info = state.webhooks.get(w.webhook_id);
  const ping = state.pings.get(w.webhook_id);
  const n = w.notifications;
  return h('tr', { dataset: { webhookId: w.webhook_id } },
    h('td', {},
      h('div', { class: 'url' }, w.url),
      info?.description ? h('div', { class: 'sub' }, info.description) : null,
      info ? h('div', { class: 'sub mono' }, info.enabled_events.join(', ')) : null,
      info ? endpointInfo(info) : null,
      info?.filter ? h('div', { class: 'sub mono', title: 'payload filter: only matching events are delivered', dataset: { role: 'filter' } }, `filter: ${JSON.stringify(info.filter).slice(0, 200)}`) : null),
    h('td', { class: 'wh-state' },
      w.is_enabled ? h('span', { class: 'badge badge-enabled' }, 'enabled') : h('span', { class: 'badge badge-disabled' }, 'disabled'),
      inFlightBadge(w, info),
      w.disabled_reason ? h('div', { class: 'reason', dataset: { role: 'disabled-reason' } }, w.disabled_reason) : null),
    h('td', { class: 'wh-rate' }, rateCell(w)),
    h('td', { class: 'wh-last nowrap' }, lastCell(w)),
    h('td', { class: 'small' },
      h('div', {}, `${n.PENDING} pending · ${n.SUCCEEDED} succeeded`),
      h('div', { class: n.EXPIRED ? 'reason' : 'muted' }, `${n.EXPIRED} expired · ${n.CANCELLED} cancelled`)),
    h('td', {},
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'ping', change: 'true' }, disabled: !canChange(), onclick: (e) => pingWebhook(w.webhook_id, e.currentTarget) }, 'Ping'),
        h('button', { type: 'button', class: 'btn btn-sm btn-warn', dataset: { action: 'sendexpired', change: 'true' }, disabled: n.EXPIRED === 0 || !canChange(), onclick: () => sendExpired(w.webhook_id) }, 'Send expired'),
        h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'show' }, onclick: () => showWebhook(w.webhook_id) }, 'Notifications'),
        editor ? editor.buttons(w) : null),
      ping ? h('div', { class: `ping ${ping.success ? 'ok' : 'bad'}`, dataset: { role: 'ping-result' } }, ping.text) : null));
}

/** Extra headers (names, values as the API masks them) and the auth type; the API never sends the secrets. */
function endpointInfo(info) {
  const names = Object.entries(info.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  const auth = info.auth ? [info.auth.type, info.auth.username, info.auth.client_id].filter(Boolean).join(' · ') : null;
  if (!names.length && !auth) return null;
  return h('div', { class: 'sub mono', dataset: { role: 'endpoint' } },
    names.length ? h('div', { dataset: { role: 'headers' } }, `headers: ${names.join(', ')}`) : null,
    auth ? h('div', { dataset: { role: 'auth' } }, `auth: ${auth}`) : null);
}

/** What a webhook row shows; a row is rebuilt only when this changes, so a button under the pointer is not swapped mid-click. */
function signature(w) {
  return JSON.stringify([w, state.webhooks.get(w.webhook_id)?.last_updated ?? null, state.pings.get(w.webhook_id)?.text ?? null]);
}

function renderWebhooks() {
  const tbody = $('#webhooks tbody');
  const webhooks = state.stats?.webhooks ?? [];
  $('#webhooks-empty').hidden = webhooks.length > 0;
  const existing = new Map([...tbody.children].map((tr) => [tr.dataset.webhookId, tr]));
  webhooks.forEach((w, i) => {
    const sig = signature(w);
    let tr = existing.get(w.webhook_id);
    if (!tr || tr.dataset.signature !== sig) {
      const fresh = webhookRow(w);
      fresh.dataset.signature = sig;
      if (tr) tr.replaceWith(fresh);
      tr = fresh;
    }
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
  });
  while (tbody.children.length > webhooks.length) tbody.lastElementChild.remove();
  refreshAgo();
  renderWebhookFilter(webhooks);
}

/** Relative times ("12 s ago") are kept current without rebuilding their rows. */
function refreshAgo() {
  for (const el of document.querySelectorAll('[data-ago]')) el.textContent = ago(el.dataset.ago);
}

function webhookLabel(id) {
  const w = state.stats?.webhooks.find((x) => x.webhook_id === id) ?? state.webhooks.get(id);
  if (!w) return shortId(id);
  const description = state.webhooks.get(id)?.description;
  return description ? `${description} — ${w.url}` : w.url;
}

function renderWebhookFilter(webhooks) {
  const select = $('#filter-webhook');
  const wanted = ['', ...webhooks.map((w) => w.webhook_id)];
  const have = [...select.options].map((o) => o.value);
  if (JSON.stringify(wanted) === JSON.stringify(have)) return;
  const current = select.value;
  select.replaceChildren(h('option', { value: '' }, 'All'), ...webhooks.map((w) => h('option', { value: w.webhook_id }, webhookLabel(w.webhook_id))));
  select.value = wanted.includes(current) ? current : '';
}

async function loadWebhookList() {
  const generation = state.generation;
  const all = new Map();
  let token = null;
  for (let page = 0; page < 20; page += 1) {
    const query = new URLSearchParams({ limit: '100' });
    if (token) query.set('page_token', token);
    const data = await api('GET', `/v1/webhooks?${query}`);
    for (const w of data.webhooks) all.set(w.id, w);
    token = data.next_page_token;
    if (!token) break;
  }
  if (generation === state.generation) state.webhooks = all;
}

async function pingWebhook(id, button) {
  button.disabled = true;
  try {
    const result = await api('POST', `/v1/webhooks/${encodeURIComponent(id)}:ping`);
    const code = result.status_code === null ? 'no response' : `HTTP ${result.status_code}`;
    const text = result.success
      ? `Ping delivered: ${code} in ${result.duration_ms} ms`
      : `Ping failed: ${result.error ?? code} (${result.duration_ms} ms)`;
    state.pings.set(id, { success: result.success, text });
    toast(text, !result.success);
    renderWebhooks();
  } catch (error) {
    report(error, 'Ping');
  } finally {
    button.disabled = !canChange();
  }
}

function showWebhook(id) {
  $('#filter-webhook').value = id;
  reloadNotifications({ newFilter: true });
  $('#notifications-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

async function sendExpired(webhookId) {
  try {
    const result = await api('POST', '/v1/webhooks:sendexpired', webhookId ? { webhook_id: webhookId } : {});
    const scope = webhookId ? ` of ${webhookLabel(webhookId)}` : '';
    const text = `${result.requeued} expired notification${result.requeued === 1 ? '' : 's'}${scope} sent again`;
    $('#sendexpired-result').textContent = text;
    toast(text);
    await Promise.all([refreshStats(), reloadNotifications()]);
  } catch (error) {
    report(error, 'Send expired');
  }
}

// ------------------------------------------------------------ notifications

function currentFilter() {
  const filter = {};
  const status = $('#filter-status').value;
  const webhook = $('#filter-webhook').value;
  if (status) filter.status = status;
  if (webhook) filter.webhook_id = webhook;
  return filter;
}

let searches = 0;

/**
 * The first page again, keeping the selection; a refresh of the same filter
 * keeps as many rows as are shown (up to 100). Only the latest search renders.
 */
async function reloadNotifications({ newFilter = false } = {}) {
  const limit = newFilter ? PAGE_SIZE : Math.min(100, Math.max(PAGE_SIZE, state.notifications.length));
  const mine = ++searches;
  const generation = state.generation;
  const data = await api('POST', '/v1/webhooks:search', { ...currentFilter(), limit }).catch((error) => {
    report(error, 'Loading notifications');
    return null;
  });
  if (!data || mine !== searches || generation !== state.generation) return;
  state.notifications = data.notifications;
  state.nextPageToken = data.next_page_token;
  state.watermark = advanceWatermark(state.stats?.generated_at, data.notifications);
  renderNotifications();
}

/** A change is stamped when its transaction starts and may commit a moment later: poll from a few seconds before the latest seen. */
const CHANGE_OVERLAP_MS = 5000;

function advanceWatermark(floor, rows) {
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
async function pollChanges() {
  if (!state.watermark) return reloadNotifications();
  const mine = searches;
  const generation = state.generation;
  const { status, ...filter } = currentFilter();
  const data = await api('POST', '/v1/webhooks:search', { ...filter, updated_since: state.watermark, limit: 100 });
  if (mine !== searches || generation !== state.generation) return;
  const index = new Map(state.notifications.map((n, i) => [n.id, i]));
  const last = state.notifications[state.notifications.length - 1];
  const reshapes = (n) => index.has(n.id)
    ? Boolean(status) && n.status !== status
    : (!status || n.status === status) && (!state.nextPageToken || (last && n.created <= last.created));
  if (data.next_page_token || data.notifications.some(reshapes)) return reloadNotifications();
  state.watermark = advanceWatermark(state.watermark && new Date(Date.parse(state.watermark) + CHANGE_OVERLAP_MS).toISOString(), data.notifications);
  const changed = data.notifications.filter((n) => index.has(n.id));
  if (!changed.length) return;
  for (const n of changed) state.notifications[index.get(n.id)] = n;
  renderNotifications();
}

async function loadMore() {
  if (!state.nextPageToken) return;
  const mine = searches;
  const generation = state.generation;
  try {
    const data = await api('POST', '/v1/webhooks:search', { ...currentFilter(), limit: PAGE_SIZE, page_token: state.nextPageToken });
    if (mine !== searches || generation !== state.generation) return;
    state.notifications = [...state.notifications, ...data.notifications];
    state.nextPageToken = data.next_page_token;
    renderNotifications();
  } catch (error) {
    report(error, 'Loading notifications');
  }
}

/** The webhook's description, else its URL without the scheme. */
function shortWebhookLabel(id, webhook) {
  const description = state.webhooks.get(id)?.description;
  if (description) return description;
  return webhook ? webhook.url.replace(/^https?:\/\//, '') : shortId(id);
}

function notificationRow(n) {
  const webhook = state.stats?.webhooks.find((w) => w.webhook_id === n.webhook_id);
  return h('tr', { dataset: { notificationId: n.id, status: n.status }, class: n.id === state.selectedId ? 'selected' : '', onclick: () => select(n.id) },
    h('td', { class: 'nowrap', title: new Date(n.created).toLocaleString() }, formatTime(n.created)),
    h('td', { class: 'mono' }, n.type),
    h('td', { class: 'webhook-cell', title: webhook?.url ?? n.webhook_id, dataset: { webhookId: n.webhook_id } }, shortWebhookLabel(n.webhook_id, webhook)),
    h('td', { class: 'n-status' }, statusBadge(n.status)),
    h('td', {}, String(n.attempt_count)),
    h('td', { class: 'nowrap' }, n.attempt_count ? codeBadge(n.last_status_code) : h('span', { class: 'muted' }, '—')));
}

function renderNotifications() {
  const tbody = $('#notifications tbody');
  tbody.replaceChildren(...state.notifications.map(notificationRow));
  $('#notifications-empty').hidden = state.notifications.length > 0;
  $('#load-more').hidden = !state.nextPageToken;
  const selected = state.notifications.find((n) => n.id === state.selectedId);
  if (selected) renderDetail(selected);
}

async function select(id) {
  state.selectedId = id;
  for (const tr of $('#notifications tbody').children) tr.classList.toggle('selected', tr.dataset.notificationId === id);
  const known = state.notifications.find((n) => n.id === id);
  if (known) renderDetail(known);
  try {
    renderDetail(await api('GET', `/v1/notifications/${encodeURIComponent(id)}`));
  } catch (error) {
    report(error, 'Loading the notification');
  }
}

function fact(name, value) {
  return [h('dt', {}, name), h('dd', {}, value ?? '—')];
}

function attemptRows(a) {
  const main = h('tr', { dataset: { attempt: String(a.attempt_number), trigger: a.trigger } },
    h('td', {}, String(a.attempt_number)),
    h('td', { class: 'nowrap', title: new Date(a.attempted_at).toLocaleString() }, formatTime(a.attempted_at)),
    h('td', {}, a.trigger),
    h('td', { class: 'a-code' }, codeBadge(a.status_code)),
    h('td', { class: 'a-duration nowrap' }, `${a.duration_ms} ms`));
  const extra = h('tr', { class: 'attempt-extra', dataset: { attemptDetail: String(a.attempt_number) } },
    h('td', { colSpan: 5 },
      a.error ? h('div', { class: 'attempt-error' }, a.error) : null,
      a.response_body ? h('pre', { class: 'excerpt a-body' }, a.response_body) : h('div', { class: 'muted small' }, 'No response body')));
  return [main, extra];
}

function renderDetail(n) {
  if (n.id !== state.selectedId) return;
  $('#detail-placeholder').hidden = true;
  $('#detail-body').hidden = false;
  $('#detail-body').dataset.notificationId = n.id;
  $('#detail-type').textContent = n.type;
  $('#detail-status').replaceChildren(statusBadge(n.status));
  $('#detail-id').textContent = n.id;
  const resend = $('#resend');
  resend.disabled = n.status === 'PENDING' || resend.dataset.busy === 'true' || !canChange();
  resend.title = n.status === 'PENDING' ? 'A PENDING notification is already waiting for its next attempt' : 'One attempt now, outside the schedule';
  $('#detail-facts').replaceChildren(
    ...fact('Webhook', webhookLabel(n.webhook_id)),
    ...fact('Event', n.event_id),
    ...fact('Created', formatTime(n.created)),
    ...(n.status === 'PENDING' ? fact('Next attempt', formatTime(n.next_attempt_at)) : []),
    ...(n.delivered_at ? fact('Delivered', formatTime(n.delivered_at)) : []),
    ...(n.expired_at ? fact('Expired', formatTime(n.expired_at)) : []),
    ...(n.cancelled_at ? fact('Cancelled', formatTime(n.cancelled_at)) : []));
  const attempts = [...n.attempts].sort((a, b) => b.attempt_number - a.attempt_number);
  $('#detail-attempts tbody').replaceChildren(...attempts.flatMap(attemptRows));
  $('#detail-attempts').hidden = attempts.length === 0;
  $('#attempts-empty').hidden = attempts.length > 0;
}

async function resend() {
  const id = state.selectedId;
  if (!id) return;
  const button = $('#resend');
  button.disabled = true;
  button.dataset.busy = 'true';
  try {
    const n = await api('POST', `/v1/notifications/${encodeURIComponent(id)}:resend`);
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

// ------------------------------------------------------------ polling, session

async function refreshStats() {
  const generation = state.generation;
  const stats = await api('GET', '/v1/stats');
  if (generation !== state.generation) return;
  const unknown = stats.webhooks.some((w) => !state.webhooks.has(w.webhook_id));
  state.stats = stats;
  if (unknown) await loadWebhookList().catch(() => {});
  renderCounts(stats);
  renderWebhooks();
  setLive(true, `live · updated ${new Date(stats.generated_at).toLocaleTimeString()}`);
}

/** Runs `task` every `ms` after the previous run ends (never two at once), until the session changes. */
function every(ms, task) {
  const generation = state.generation;
  const tick = async () => {
    if (generation !== state.generation) return;
    try {
      await task();
    } finally {
      setTimeout(tick, ms);
    }
  };
  setTimeout(tick, ms);
}

async function start() {
  state.generation += 1;
  if (isPortalSession()) {
    const info = await loadPortalSession(api);
    session.readOnly = info.read_only;
    applyPortalSession(info);
  }
  $('#sendexpired').disabled = !canChange();
  editor?.refresh();
  await loadWebhookList();
  await refreshStats();
  $('#signin-view').hidden = true;
  $('#app-view').hidden = false;
  $('#session').hidden = false;
  await reloadNotifications();
  every(STATS_EVERY_MS, () => refreshStats().catch((error) => {
    if (error instanceof ApiError && error.status === 401) report(error, 'Stats');
    else setLive(false, `offline: ${error.message}`);
  }));
  every(NOTIFICATIONS_EVERY_MS, async () => {
    // a failed poll (an expired session's 401 included) is reported like a failed load, never left unhandled
    if ($('#auto-refresh').checked && state.notifications.length <= 100) await pollChanges().catch((error) => report(error, 'Loading notifications'));
  });
  every(WEBHOOK_LIST_EVERY_MS, () => loadWebhookList().catch(() => {}));
}

function stop() {
  state.generation += 1;
}

function showSignIn(message) {
  $('#app-view').hidden = true;
  $('#session').hidden = true;
  $('#signin-view').hidden = false;
  const error = $('#signin-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  $('#signin-key').focus();
}

function signOut(message, reason = 'ended') {
  stop();
  const portal = isPortalSession();
  forgetPortalSession();
  sessionStorage.removeItem(STORE.key);
  sessionStorage.removeItem(STORE.tenant);
  Object.assign(session, { key: '', tenant: '', readOnly: false });
  if ($('#webhook-dialog').open) $('#webhook-dialog').close();
  Object.assign(state, { stats: null, webhooks: new Map(), pings: new Map(), notifications: [], nextPageToken: null, watermark: null, selectedId: null });
  // nothing of the tenant's data stays in the page
  $('#webhooks tbody').replaceChildren();
  $('#notifications tbody').replaceChildren();
  $('#detail-attempts tbody').replaceChildren();
  $('#detail-body').hidden = true;
  $('#detail-placeholder').hidden = false;
  $('#sendexpired-result').textContent = '';
  for (const el of document.querySelectorAll('[data-count]')) el.textContent = '–';
  if (portal) showPortalEnded(reason);
  else showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const key = $('#signin-key').value.trim();
  const tenant = $('#signin-tenant').value.trim();
  if (!key) {
    showSignIn('Enter an API key.');
    return;
  }
  const submit = $('#signin-submit');
  submit.disabled = true;
  Object.assign(session, { key, tenant });
  try {
    // a tenant key acts for its own tenant: try the tenant named, then none
    try {
      await api('GET', '/v1/stats');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 403 && tenant)) throw error;
      session.tenant = '';
      await api('GET', '/v1/stats');
    }
    sessionStorage.setItem(STORE.key, session.key);
    sessionStorage.setItem(STORE.tenant, session.tenant);
    $('#signin-key').value = '';
    await start();
  } catch (error) {
    stop();
    Object.assign(session, { key: '', tenant: '' });
    showSignIn(`Sign-in failed: ${error.message}`);
  } finally {
    submit.disabled = false;
  }
}

function init() {
  $('#signin-form').addEventListener('submit', signIn);
  $('#signout').addEventListener('click', () => signOut(undefined, 'signed-out'));
  $('#filter-status').addEventListener('change', () => reloadNotifications({ newFilter: true }));
  $('#filter-webhook').addEventListener('change', () => reloadNotifications({ newFilter: true }));
  $('#refresh').addEventListener('click', () => Promise.all([refreshStats().catch((e) => report(e, 'Stats')), reloadNotifications()]));
  $('#sendexpired').addEventListener('click', () => sendExpired($('#filter-webhook').value || undefined));
  $('#load-more').addEventListener('click', loadMore);
  $('#resend').addEventListener('click', resend);
  editor = createWebhookEditor({
    h,
    api,
    canChange,
    toast,
    report,
    webhookOf: (id) => state.webhooks.get(id),
    onChanged: async () => {
      await loadWebhookList();
      await refreshStats();
    },
  });

  // a portal link: its token replaces any earlier session of this tab, also
  // when a new link is opened in a tab already on the dashboard
  takeTokenFromFragment(STORE.key, STORE.tenant);
  window.addEventListener('hashchange', () => {
    if (takeTokenFromFragment(STORE.key, STORE.tenant)) window.location.reload();
  });
  const key = sessionStorage.getItem(STORE.key);
  if (!key) {
    showSignIn();
    return;
  }
  Object.assign(session, { key, tenant: sessionStorage.getItem(STORE.tenant) ?? '' });
  start().catch((error) => signOut(`Signed out: ${error.message}`));
}

init();
