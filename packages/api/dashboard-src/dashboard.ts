// Hookrelay operator dashboard: the entry module that index.html loads.
// Compiled from packages/api/dashboard-src/ by the workspace build, one
// browser module per source file, no bundler.
//
// Every value shown may come from an untrusted party (webhook receivers
// write response bodies, tenants write metadata and descriptions), so the
// DOM is built with createElement/textContent only (dom.ts), never by
// parsing HTML. The API key lives in sessionStorage (this tab only) and
// travels in the Authorization header, never in a URL. A tenant portal link
// signs in with the token in its fragment (portal.ts).
import { pingWebhook, resend, sendExpired, showWebhook } from './actions.js';
import { messageOf, session, STORE } from './api-client.js';
import { $ } from './dom.js';
import { report, whenUnauthorized } from './feedback.js';
import { refreshStats } from './live-stats.js';
import { loadMore, reloadNotifications } from './notifications-list.js';
import { takeTokenFromFragment } from './portal.js';
import { showSignIn, signIn, signOut, start } from './session.js';
import { createWebhookEditor } from './webhook-editor.js';
import { setWebhookRowActions } from './webhooks-table.js';

function init(): void {
  whenUnauthorized((message) => signOut(message));
  $<HTMLFormElement>('#signin-form').addEventListener('submit', signIn);
  $('#signout').addEventListener('click', () => signOut(undefined, 'signed-out'));
  $('#filter-status').addEventListener('change', () => reloadNotifications({ newFilter: true }));
  $('#filter-webhook').addEventListener('change', () => reloadNotifications({ newFilter: true }));
  $('#refresh').addEventListener('click', () => Promise.all([refreshStats().catch((e: unknown) => report(e, 'Stats')), reloadNotifications()]));
  $('#sendexpired').addEventListener('click', () => sendExpired($<HTMLSelectElement>('#filter-webhook').value || undefined));
  $('#load-more').addEventListener('click', loadMore);
  $('#resend').addEventListener('click', resend);
  const editor = createWebhookEditor();
  setWebhookRowActions({ ping: pingWebhook, sendExpired, show: showWebhook, editorButtons: editor.buttons });

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
  start().catch((error: unknown) => signOut(`Signed out: ${messageOf(error)}`));
}

init();
