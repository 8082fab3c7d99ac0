/**
 * Notifications: one per (event, matching webhook). Fan-out, loading a
 * delivery and recording every attempt (scheduled or resend) live in
 * FanOutStore and DeliveryStore, batched over plain node-postgres; this
 * repository serves the API's reads, cancellation, sendexpired and the
 * reconciler.
 */
import { inSnapshot, Prisma, type Db, type Notification, type Attempt } from './client.js';
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

function filterWhere(filter: NotificationFilter): Prisma.NotificationWhereInput {
  return {
    ...(filter.tenantId !== null ? { tenantId: filter.tenantId } : {}),
    ...(filter.ids ? { id: { in: filter.ids } } : {}),
    ...(filter.eventId ? { eventId: filter.eventId } : {}),
    ...(filter.webhookId ? { webhookId: filter.webhookId } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.since || filter.until ? { createdAt: { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lte: filter.until } : {}) } } : {}),
    ...(filter.updatedSince ? { updatedAt: { gte: filter.updatedSince } } : {}),
  };
}

/** Attempts to read a notification with its attempts outside a transaction before reading it in one (see `consistent`). */
const OPTIMISTIC_READS = 2;

/**
 * A notification with its attempts is two statements (a Prisma `include`):
 * the row, then its attempts. An attempt recorded between them shows in the
 * attempts but not in the row (its `next_attempt_at`, `attempt_count`), and
 * a client polling the notification sees a next attempt due before its last
 * one. Every attempt row comes with `attempt_count + 1` in the same
 * transaction, so such a read has more attempts than `attempt_count`: it is
 * read again, and after OPTIMISTIC_READS in one REPEATABLE READ snapshot,
 * which costs a transaction, and so is kept for the rare case.
 */
async function consistent<T extends NotificationWithAttempts | null>(db: Db, read: (db: Db) => Promise<T[]>): Promise<T[]> {
  for (let i = 0; i < OPTIMISTIC_READS; i++) {
    const rows = await read(db);
    if (rows.every((n) => !n || n.attempts.length <= n.attemptCount)) return rows;
  }
  return inSnapshot(db, read);
}

export class NotificationsRepository {
  async findById(db: Db, tenantId: string | null, id: string): Promise<NotificationWithAttempts | null> {
    const [found] = await consistent(db, async (tx) => [
      await tx.notification.findFirst({
        where: { id, ...(tenantId !== null ? { tenantId } : {}) },
        include: { attempts: { orderBy: { attemptNumber: 'asc' } } },
      }),
    ]);
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
    db: Db,
    filter: NotificationFilter,
    page: { limit: number; order?: SearchOrder; after?: { createdAt: Date; id: string } },
  ): Promise<NotificationWithAttempts[]> {
    const after = page.after;
    const order = page.order ?? 'asc';
    const beyond = order === 'asc' ? 'gt' : 'lt';
    return consistent(db, (tx) =>
      tx.notification.findMany({
        where: {
          AND: [
            filterWhere(filter),
            // the bound on created_at alone is what the index range starts from; the OR settles ties on id
            after
              ? {
                  createdAt: { [order === 'asc' ? 'gte' : 'lte']: after.createdAt },
                  OR: [{ createdAt: { [beyond]: after.createdAt } }, { createdAt: after.createdAt, id: { [beyond]: after.id } }],
                }
              : {},
          ],
        },
        orderBy: [{ createdAt: order }, { id: order }],
        take: page.limit,
        include: { attempts: { orderBy: { attemptNumber: 'asc' } } },
      }),
    );
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
    const conditions: Prisma.Sql[] = [Prisma.raw(fromGuard('sendexpired'))];
    if (filter.tenantId !== null) conditions.push(Prisma.sql`tenant_id = ${filter.tenantId}`);
    if (filter.webhookId) conditions.push(Prisma.sql`webhook_id = ${filter.webhookId}::uuid`);
    if (filter.ids) conditions.push(Prisma.sql`id = ANY(${filter.ids}::uuid[])`);
    if (filter.since) conditions.push(Prisma.sql`created_at >= ${filter.since}`);
    if (filter.until) conditions.push(Prisma.sql`created_at <= ${filter.until}`);
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
