// The selected notification: its facts and every attempt, newest first,
// with the receiver's response excerpt shown as text.
import { canChange } from './api-client.js';
import type { Attempt, Notification } from './api-types.js';
import { $, h } from './dom.js';
import { codeBadge, formatTime, statusBadge } from './format.js';
import { state, webhookLabel } from './page-state.js';

function fact(name: string, value: string | null): HTMLElement[] {
  return [h('dt', {}, name), h('dd', {}, value ?? '—')];
}

function attemptRows(a: Attempt): HTMLTableRowElement[] {
  const main = h(
    'tr',
    { dataset: { attempt: String(a.attempt_number), trigger: a.trigger } },
    h('td', {}, String(a.attempt_number)),
    h('td', { class: 'nowrap', title: new Date(a.attempted_at).toLocaleString() }, formatTime(a.attempted_at)),
    h('td', {}, a.trigger),
    h('td', { class: 'a-code' }, codeBadge(a.status_code)),
    h('td', { class: 'a-duration nowrap' }, `${a.duration_ms} ms`),
  );
  const extra = h(
    'tr',
    { class: 'attempt-extra', dataset: { attemptDetail: String(a.attempt_number) } },
    h(
      'td',
      { colSpan: 5 },
      a.error ? h('div', { class: 'attempt-error' }, a.error) : null,
      a.response_body ? h('pre', { class: 'excerpt a-body' }, a.response_body) : h('div', { class: 'muted small' }, 'No response body'),
    ),
  );
  return [main, extra];
}

/** Shows `n` if it is still the selected notification (an answer may arrive after another click). */
export function renderDetail(n: Notification): void {
  if (n.id !== state.selectedId) return;
  $('#detail-placeholder').hidden = true;
  $('#detail-body').hidden = false;
  $('#detail-body').dataset.notificationId = n.id;
  $('#detail-type').textContent = n.type;
  $('#detail-status').replaceChildren(statusBadge(n.status));
  $('#detail-id').textContent = n.id;
  const resend = $<HTMLButtonElement>('#resend');
  resend.disabled = n.status === 'PENDING' || resend.dataset.busy === 'true' || !canChange();
  resend.title = n.status === 'PENDING' ? 'A PENDING notification is already waiting for its next attempt' : 'One attempt now, outside the schedule';
  $('#detail-facts').replaceChildren(
    ...fact('Webhook', webhookLabel(n.webhook_id)),
    ...fact('Event', n.event_id),
    ...fact('Created', formatTime(n.created)),
    ...(n.status === 'PENDING' ? fact('Next attempt', formatTime(n.next_attempt_at)) : []),
    ...(n.delivered_at ? fact('Delivered', formatTime(n.delivered_at)) : []),
    ...(n.expired_at ? fact('Expired', formatTime(n.expired_at)) : []),
    ...(n.cancelled_at ? fact('Cancelled', formatTime(n.cancelled_at)) : []),
  );
  const attempts = [...n.attempts].sort((a, b) => b.attempt_number - a.attempt_number);
  $('#detail-attempts tbody').replaceChildren(...attempts.flatMap(attemptRows));
  $('#detail-attempts').hidden = attempts.length === 0;
  $('#attempts-empty').hidden = attempts.length > 0;
}

/** Signed out: the placeholder again, no attempt left in the page. */
export function clearDetail(): void {
  $('#detail-attempts tbody').replaceChildren();
  $('#detail-body').hidden = true;
  $('#detail-placeholder').hidden = false;
}
