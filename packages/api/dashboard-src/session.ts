// Signing in and out, and the timers of a signed-in session. Every sign-in
// and sign-out bumps `state.generation`: answers and timers of an earlier
// session are dropped when they arrive.
import { api, ApiError, canChange, messageOf, session, STORE } from './api-client.js';
import { clearCounts, setLive } from './counts.js';
import { $ } from './dom.js';
import { report } from './feedback.js';
import { refreshStats } from './live-stats.js';
import { clearDetail } from './notification-detail.js';
import { clearNotifications, pollChanges, reloadNotifications } from './notifications-list.js';
import { clearState, state } from './page-state.js';
import { applyPortalSession, forgetPortalSession, isPortalSession, loadPortalSession, showPortalEnded } from './portal.js';
import { closeWebhookDialog, refreshNewWebhookButton } from './webhook-editor.js';
import { clearWebhooks, loadWebhookList } from './webhooks-table.js';

const STATS_EVERY_MS = 2000;
const NOTIFICATIONS_EVERY_MS = 5000;
const WEBHOOK_LIST_EVERY_MS = 30000;

/** Runs `task` every `ms` after the previous run ends (never two at once), until the session changes. */
function every(ms: number, task: () => Promise<void>): void {
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

/** Shows the page for the key in `session` and starts its refresh timers. */
export async function start(): Promise<void> {
  state.generation += 1;
  if (isPortalSession()) {
    const info = await loadPortalSession();
    session.readOnly = info.read_only;
    applyPortalSession(info);
  }
  $<HTMLButtonElement>('#sendexpired').disabled = !canChange();
  refreshNewWebhookButton();
  await loadWebhookList();
  await refreshStats();
  $('#signin-view').hidden = true;
  $('#app-view').hidden = false;
  $('#session').hidden = false;
  await reloadNotifications();
  every(STATS_EVERY_MS, () =>
    refreshStats().catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) report(error, 'Stats');
      else setLive(false, `offline: ${messageOf(error)}`);
    }),
  );
  every(NOTIFICATIONS_EVERY_MS, async () => {
    // a failed poll (an expired session's 401 included) is reported like a failed load, never left unhandled
    if ($<HTMLInputElement>('#auto-refresh').checked && state.notifications.length <= 100)
      await pollChanges().catch((error: unknown) => report(error, 'Loading notifications'));
  });
  every(WEBHOOK_LIST_EVERY_MS, () => loadWebhookList().catch(() => {}));
}

function stop(): void {
  state.generation += 1;
}

export function showSignIn(message?: string): void {
  $('#app-view').hidden = true;
  $('#session').hidden = true;
  $('#signin-view').hidden = false;
  const error = $('#signin-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  $('#signin-key').focus();
}

/** Forgets the key and every piece of the tenant's data the page shows. */
export function signOut(message?: string, reason: 'signed-out' | 'ended' = 'ended'): void {
  // calls that fail together (an expired portal link's polls) each end here: the first one ends the session.
  // A second one found the portal flag gone already and put the sign-in form under the "link expired" message
  if (!session.key) return;
  stop();
  const portal = isPortalSession();
  forgetPortalSession();
  sessionStorage.removeItem(STORE.key);
  sessionStorage.removeItem(STORE.tenant);
  Object.assign(session, { key: '', tenant: '', readOnly: false });
  closeWebhookDialog();
  clearState();
  clearWebhooks();
  clearNotifications();
  clearDetail();
  $('#sendexpired-result').textContent = '';
  clearCounts();
  if (portal) showPortalEnded(reason);
  else showSignIn(message);
}

export async function signIn(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const key = $<HTMLInputElement>('#signin-key').value.trim();
  const tenant = $<HTMLInputElement>('#signin-tenant').value.trim();
  if (!key) {
    showSignIn('Enter an API key.');
    return;
  }
  const submit = $<HTMLButtonElement>('#signin-submit');
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
    $<HTMLInputElement>('#signin-key').value = '';
    await start();
  } catch (error) {
    stop();
    Object.assign(session, { key: '', tenant: '' });
    showSignIn(`Sign-in failed: ${messageOf(error)}`);
  } finally {
    submit.disabled = false;
  }
}
