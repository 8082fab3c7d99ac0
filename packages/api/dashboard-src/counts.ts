// The counts of notifications by status, the tenant's name and the live indicator.
import type { TenantStats } from './api-types.js';
import { $ } from './dom.js';

export function renderCounts(stats: TenantStats): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-count]')) {
    el.textContent = String(stats.notifications[el.dataset.count as keyof TenantStats['notifications']] ?? 0);
  }
  $('#session-tenant').textContent = stats.tenant;
  $('#window-note').textContent = `Success rate and last attempt over the last ${Math.round(stats.window_seconds / 3600)} h`;
}

/** Signed out: dashes, not the previous tenant's numbers. */
export function clearCounts(): void {
  for (const el of document.querySelectorAll('[data-count]')) el.textContent = '–';
}

export function setLive(ok: boolean, text: string): void {
  const live = $('#live');
  live.classList.toggle('ok', ok);
  live.classList.toggle('down', !ok);
  $('#live-text').textContent = text;
}
