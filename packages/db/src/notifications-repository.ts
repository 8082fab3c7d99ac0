/**
 * Notifications: one per (event, matching webhook). Fan-out, loading a
 * delivery and recording every attempt (scheduled or resend) live in
 * FanOutStore and DeliveryStore, batched over plain node-postgres; this
 * repository serves the API's reads, cancellation, sendexpired and the
 * reconciler.
 */
import { Prisma, queryRows, type Db, type Attempt, type Notification, type Queryable } from './client.js';
import type { NotificationStatus } from './generated/prisma/enums.js';
import { enterStatus, fromGuard } from './notification-state.js';

const CANCEL = enterStatus({ status: 'CANCELLED', at: 'now()' });

export interface NotificationFilter {
  /** null: any tenant (the admin addressing notifications by id) */
  tenantId: string | null;
  ids?: string[];
  eventId?: string;
  webhookId?: string;
  status?: NotificationStatus;
  since?: Date;
  until?: Date;
  /** changed (status or attempts: `updated_at`) at or after this instant */
  updatedSince?: Date;
}

export type SearchOrder = 'asc' | 'desc';

export type NotificationWithAttempts = Notification & { attempts: Attempt[] };

/** The filter as SQL conditions on `notifications` (unqualified columns). */
function filterConditions(filter: NotificationFilter): Prisma.Sql[] {
  const c: Prisma.Sql[] = [];
  if (filter.tenantId !== null) c.push(Prisma.sql`tenant_id = ${filter.tenantId}`);
  if (filter.ids) c.push(Prisma.sql`id = ANY(${filter.ids}::uuid[])`);
  if (filter.eventId) c.push(Prisma.sql`event_id = ${filter.eventId}::uuid`);
  if (filter.webhookId) c.push(Prisma.sql`webhook_id = ${filter.webhookId}::uuid`);
  if (filter.status) c.push(Prisma.sql`status = ${filter.status}::"NotificationStatus"`);
  if (filter.since) c.push(Prisma.sql`created_at >= ${filter.since}`);
  if (filter.until) c.push(Prisma.sql`created_at <= ${filter.until}`);
  if (filter.updatedSince) c.push(Prisma.sql`updated_at >= ${filter.updatedSince}`);
  return c;
}

/**
 * A page of notifications (`page`: a subquery named `n`, in the order it
 * wants) with their attempts, in one statement: one snapshot, so an attempt
 * recorded meanwhile shows in both the attempts and the row's
 * `attempt_count`/`next_attempt_at` or in neither, and one round trip
 * instead of Prisma's two for an `include`. The attempts are aggregated per
 * row after the page's LIMIT, from (notification_id, attempt_number).
 */
const withAttempts = (page: Prisma.Sql, order: Prisma.Sql) => Prisma.sql`
  SELECT n.id, n.tenant_id AS "tenantId", n.event_id AS "eventId", n.webhook_id AS "webhookId", n.type, n.status::text AS status,
    n.attempt_count AS "attemptCount", n.cycle_attempts AS "cycleAttempts", n.cycle_trigger::text AS "cycleTrigger",
    n.ordering_key AS "orderingKey", n.order_seq AS "orderSeq", n.next_attempt_at AS "nextAttemptAt", n.last_status_code AS "lastStatusCode",
    n.created_at AS "createdAt", n.updated_at AS "updatedAt", n.delivered_at AS "deliveredAt", n.expired_at AS "expiredAt", n.cancelled_at AS "cancelledAt",
    (SELECT coalesce(json_agg(json_build_object(
        'id', a.id, 'attemptNumber', a.attempt_number, 'attemptedAt', a.attempted_at, 'durationMs', a.duration_ms,
        'statusCode', a.status_code, 'responseBody', a.response_body, 'error', a.error, 'trigger', a.trigger) ORDER BY a.attempt_number), '[]')
      FROM attempts a WHERE a.notification_id = n.id) AS attempts
  FROM (${page}) n
  ORDER BY ${order}`;

interface AttemptJson extends Omit<Attempt, 'attemptedAt' | 'notificationId'> {
  attemptedAt: string;
}
/** As node-postgres returns it: bigint as a string, the attempts as parsed JSON. */
type NotificationRow = Omit<NotificationWithAttempts, 'attempts' | 'orderSeq'> & { orderSeq: string | null; attempts: AttemptJson[] };

function fromRow(row: NotificationRow): NotificationWithAttempts {
  return {
    ...row,
    orderSeq: row.orderSeq === null ? null : BigInt(row.orderSeq),
    attempts: row.attempts.map((a) => ({ ...a, notificationId: row.id, attemptedAt: new Date(a.attemptedAt) })),
  };
}

export class NotificationsRepository {
  async findById(db: Queryable, tenantId: string | null, id: string): Promise<NotificationWithAttempts | null> {
    const [found] = await this.search(db, { tenantId, ids: [id] }, { limit: 1 });
    return found ?? null;
  }

  async idsForEvent(db: Db, eventId: string): Promise<string[]> {
    const rows = await db.notification.findMany({ where: { eventId }, select: { id: true }, orderBy: { id: 'asc' } });
    return rows.map((r) => r.id);
  }

  /**
   * Keyset page ordered by (created_at, id), ascending or descending; `after`
   * is the last row of the previous page. The key stays (created_at, id) with
   * `updatedSince` too: that filter only narrows the set, and a row updated
   * while a client walks the pages keeps its place (created_at never
   * changes), so a walk neither skips nor repeats a row. Indexes:
   * (tenant_id, created_at, id), (webhook_id, status, created_at, id),
   * (tenant_id, updated_at, id) for a recent `updatedSince`, (event_id).
   */
  async search(
    db: Queryable,
    filter: NotificationFilter,
    page: { limit: number; order?: SearchOrder; after?: { createdAt: Date; id: string } },
  ): Promise<NotificationWithAttempts[]> {
    const desc = page.order === 'desc';
    const conditions = filterConditions(filter);
    // a row comparison: the index range on (…, created_at, id) starts right after the previous page's last row
    if (page.after)
      conditions.push(Prisma.sql`(created_at, id) ${Prisma.raw(desc ? '<' : '>')} (${page.after.createdAt}::timestamptz, ${page.after.id}::uuid)`);
    const order = Prisma.raw(desc ? 'created_at DESC, id DESC' : 'created_at, id');
    const where = conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
    const rows = await queryRows<NotificationRow>(
      db,
      withAttempts(Prisma.sql`SELECT * FROM notifications ${where} ORDER BY ${order} LIMIT ${page.limit}::int`, order),
    );
    return rows.map(fromRow);
  }

  /** PENDING notifications of one notification id or of one webhook become CANCELLED (state machine: cancel). Returns how many. */
  async cancelPending(db: Db, where: { notificationId: string } | { webhookId: string }): Promise<number> {
    const match = 'notificationId' in where ? Prisma.sql`id = ${where.notificationId}::uuid` : Prisma.sql`webhook_id = ${where.webhookId}::uuid`;
    return db.$executeRaw`UPDATE notifications SET ${Prisma.raw(CANCEL)} WHERE ${match} AND ${Prisma.raw(fromGuard('cancel'))}`;
  }

  /**
   * Moves matching EXPIRED notifications back to PENDING with a fresh cycle.
   * A single UPDATE … WHERE status = 'EXPIRED' … RETURNING: two concurrent
   * callers can never both claim the same row.
   */
  async requeueExpired(db: Db, filter: NotificationFilter, now: Date): Promise<string[]> {
    const conditions = [Prisma.raw(fromGuard('sendexpired')), ...filterConditions(filter)];
    const rows = await db.$queryRaw<{ id: string }[]>`
      UPDATE notifications SET ${Prisma.raw(enterStatus({ status: 'PENDING', at: 'now()', next: 'input.now' }))},
        cycle_attempts = 0, cycle_trigger = 'sendexpired'
      FROM (SELECT ${now}::timestamptz AS now) AS input
      WHERE ${Prisma.join(conditions, ' AND ')}
      RETURNING id`;
    return rows.map((r) => r.id);
  }

  /**
   * PENDING notifications due before `dueBefore` and unchanged since
   * `settledBefore`, in id order after `afterId` (for the reconciler).
   */
  async pendingDueBefore(
    db: Db,
    page: { dueBefore: Date; settledBefore: Date; limit: number; afterId?: string },
  ): Promise<{ id: string; webhookId: string; cycleAttempts: number; nextAttemptAt: Date | null }[]> {
    return db.notification.findMany({
      where: {
        status: 'PENDING',
        nextAttemptAt: { lte: page.dueBefore },
        updatedAt: { lte: page.settledBefore },
        ...(page.afterId ? { id: { gt: page.afterId } } : {}),
      },
      select: { id: true, webhookId: true, cycleAttempts: true, nextAttemptAt: true },
      orderBy: { id: 'asc' },
      take: page.limit,
    });
  }
}
