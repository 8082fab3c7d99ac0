// Tenant portal sign-in for the dashboard (POST /v1/portal-sessions links).
//
// A portal link is `/dashboard#token=hrp_…`: the fragment never reaches a
// server, and this module moves the token into sessionStorage (this tab only)
// and takes it out of the address bar and history at once. A portal session
// sees only its tenant; a read-only one has every change button disabled
// (the API refuses those calls with 403 anyway).
import { api } from './api-client.js';
import type { PortalSession } from './api-types.js';
import { $ } from './dom.js';

const PORTAL_FLAG = 'hookrelay.dashboard.portal';

/**
 * Moves a `#token=` fragment into sessionStorage under `keyName` and removes
 * it from the address bar. Returns true when the page was opened by a link.
 */
export function takeTokenFromFragment(keyName: string, tenantName: string): boolean {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = fragment.get('token');
  if (window.location.hash) history.replaceState(null, '', window.location.pathname + window.location.search);
  if (!token) return false;
  sessionStorage.setItem(keyName, token);
  sessionStorage.setItem(tenantName, '');
  sessionStorage.setItem(PORTAL_FLAG, '1');
  return true;
}

export function isPortalSession(): boolean {
  return sessionStorage.getItem(PORTAL_FLAG) === '1';
}

export function forgetPortalSession(): void {
  sessionStorage.removeItem(PORTAL_FLAG);
}

/** `{tenant, read_only, expires_at}` of the token in use. */
export function loadPortalSession(): Promise<PortalSession> {
  return api<PortalSession>('GET', '/v1/portal-sessions/current');
}

/** Marks the page read-only (CSS and the top bar) and says until when the link works. */
export function applyPortalSession(info: PortalSession): void {
  document.body.classList.add('portal');
  document.body.classList.toggle('read-only', info.read_only);
  const badge = document.querySelector<HTMLElement>('#read-only-badge');
  if (badge) badge.hidden = !info.read_only;
  const note = document.querySelector<HTMLElement>('#portal-note');
  if (note) {
    note.hidden = false;
    note.textContent = `link valid until ${new Date(info.expires_at).toLocaleTimeString()}`;
  }
}

/**
 * The end of a portal session: no key form (the customer has no key), only
 * what happened and who to ask.
 */
export function showPortalEnded(reason: 'signed-out' | 'ended'): void {
  document.body.classList.remove('portal', 'read-only');
  for (const id of ['#app-view', '#session', '#signin-view']) $(id).hidden = true;
  $('#portal-ended-view').hidden = false;
  const signedOut = reason === 'signed-out';
  $('#portal-ended-title').textContent = signedOut ? 'You signed out' : 'This link has expired';
  $('#portal-ended-text').textContent = signedOut
    ? 'Open your link again to come back while it is still valid.'
    : 'This link has expired, ask the service that sent it to you for a new one.';
}
