import { patternsMatching, type Cursor } from '@hookrelay/core';
import { Prisma, type Db, type Webhook } from './client.js';
import { NotificationsRepository } from './notifications-repository.js';

export interface NewWebhook {
  tenantId: string;
  url: string;
  enabledEvents: string[];
  isEnabled: boolean;
  description: string | null;
  metadata: Prisma.InputJsonObject;
  rateLimit: number | null;
  maxInFlight: number | null;
  ordered: boolean;
  secret: string;
  /** name → sealed value, null for none */
  headers?: Record<string, string> | null;
  /** credentials with their secret field sealed, null for none */
  auth?: Record<string, string> | null;
  /** a validated filter, or Prisma.DbNull for none */
  filter?: Prisma.InputJsonObject | typeof Prisma.DbNull;
}

export interface WebhookChanges {
  url?: string;
  enabledEvents?: string[];
  isEnabled?: boolean;
  description?: string | null;
  metadata?: Prisma.InputJsonObject;
  rateLimit?: number | null;
  filter?: Prisma.InputJsonObject | typeof Prisma.DbNull;
  maxInFlight?: number | null;
  ordered?: boolean;
  disabledReason?: string | null;
  failingSince?: Date | null;
  headers?: Record<string, string> | null;
  auth?: Record<string, string> | null;
}

/** A nullable jsonb column's value for Prisma: SQL NULL is Prisma.DbNull; undefined leaves the column alone. */
function jsonColumn(value: Record<string, string> | null | undefined): Prisma.InputJsonObject | typeof Prisma.DbNull | undefined {
  return value === null ? Prisma.DbNull : value;
}

export interface WebhookListQuery {
  tenantId: string;
  limit: number;
  after?: Cursor;
  isEnabled?: boolean;
  /** keep webhooks that would receive this event type */
  eventType?: string;
}

/** Webhooks whose enabled_events match `type`: its exact name, `*` or a `PREFIX.*` of it (an array overlap). */
function receiving(type: string): Prisma.WebhookWhereInput {
  return { enabledEvents: { hasSome: patternsMatching(type) } };
}

/** Deleted webhooks are soft-deleted (`deleted_at`) and invisible to every query here. */
export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  create(input: NewWebhook): Promise<Webhook> {
    return this.db.webhook.create({ data: { ...input, headers: jsonColumn(input.headers), auth: jsonColumn(input.auth) } });
  }

  /** `tenantId` null looks across tenants (admin). */
  find(id: string, tenantId: string | null): Promise<Webhook | null> {
    return this.db.webhook.findFirst({ where: { id, deletedAt: null, ...(tenantId === null ? {} : { tenantId }) } });
  }

  /** Keyset pagination over (created_at, id); returns at most `limit` rows. */
  list(query: WebhookListQuery): Promise<Webhook[]> {
    const where: Prisma.WebhookWhereInput = { tenantId: query.tenantId, deletedAt: null };
    if (query.isEnabled !== undefined) where.isEnabled = query.isEnabled;
    if (query.eventType !== undefined) Object.assign(where, receiving(query.eventType));
    if (query.after) {
      const { createdAt, id } = query.after;
      // created_at >= the cursor starts the (tenant_id, created_at, id) index range there; the OR settles ties on id
      where.createdAt = { gte: createdAt };
      where.OR = [{ createdAt: { gt: createdAt } }, { createdAt, id: { gt: id } }];
    }
    return this.db.webhook.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: query.limit });
  }

  update(id: string, changes: WebhookChanges): Promise<Webhook> {
    return this.db.webhook.update({ where: { id }, data: { ...changes, headers: jsonColumn(changes.headers), auth: jsonColumn(changes.auth) } });
  }

  rotateSecret(id: string, secret: string, previousSecret: string, previousSecretExpiresAt: Date): Promise<Webhook> {
    return this.db.webhook.update({ where: { id }, data: { secret, previousSecret, previousSecretExpiresAt } });
  }

  /** Starts a failure streak unless one is running. Health bookkeeping: `updated_at` is left alone. */
  async markFailing(id: string, since: Date): Promise<void> {
    await this.db.$executeRaw`UPDATE webhooks SET failing_since = ${since} WHERE id = ${id}::uuid AND failing_since IS NULL`;
  }

  /** Ends a failure streak (a delivery succeeded). */
  async clearFailing(id: string): Promise<void> {
    await this.db.$executeRaw`UPDATE webhooks SET failing_since = NULL WHERE id = ${id}::uuid AND failing_since IS NOT NULL`;
  }

  /** Disables an enabled, live webhook; null when it was not (already disabled, deleted), so one caller wins. */
  async disableIfEnabled(id: string, reason: string): Promise<Webhook | null> {
    const { count } = await this.db.webhook.updateMany({
      where: { id, isEnabled: true, deletedAt: null },
      data: { isEnabled: false, disabledReason: reason },
    });
    return count ? this.db.webhook.findUnique({ where: { id } }) : null;
  }

  async softDelete(id: string): Promise<void> {
    await this.db.webhook.update({ where: { id }, data: { deletedAt: new Date() } });
  }

  /**
   * A deleted or disabled webhook must receive nothing more: its waiting
   * notifications are cancelled in the caller's transaction. Jobs left in
   * Redis find the CANCELLED row when the worker reloads it.
   */
  async cancelPendingNotifications(webhookId: string): Promise<number> {
    return new NotificationsRepository().cancelPending(this.db, { webhookId });
  }
}
