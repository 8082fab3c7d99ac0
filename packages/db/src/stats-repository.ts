/**
 * Read-only aggregates for the operator dashboard: notification counts by
 * webhook and status, and each webhook's delivery health over a recent window.
 */
import { Prisma, queryRows, type Queryable } from './client.js';
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
  /** attempts made since `from` (the bucket asked for) */
  attempts: number;
  /** of those, answered with a 2xx */
  succeeded: number;
  /** their durations added up */
  durationMsSum: number;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
}

/** Attempts of one webhook added up over some buckets. */
export interface RollupTotals {
  attempts: number;
  succeeded: number;
  durationMsSum: number;
}

/** attempt_rollups' bucket: 15 minutes, as the trigger's to_timestamp(floor(epoch / 900) * 900) */
const BUCKET_MS = 900_000;

/** The start of the rollup bucket holding `at`. */
export const rollupBucket = (at: Date | number): Date => new Date(Math.floor(new Date(at).getTime() / BUCKET_MS) * BUCKET_MS);

/**
 * A bucket that started this long ago (and closed an hour ago) takes no more
 * attempts: an attempt is recorded within DELIVERY_TIMEOUT_MS (at most 5
 * minutes) of its start, unless a database outage postponed it that long.
 * The sweep folds such a bucket's shards, and /v1/stats keeps its sums.
 */
export const ROLLUP_SETTLED_AFTER_MS = 75 * 60_000;

export class StatsRepository {
  /** over node-postgres, prepared by name: the health statement alone took 2-3 ms to plan each time through Prisma */
  constructor(private readonly db: Queryable) {}

  /**
   * One row per (webhook, status) of the tenant, deleted webhooks included
   * (their notifications still count). Read from notification_counters,
   * which statement triggers on notifications keep equal to a count of the
   * rows (migration 20261207000400): a few rows per webhook whatever the
   * history, instead of a scan of every notification.
   */
  async notificationCounts(tenantId: string): Promise<NotificationCountRow[]> {
    return queryRows<NotificationCountRow>(
      this.db,
      Prisma.sql`
      SELECT webhook_id::text AS "webhookId", status::text AS status, sum(count)::int AS count
      FROM notification_counters
      WHERE tenant_id = ${tenantId}
      GROUP BY webhook_id, status
      HAVING sum(count) <> 0`,
    );
  }

  /**
   * Per webhook of the tenant (deleted ones included), its attempt rollups
   * added up over the buckets from `from` to before `until`. /v1/stats reads
   * the settled part of its window with this once per bucket and keeps it.
   */
  async rollupTotals(tenantId: string, from: Date, until: Date): Promise<Map<string, RollupTotals>> {
    const rows = await queryRows<RollupTotals & { webhookId: string }>(
      this.db,
      Prisma.sql`
      SELECT webhook_id::text AS "webhookId", sum(attempts::float8) AS attempts, sum(succeeded::float8) AS succeeded,
             sum(duration_ms_sum::float8) AS "durationMsSum"
      FROM attempt_rollups
      WHERE tenant_id = ${tenantId} AND bucket >= ${from}::timestamptz AND bucket < ${until}::timestamptz
      GROUP BY webhook_id`,
    );
    return new Map(rows.map(({ webhookId, ...totals }) => [webhookId, totals]));
  }

  /**
   * Every live webhook of the tenant with its attempts from the bucket
   * `from` on and its latest attempt since `since`, from attempt_rollups and
   * webhook_last_attempts, which a statement trigger on attempts keeps
   * (migration 20261207000600): a few rows per webhook and 15-minute bucket
   * whatever the traffic, instead of every attempt. The sums run over
   * float8, exact for integers below 2^53: a bigint sum accumulates in
   * numeric, which made the aggregate of a day's buckets (100 webhooks x 96
   * buckets x shards) about 1.3-1.5 times slower (scale bench, 10 M
   * notifications).
   */
  async webhookHealth(tenantId: string, since: Date, from: Date): Promise<WebhookHealthRow[]> {
    // `from` a constant, computed in code: as an SQL expression of a parameter it is not folded, and a plan
    // that filters instead of scanning the index evaluated it (numeric) for every row
    return queryRows<WebhookHealthRow>(
      this.db,
      Prisma.sql`
      WITH totals AS (
        SELECT webhook_id, sum(attempts::float8) AS attempts, sum(succeeded::float8) AS succeeded,
               sum(duration_ms_sum::float8) AS duration_ms_sum
        FROM attempt_rollups
        WHERE tenant_id = ${tenantId} AND bucket >= ${from}::timestamptz
        GROUP BY webhook_id
      )
      SELECT w.id::text AS "webhookId", w.url, w.is_enabled AS "isEnabled", w.disabled_reason AS "disabledReason",
             coalesce(t.attempts, 0) AS attempts, coalesce(t.succeeded, 0) AS succeeded,
             coalesce(t.duration_ms_sum, 0) AS "durationMsSum", l.attempted_at AS "lastAttemptAt",
             l.status_code AS "lastStatusCode", l.error AS "lastError"
      FROM webhooks w
      LEFT JOIN totals t ON t.webhook_id = w.id
      LEFT JOIN LATERAL (
        SELECT attempted_at, status_code, error FROM webhook_last_attempts
        WHERE webhook_id = w.id AND attempted_at >= ${since}
        ORDER BY attempted_at DESC, attempt_number DESC LIMIT 1
      ) l ON true
      WHERE w.tenant_id = ${tenantId} AND w.deleted_at IS NULL
      ORDER BY w.created_at, w.id`,
    );
  }
}
