// Toasts, and what a failed call does to the page.
import { ApiError, messageOf } from './api-client.js';
import { $, h } from './dom.js';

export function toast(message: string, bad = false): void {
  const el = h('div', { class: bad ? 'toast bad' : 'toast' }, message);
  $('#toasts').append(el);
  setTimeout(() => el.remove(), 5000);
}

/** Set once by the entry module: signing out lives above every module that reports. */
let onUnauthorized: (message: string) => void = () => {};

export function whenUnauthorized(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

/** A rejected key ends the session; anything else is reported and the page goes on. */
export function report(error: unknown, what: string): void {
  if (error instanceof ApiError && error.status === 401) {
    onUnauthorized(`Signed out: ${error.message}`);
    return;
  }
  toast(`${what}: ${messageOf(error)}`, true);
}
