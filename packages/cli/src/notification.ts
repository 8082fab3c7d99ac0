/** Notifications as the API returns them, and how the CLI shows one. */
import { NOTIFICATION_STATUSES } from '@hookrelay/core/light';

export const STATUSES = NOTIFICATION_STATUSES;

export interface Attempt {
  attempt_number: number;
  attempted_at: string;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  trigger: string;
}

export interface Notification {
  id: string;
  tenant?: string;
  event_id: string;
  webhook_id: string;
  type: string;
  status: string;
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  created: string;
  /** last change of status or attempts (absent from APIs older than `updated_since`) */
  updated_at?: string;
  delivered_at: string | null;
  expired_at: string | null;
  cancelled_at?: string | null;
  attempts: Attempt[];
}

export interface NotificationPage {
  notifications: Notification[];
  next_page_token: string | null;
}

/** When the notification last changed: its latest attempt or status change. */
export function lastChange(n: Notification): string {
  const times = [n.created, n.delivered_at, n.expired_at, n.cancelled_at ?? null, ...n.attempts.map((a) => a.attempted_at)];
  return (
    times
      .filter((t): t is string => Boolean(t))
      .sort()
      .at(-1) ?? n.created
  );
}
