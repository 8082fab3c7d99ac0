/**
 * Retention: deletes events created before a cutoff, with their
 * notifications and attempts, once every notification of the event is final
 * (SUCCEEDED, EXPIRED or CANCELLED). One batch is one statement, so one short
 * transaction: it locks only the rows it deletes (old, final ones that
 * deliveries no longer touch), never a table.
 */
import type pg from 'pg';
import { ROLLUP_SETTLED_AFTER_MS } from './stats-repository.js';

export interface RetentionCursor {
  createdAt: Date;
  id: string;
}

export interface RetentionBatch {
  /** events looked at (old enough); fewer than the limit means the end was reached */
  scanned: number;
  events: number;
  notifications: number;
  attempts: number;
  /** the last event looked at: the next batch starts after it */
  next: RetentionCursor | null;
}

/**
 * Candidates are the next `$4` events older than `$1` after the cursor
 * ($2, $3), on events (created_at, id). Their notifications are locked
 * (FOR UPDATE) and their status read under the lock, so a notification sent
 * back to PENDING concurrently (sendexpired) either commits first and keeps
 * its event, or waits for this statement and then finds nothing. An event
 * with any PENDING notification is kept whole and skipped. Attempts are
 * deleted explicitly (to count them; the ON DELETE CASCADE then finds
 * nothing), then notifications, then events (their foreign key is checked at
 * the end of the statement, when the notifications are gone).
 */
const DELETE_BATCH = `
  WITH cand AS (
    SELECT id, created_at FROM events
    WHERE created_at < $1 AND (created_at, id) > ($2::timestamptz, $3::uuid)
    ORDER BY created_at, id
    LIMIT $4
  ),
  locked AS (
    SELECT n.id, n.event_id, n.status FROM notifications n
    WHERE n.event_id IN (SELECT id FROM cand)
    FOR UPDATE OF n
  ),
  doomed AS (
    SELECT c.id FROM cand c
    WHERE NOT EXISTS (SELECT 1 FROM locked l WHERE l.event_id = c.id AND l.status = 'PENDING')
  ),
  doomed_notifications AS (
    SELECT l.id FROM locked l JOIN doomed d ON d.id = l.event_id
  ),
  da AS (DELETE FROM attempts WHERE notification_id IN (SELECT id FROM doomed_notifications) RETURNING 1),
  dn AS (DELETE FROM notifications WHERE id IN (SELECT id FROM doomed_notifications) RETURNING 1),
  de AS (DELETE FROM events WHERE id IN (SELECT id FROM doomed) RETURNING 1),
  last AS (SELECT created_at, id FROM cand ORDER BY created_at DESC, id DESC LIMIT 1)
  SELECT (SELECT count(*) FROM cand)::int AS scanned,
         (SELECT count(*) FROM de)::int AS events,
         (SELECT count(*) FROM dn)::int AS notifications,
         (SELECT count(*) FROM da)::int AS attempts,
         (SELECT created_at FROM last) AS "lastCreatedAt",
         (SELECT id::text FROM last) AS "lastId"`;

export const RETENTION_START: RetentionCursor = { createdAt: new Date(0), id: '00000000-0000-0000-0000-000000000000' };

/** /v1/stats reads the last 24 hours of attempt rollups; older buckets are kept a day longer, then pruned. */
const ROLLUP_KEEP = "interval '48 hours'";

/**
 * The trigger spreads a bucket over up to 4 shards (one per backend pid % 4)
 * so that concurrent recorders do not queue on one row; /v1/stats sums them,
 * so a day's window reads up to 4 x 96 rows per webhook. Buckets closed for
 * an hour (no attempt lands in them any more) are folded into shard -1 (the
 * backfill's, also summed): one statement, so a reader sees the rows before
 * or after, never both, and the sums are unchanged. Keys in the trigger's
 * order; the trigger only writes current buckets, so the two do not meet.
 */
const COMPACT_ROLLUPS = `
  WITH moved AS (
    DELETE FROM attempt_rollups
    WHERE shard <> -1 AND bucket >= now() - ${ROLLUP_KEEP} AND bucket < now() - interval '${ROLLUP_SETTLED_AFTER_MS / 60_000} minutes'
    RETURNING tenant_id, webhook_id, bucket, attempts, succeeded, duration_ms_sum
  )
  INSERT INTO attempt_rollups AS r (tenant_id, webhook_id, bucket, shard, attempts, succeeded, duration_ms_sum)
  SELECT tenant_id, webhook_id, bucket, -1, sum(attempts), sum(succeeded), sum(duration_ms_sum)
  FROM moved GROUP BY 1, 2, 3 ORDER BY 1, 3, 2
  ON CONFLICT (tenant_id, bucket, webhook_id, shard) DO UPDATE
    SET attempts = r.attempts + EXCLUDED.attempts, succeeded = r.succeeded + EXCLUDED.succeeded,
        duration_ms_sum = r.duration_ms_sum + EXCLUDED.duration_ms_sum`;

export class RetentionStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Drops attempt rollup buckets no /v1/stats window reads any more, then
   * folds the shards of closed buckets into one row each; answers how many
   * rows the drop removed.
   */
  async pruneRollups(): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM attempt_rollups WHERE bucket < now() - ${ROLLUP_KEEP}`);
    await this.pool.query(COMPACT_ROLLUPS);
    return rowCount ?? 0;
  }

  /** One batch of at most `limit` events older than `cutoff`, after `after` in (created_at, id) order. */
  async deleteBatch(cutoff: Date, after: RetentionCursor, limit: number): Promise<RetentionBatch> {
    const { rows } = await this.pool.query<{
      scanned: number;
      events: number;
      notifications: number;
      attempts: number;
      lastCreatedAt: Date | null;
      lastId: string | null;
    }>({ name: 'hookrelay_retention_batch', text: DELETE_BATCH, values: [cutoff, after.createdAt, after.id, limit] });
    const row = rows[0]!;
    return {
      scanned: row.scanned,
      events: row.events,
      notifications: row.notifications,
      attempts: row.attempts,
      next: row.lastCreatedAt && row.lastId ? { createdAt: row.lastCreatedAt, id: row.lastId } : null,
    };
  }
}
