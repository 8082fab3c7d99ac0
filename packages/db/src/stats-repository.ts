/**
 * Read-only aggregates for the operator dashboard: notification counts by
 * webhook and status, and each webhook's delivery health over a recent window.
 */
import type { Db } from './client.js';
import type { NotificationStatus } from './generated/prisma/enums.js';

export interface NotificationCountRow {
  webhookId: string;
  status: NotificationStatus;
  count: number;
}

export interface WebhookHealthRow {
  webhookId: string;
  url: string;
  isEnabled: boolean;
  disabledReason: string | null;
  /** attempts made since the window start */
  attempts: number;
  /** of those, answered with a 2xx */
  succeeded: number;
  avgDurationMs: number | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
}

export class StatsRepository {
  constructor(private readonly db: Db) {}

  /**
   * One row per (webhook, status) of the tenant, deleted webhooks included
   * (their notifications still count). Read from notification_counters,
   * which statement triggers on notifications keep equal to a count of the
   * rows (migration 20261207000400): a few rows per webhook whatever the
   * history, instead of a scan of every notification.
   */
  async notificationCounts(tenantId: string): Promise<NotificationCountRow[]> {
    return this.db.$queryRaw<NotificationCountRow[]>`
      SELECT webhook_id::text AS "webhookId", status::text AS status, sum(count)::int AS count
      FROM notification_counters
      WHERE tenant_id = ${tenantId}
      GROUP BY webhook_id, status
      HAVING sum(count) <> 0`;
  }

  /**
   * Every live webhook of the tenant with its attempts since `since` and the
   * latest of them. Recording an attempt always touches its notification's
   * `updated_at`, so notifications untouched since `since` are skipped
   * before their attempts are joined.
   */
  async webhookHealth(tenantId: string, since: Date): Promise<WebhookHealthRow[]> {
    return this.db.$queryRaw<WebhookHealthRow[]>`
      WITH recent AS (
        -- the notifications changed in the window through (tenant_id, updated_at, id), then each one's
        -- attempts through (notification_id, attempt_number) (OFFSET 0 keeps the planner from
        -- turning it back into a join that reads every attempt): never a scan of all attempts
        SELECT n.webhook_id, a.attempted_at, a.attempt_number, a.status_code, a.error, a.duration_ms
        FROM notifications n
        CROSS JOIN LATERAL (
          SELECT attempted_at, attempt_number, status_code, error, duration_ms FROM attempts
          WHERE notification_id = n.id AND attempted_at >= ${since} OFFSET 0
        ) a
        WHERE n.tenant_id = ${tenantId} AND n.updated_at >= ${since}
      ),
      totals AS (
        SELECT webhook_id,
               count(*)::int AS attempts,
               (count(*) FILTER (WHERE status_code BETWEEN 200 AND 299))::int AS succeeded,
               round(avg(duration_ms))::int AS avg_duration_ms
        FROM recent GROUP BY webhook_id
      ),
      latest AS (
        SELECT DISTINCT ON (webhook_id) webhook_id, attempted_at, status_code, error
        FROM recent ORDER BY webhook_id, attempted_at DESC, attempt_number DESC
      )
      SELECT w.id::text AS "webhookId", w.url, w.is_enabled AS "isEnabled", w.disabled_reason AS "disabledReason",
             coalesce(t.attempts, 0) AS attempts, coalesce(t.succeeded, 0) AS succeeded,
             t.avg_duration_ms AS "avgDurationMs", l.attempted_at AS "lastAttemptAt",
             l.status_code AS "lastStatusCode", l.error AS "lastError"
      FROM webhooks w
      LEFT JOIN totals t ON t.webhook_id = w.id
      LEFT JOIN latest l ON l.webhook_id = w.id
      WHERE w.tenant_id = ${tenantId} AND w.deleted_at IS NULL
      ORDER BY w.created_at, w.id`;
  }
}
