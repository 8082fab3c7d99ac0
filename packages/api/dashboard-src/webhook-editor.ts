// Create, edit and delete webhooks from the dashboard, in one <dialog>.
// Every change button goes through `canChange()`: a read-only portal
// session sees them disabled.
import { api, ApiError, canChange, messageOf } from './api-client.js';
import type { CreatedWebhook, Webhook, WebhookStats } from './api-types.js';
import { $, h } from './dom.js';
import { report, toast } from './feedback.js';
import { refreshStats } from './live-stats.js';
import { state } from './page-state.js';
import { loadWebhookList } from './webhooks-table.js';

type Mode = 'create' | 'edit' | 'delete';
type EditedWebhook = Pick<Webhook, 'id' | 'url' | 'is_enabled'> & Partial<Webhook>;

const splitEvents = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The toolbar's New webhook button follows the session. */
export function refreshNewWebhookButton(): void {
  $<HTMLButtonElement>('#webhook-new').disabled = !canChange();
}

/** Signing out closes the dialog with whatever it shows (a new secret included). */
export function closeWebhookDialog(): void {
  const dialog = $<HTMLDialogElement>('#webhook-dialog');
  if (dialog.open) dialog.close();
}

/** Wires the dialog; returns the Edit and Delete buttons of a webhooks table row. */
export function createWebhookEditor(): { buttons(row: WebhookStats): HTMLButtonElement[] } {
  const dialog = $<HTMLDialogElement>('#webhook-dialog');
  const form = $<HTMLFormElement>('#webhook-form');
  const fields = {
    url: $<HTMLInputElement>('#wh-url'),
    events: $<HTMLInputElement>('#wh-events'),
    description: $<HTMLInputElement>('#wh-description'),
    enabled: $<HTMLInputElement>('#wh-enabled'),
  };
  const error = $('#webhook-error');
  const secretBox = $('#webhook-secret');
  const title = $('#webhook-dialog-title');
  const submit = $<HTMLButtonElement>('#webhook-submit');
  const editing: { id: string | null; mode: Mode } = { id: null, mode: 'create' };
  const path = () => `/v1/webhooks/${encodeURIComponent(editing.id ?? '')}`;

  function show(mode: Mode, webhook?: EditedWebhook): void {
    Object.assign(editing, { id: webhook?.id ?? null, mode });
    error.hidden = true;
    secretBox.hidden = true;
    secretBox.replaceChildren();
    form.classList.toggle('deleting', mode === 'delete');
    for (const input of Object.values(fields)) input.disabled = mode === 'delete';
    fields.url.value = webhook?.url ?? '';
    fields.events.value = (webhook?.enabled_events ?? ['*']).join(', ');
    fields.description.value = webhook?.description ?? '';
    fields.enabled.checked = webhook?.is_enabled ?? true;
    title.textContent = mode === 'create' ? 'New webhook' : mode === 'edit' ? 'Edit webhook' : 'Delete this webhook?';
    submit.textContent = mode === 'delete' ? 'Delete' : 'Save';
    submit.className = mode === 'delete' ? 'btn btn-danger' : 'btn btn-primary';
    submit.hidden = false;
    submit.disabled = !canChange();
    dialog.showModal();
  }

  async function save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (!canChange()) return;
    submit.disabled = true;
    try {
      if (editing.mode === 'delete') {
        await api('DELETE', path());
        dialog.close();
        toast('Webhook deleted');
      } else {
        const body = {
          url: fields.url.value.trim(),
          enabled_events: splitEvents(fields.events.value),
          description: fields.description.value,
          is_enabled: fields.enabled.checked,
        };
        if (editing.mode === 'create') {
          const created = await api<CreatedWebhook>('POST', '/v1/webhooks', body);
          // the signing secret is shown this once
          title.textContent = 'Webhook created';
          secretBox.replaceChildren(
            h('p', {}, 'Its signing secret, shown only now: keep it to verify deliveries.'),
            h('pre', { class: 'excerpt', dataset: { role: 'secret' } }, created.secret),
          );
          secretBox.hidden = false;
          submit.hidden = true;
        } else {
          await api('PATCH', path(), body);
          dialog.close();
          toast('Webhook saved');
        }
      }
      await loadWebhookList();
      await refreshStats();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        dialog.close();
        report(err, 'Saving');
        return;
      }
      error.textContent = messageOf(err);
      error.hidden = false;
    } finally {
      submit.disabled = !canChange();
    }
  }

  form.addEventListener('submit', save);
  $('#webhook-cancel').addEventListener('click', () => dialog.close());
  $('#webhook-new').addEventListener('click', () => show('create'));

  return {
    buttons(row) {
      const webhook = (): EditedWebhook => state.webhooks.get(row.webhook_id) ?? { id: row.webhook_id, url: row.url, is_enabled: row.is_enabled };
      const locked = !canChange();
      return [
        h(
          'button',
          { type: 'button', class: 'btn btn-sm', dataset: { action: 'edit', change: 'true' }, disabled: locked, onclick: () => show('edit', webhook()) },
          'Edit',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-sm btn-danger',
            dataset: { action: 'delete', change: 'true' },
            disabled: locked,
            onclick: () => show('delete', webhook()),
          },
          'Delete',
        ),
      ];
    },
  };
}
