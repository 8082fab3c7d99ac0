import { patternsMatching, type Cursor } from '@hookrelay/core';
import { Prisma, queryRows, type Db, type Queryable, type Webhook } from './client.js';
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

const WEBHOOK_COLUMNS = Prisma.raw(
  `id, tenant_id AS "tenantId", url, enabled_events AS "enabledEvents", is_enabled AS "isEnabled", description, metadata,
   rate_limit AS "rateLimit", max_in_flight AS "maxInFlight", ordered, disabled_reason AS "disabledReason", secret,
   previous_secret AS "previousSecret", previous_secret_expires_at AS "previousSecretExpiresAt", headers, auth,
   failing_since AS "failingSince", filter, created_at AS "createdAt", updated_at AS "updatedAt", deleted_at AS "deletedAt"`,
);

/**
 * A tenant's live webhooks, a keyset page over (created_at, id) on the
 * (tenant_id, created_at, id) index; at most `limit` rows. One statement
 * over node-postgres (queryRows), as the API's other hot reads.
 */
export function listWebhooks(db: Queryable, query: WebhookListQuery): Promise<Webhook[]> {
  const conditions = [Prisma.sql`tenant_id = ${query.tenantId}`, Prisma.sql`deleted_at IS NULL`];
  if (query.isEnabled !== undefined) conditions.push(Prisma.sql`is_enabled = ${query.isEnabled}`);
  // its exact name, `*` or a `PREFIX.*` of it: an array overlap
  if (query.eventType !== undefined) conditions.push(Prisma.sql`enabled_events && ${patternsMatching(query.eventType)}::text[]`);
  if (query.after) conditions.push(Prisma.sql`(created_at, id) > (${query.after.createdAt}::timestamptz, ${query.after.id}::uuid)`);
  return queryRows<Webhook>(
    db,
    Prisma.sql`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY created_at, id LIMIT ${query.limit}::int`,
  );
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
