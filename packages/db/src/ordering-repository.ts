/**
 * Ordered delivery's source of truth: may a notification be attempted now?
 * Only when no earlier notification of the same (webhook, ordering key) is
 * PENDING (partial index notifications_ordering_pending_idx). Redis only
 * parks and promotes; this query decides, on every attempt.
 */
import type { Db } from './client.js';

export interface Predecessor {
  id: string;
  nextAttemptAt: Date | null;
}

export class OrderingRepository {
  /** The closest earlier PENDING notification of the same webhook and key, or null when `id` may go. */
  async pendingPredecessor(db: Db, n: { webhookId: string; orderingKey: string; orderSeq: string }): Promise<Predecessor | null> {
    const rows = await db.$queryRaw<Predecessor[]>`
      SELECT id::text AS id, next_attempt_at AS "nextAttemptAt" FROM notifications
      WHERE webhook_id = ${n.webhookId}::uuid AND ordering_key = ${n.orderingKey} AND status = 'PENDING'
        AND ordering_key IS NOT NULL AND order_seq < ${n.orderSeq}::bigint
      ORDER BY order_seq DESC LIMIT 1`;
    return rows[0] ?? null;
  }

  async isPending(db: Db, id: string): Promise<boolean> {
    const rows = await db.$queryRaw<{ n: number }[]>`SELECT 1 AS n FROM notifications WHERE id = ${id}::uuid AND status = 'PENDING'`;
    return rows.length > 0;
  }
}
