// Create, edit and delete webhooks from the dashboard, in one <dialog>.
// Every change button goes through `canChange()`: a read-only portal
// session sees them disabled. DOM built with the dashboard's `h` (no HTML parsing).

const splitEvents = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

/**
 * deps: { h, api, canChange, toast, report, onChanged, webhookOf(id) }
 * Returns { buttons(statsRow), openCreate() }.
 */
export function createWebhookEditor(deps) {
  const dialog = document.querySelector('#webhook-dialog');
  const form = document.querySelector('#webhook-form');
  const fields = {
    url: document.querySelector('#wh-url'),
    events: document.querySelector('#wh-events'),
    description: document.querySelector('#wh-description'),
    enabled: document.querySelector('#wh-enabled'),
  };
  const error = document.querySelector('#webhook-error');
  const secretBox = document.querySelector('#webhook-secret');
  const title = document.querySelector('#webhook-dialog-title');
  const submit = document.querySelector('#webhook-submit');
  const editing = { id: null, mode: 'create' };

  function show(mode, webhook) {
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
    submit.disabled = !deps.canChange();
    dialog.showModal();
  }

  async function save(event) {
    event.preventDefault();
    if (!deps.canChange()) return;
    submit.disabled = true;
    try {
      if (editing.mode === 'delete') {
        await deps.api('DELETE', `/v1/webhooks/${encodeURIComponent(editing.id)}`);
        dialog.close();
        deps.toast('Webhook deleted');
      } else {
        const body = {
          url: fields.url.value.trim(),
          enabled_events: splitEvents(fields.events.value),
          description: fields.description.value,
          is_enabled: fields.enabled.checked,
        };
        if (editing.mode === 'create') {
          const created = await deps.api('POST', '/v1/webhooks', body);
          // the signing secret is shown this once
          title.textContent = 'Webhook created';
          secretBox.replaceChildren(
            deps.h('p', {}, 'Its signing secret, shown only now: keep it to verify deliveries.'),
            deps.h('pre', { class: 'excerpt', dataset: { role: 'secret' } }, created.secret));
          secretBox.hidden = false;
          submit.hidden = true;
        } else {
          await deps.api('PATCH', `/v1/webhooks/${encodeURIComponent(editing.id)}`, body);
          dialog.close();
          deps.toast('Webhook saved');
        }
      }
      await deps.onChanged();
    } catch (err) {
      if (err.status === 401) {
        dialog.close();
        deps.report(err, 'Saving');
        return;
      }
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      submit.disabled = !deps.canChange();
    }
  }

  form.addEventListener('submit', save);
  document.querySelector('#webhook-cancel').addEventListener('click', () => dialog.close());
  document.querySelector('#webhook-new').addEventListener('click', () => show('create'));

  return {
    /** Edit and Delete for one row of the webhooks table. */
    buttons(row) {
      const webhook = () => deps.webhookOf(row.webhook_id) ?? { id: row.webhook_id, url: row.url, is_enabled: row.is_enabled };
      const locked = !deps.canChange();
      return [
        deps.h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'edit', change: 'true' }, disabled: locked, onclick: () => show('edit', webhook()) }, 'Edit'),
        deps.h('button', { type: 'button', class: 'btn btn-sm btn-danger', dataset: { action: 'delete', change: 'true' }, disabled: locked, onclick: () => show('delete', webhook()) }, 'Delete'),
      ];
    },
    /** The toolbar's New webhook button follows the session. */
    refresh() {
      document.querySelector('#webhook-new').disabled = !deps.canChange();
    },
  };
}
