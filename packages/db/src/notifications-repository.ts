/**
 * Notifications: one per (event, matching webhook). The worker's hot paths
 * (fan-out, loading a delivery, recording an attempt) live in FanOutStore and
 * DeliveryStore, batched over plain node-postgres; this repository serves
 * the API and the reconciler.
 */
import { Prisma, type Db, type Notification, type Attempt } from './client.js';
import type { AttemptTrigger, NotificationStatus } from './generated/prisma/enums.js';
import { DELIVERY_CONTEXT_SELECT } from './delivery-store.js';
import { enterStatus, fromGuard } from './notification-state.js';

const RESEND_SUCCEEDED = enterStatus({ status: 'SUCCEEDED', at: 'input.at', when: `input.ok AND ${fromGuard('resend')}` });
const CANCEL = enterStatus({ status: 'CANCELLED', at: 'now()' });

export interface DeliveryContext {
  id: string;
  tenantId: string;
  status: NotificationStatus;
  attemptCount: number;
  cycleAttempts: number;
  cycleTrigger: AttemptTrigger;
  nextAttemptAt: Date | null;
  type: string;
  eventId: string;
  eventTime: Date;
  resource: string | null;
  changedFields: string | null;
  webhookId: string;
  url: string;
  metadata: unknown;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  rateLimit: number | null;
  /** null: ENDPOINT_MAX_IN_FLIGHT */
  maxInFlight: number | null;
  /** set on notifications of ordered webhooks whose event had an ordering_key */
  orderingKey: string | null;
  /** publish sequence (bigint as text) */
  orderSeq: string | null;
  webhookEnabled: boolean;
  webhookDeleted: boolean;
  failingSince: Date | null;
  /** the webhook's extra headers as stored (values sealed) */
  headers: unknown;
  /** the webhook's credentials as stored (secret sealed) */
  auth: unknown;
}

export interface AttemptRecord {
  notificationId: string;
  attemptNumber: number;
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
  trigger: AttemptTrigger;
}

/** The record of attempt number `ctx.attemptCount + 1` made at `attemptedAt`, from what the deliverer saw. */
export function attemptRecord(
  ctx: { id: string; attemptCount: number },
  result: { durationMs: number; statusCode: number | null; responseBody: string | null; error: string | null },
  attemptedAt: Date,
  trigger: AttemptTrigger,
): AttemptRecord {
  const { durationMs, statusCode, responseBody, error } = result;
  return { notificationId: ctx.id, attemptNumber: ctx.attemptCount + 1, attemptedAt, durationMs, statusCode, responseBody, error, trigger };
}

/** What the notification becomes after an attempt. */
export type AttemptOutcome =
  | { status: 'SUCCEEDED' }
  | { status: 'PENDING'; nextAttemptAt: Date }
  | { status: 'EXPIRED' }
  /** the endpoint is gone (410): the webhook is disabled and this notification stops */
  | { status: 'CANCELLED' };

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
    ...(filter.since || filter.until
      ? { createdAt: { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lte: filter.until } : {}) } }
      : {}),
    ...(filter.updatedSince ? { updatedAt: { gte: filter.updatedSince } } : {}),
  };
}

export class NotificationsRepository {
  async findById(db: Db, tenantId: string | null, id: string): Promise<NotificationWithAttempts | null> {
    return db.notification.findFirst({
      where: { id, ...(tenantId !== null ? { tenantId } : {}) },
      include: { attempts: { orderBy: { attemptNumber: 'asc' } } },
    });
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
    return db.notification.findMany({
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
    });
  }

  /** Everything one delivery needs, in one query (the worker loads them in batches through DeliveryStore). */
  async loadDeliveryContext(db: Db, id: string): Promise<DeliveryContext | null> {
    const rows = await db.$queryRaw<DeliveryContext[]>`${Prisma.raw(DELIVERY_CONTEXT_SELECT)} WHERE n.id = ${id}::uuid`;
    return rows[0] ?? null;
  }

  /**
   * Records an attempt made outside the schedule (resend) without touching
   * the retry cycle: counted whatever its outcome; a success moves the
   * notification to SUCCEEDED (state machine: resend). The notification row
   * is locked first: one deleted meanwhile (retention) records nothing,
   * instead of failing the attempt's foreign key.
   */
  async recordResend(db: Db, attempt: AttemptRecord, succeeded: boolean): Promise<void> {
    await db.$executeRaw`
      WITH input AS (SELECT ${attempt.attemptedAt}::timestamptz AS at, ${succeeded}::boolean AS ok),
      target AS (
        SELECT id FROM notifications WHERE id = ${attempt.notificationId}::uuid FOR UPDATE
      ),
      a AS (
        INSERT INTO attempts (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, response_body, error, trigger)
        SELECT gen_random_uuid(), target.id, ${attempt.attemptNumber}, ${attempt.attemptedAt},
               ${attempt.durationMs}, ${attempt.statusCode}, ${attempt.responseBody}, ${attempt.error},
               ${attempt.trigger}::"AttemptTrigger"
        FROM target
      )
      UPDATE notifications SET
        ${Prisma.raw(RESEND_SUCCEEDED)},
        attempt_count = attempt_count + 1,
        last_status_code = ${attempt.statusCode}
      FROM input
      WHERE id IN (SELECT id FROM target)`;
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
