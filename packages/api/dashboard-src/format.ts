// How times, statuses and status codes look on the page.
import { h } from './dom.js';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

/** "12 s ago", "3 min ago", … */
export function ago(iso: string | null | undefined): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function statusBadge(status: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${status}`, dataset: { status } }, status);
}

/** The HTTP status of an attempt, coloured by class; null: no response at all. */
export function codeBadge(code: number | null | undefined): HTMLSpanElement {
  if (code === null || code === undefined) return h('span', { class: 'badge badge-none', title: 'no response' }, 'no response');
  return h('span', { class: `badge badge-${Math.floor(code / 100)}xx` }, String(code));
}

export const shortId = (id: string): string => id.slice(0, 8);
