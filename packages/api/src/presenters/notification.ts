/** Notifications, their attempts and a ping's outcome as the API shows them (snake_case, RFC 3339). */
import type { Attempt, NotificationWithAttempts } from '@hookrelay/db';
import type { PingOutcome } from '../services/notification-service.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function presentAttempt(a: Attempt) {
  return {
    attempt_number: a.attemptNumber,
    attempted_at: a.attemptedAt.toISOString(),
    duration_ms: a.durationMs,
    status_code: a.statusCode,
    response_body: a.responseBody,
    error: a.error,
    trigger: a.trigger,
  };
}

export function presentNotification(n: NotificationWithAttempts) {
  return {
    id: n.id,
    tenant: n.tenantId,
    event_id: n.eventId,
    webhook_id: n.webhookId,
    type: n.type,
    status: n.status,
    attempt_count: n.attemptCount,
    next_attempt_at: n.status === 'PENDING' ? iso(n.nextAttemptAt) : null,
    last_status_code: n.lastStatusCode,
    created: n.createdAt.toISOString(),
    /** last change of status or attempts (the clock `updated_since` compares with) */
    updated_at: n.updatedAt.toISOString(),
    delivered_at: iso(n.deliveredAt),
    expired_at: iso(n.expiredAt),
    cancelled_at: iso(n.cancelledAt),
    attempts: n.attempts.map(presentAttempt),
  };
}

export type NotificationView = ReturnType<typeof presentNotification>;

export interface PingResult {
  success: boolean;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

export function presentPingOutcome(outcome: PingOutcome): PingResult {
  return { success: outcome.success, status_code: outcome.statusCode, duration_ms: outcome.durationMs, error: outcome.error };
}
