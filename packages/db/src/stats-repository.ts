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

/** attempt_rollups' bucket: 15 minutes, as the trigger's to_timestamp(floor(epoch / 900) * 900) */
const BUCKET_MS = 900_000;

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
   * latest of them, from attempt_rollups and webhook_last_attempts, which a
   * statement trigger on attempts keeps (migration 20261207000600): a few
   * rows per webhook and 15-minute bucket whatever the traffic, instead of
   * every attempt of the window. The window starts at the bucket holding
   * `since` (up to 15 minutes more). The sums run over float8, exact for
   * integers below 2^53: a bigint sum accumulates in numeric, which made the
   * aggregate of a day's buckets (100 webhooks x 96 buckets x shards) about
   * 1.3-1.5 times slower (scale bench, 10 M notifications).
   */
  async webhookHealth(tenantId: string, since: Date): Promise<WebhookHealthRow[]> {
    // the bucket holding `since`, computed here: as an SQL expression of a parameter it is not folded into a
    // constant, and a plan that filters instead of scanning the index evaluated it (numeric) for every row
    const from = new Date(Math.floor(since.getTime() / BUCKET_MS) * BUCKET_MS);
    return this.db.$queryRaw<WebhookHealthRow[]>`
      WITH totals AS (
        SELECT webhook_id, sum(attempts::float8)::int AS attempts, sum(succeeded::float8)::int AS succeeded,
               round(sum(duration_ms_sum::float8)::numeric / nullif(sum(attempts::float8), 0)::numeric)::int AS avg_duration_ms
        FROM attempt_rollups
        WHERE tenant_id = ${tenantId} AND bucket >= ${from}::timestamptz
        GROUP BY webhook_id
      )
      SELECT w.id::text AS "webhookId", w.url, w.is_enabled AS "isEnabled", w.disabled_reason AS "disabledReason",
             coalesce(t.attempts, 0) AS attempts, coalesce(t.succeeded, 0) AS succeeded,
             t.avg_duration_ms AS "avgDurationMs", l.attempted_at AS "lastAttemptAt",
             l.status_code AS "lastStatusCode", l.error AS "lastError"
      FROM webhooks w
      LEFT JOIN totals t ON t.webhook_id = w.id
      LEFT JOIN LATERAL (
        SELECT attempted_at, status_code, error FROM webhook_last_attempts
        WHERE webhook_id = w.id AND attempted_at >= ${since}
        ORDER BY attempted_at DESC, attempt_number DESC LIMIT 1
      ) l ON true
      WHERE w.tenant_id = ${tenantId} AND w.deleted_at IS NULL
      ORDER BY w.created_at, w.id`;
  }
}
