/**
 * Remembers the state of every notification a tail has shown, so that each
 * poll prints only what changed: a new notification, a new status, another
 * attempt or a different last status code. Unchanged ones are not repeated.
 */
import type { Notification } from './notification.js';

export interface Change {
  notification: Notification;
  /** the state shown before, undefined for a notification seen for the first time */
  previous?: string;
}

const stateOf = (n: Notification): string => `${n.status}|${n.attempt_count}|${n.last_status_code ?? ''}`;

export class ChangeTracker {
  private readonly shown = new Map<string, string>();
  /** ids last shown as PENDING (a poll only returns what changed, so the others are remembered) */
  private readonly pendingIds = new Set<string>();

  /** The changes in `batch` (one poll's results, oldest first) since the previous calls. */
  changes(batch: readonly Notification[]): Change[] {
    const changes: Change[] = [];
    for (const notification of batch) {
      const state = stateOf(notification);
      const previous = this.shown.get(notification.id);
      if (previous === state) continue;
      this.shown.set(notification.id, state);
      if (notification.status === 'PENDING') this.pendingIds.add(notification.id);
      else this.pendingIds.delete(notification.id);
      changes.push({ notification, previous });
    }
    return changes;
  }

  /** At least one notification was seen, and none of those seen is PENDING any more. */
  get settled(): boolean {
    return this.shown.size > 0 && this.pendingIds.size === 0;
  }

  get seen(): number {
    return this.shown.size;
  }
}
