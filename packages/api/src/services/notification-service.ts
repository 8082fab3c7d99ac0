/**
 * Reading notifications and acting on them: search, get, resend now, and
 * send the expired ones again; and pinging a webhook. Resend and ping are
 * attempts on the one attempt path (delivery-attempt.ts), made at once.
 */
import { randomUUID } from 'node:crypto';
import { decodePageToken, encodePageToken, NotFoundError, ConflictError, PING_EVENT_TYPE, type Logger, type NotificationStatusName } from '@hookrelay/core';
import {
  NotificationsRepository,
  type DeliveryStore,
  type NotificationFilter,
  type NotificationWithAttempts,
  type Database,
  type PrismaClient,
  type SearchOrder,
} from '@hookrelay/db';
import { isUuid } from './ids.js';
import type { DeliveryAttempts, PingTarget } from '@hookrelay/delivery';
import type { DeliveryQueue } from '@hookrelay/scheduling';

export interface SearchInput {
  notification_id?: string;
  event_id?: string;
  webhook_id?: string;
  status?: NotificationStatusName;
  since?: string;
  until?: string;
  /** by `created`: asc (default) or desc */
  order?: SearchOrder;
  updated_since?: string;
  limit: number;
  page_token?: string;
}

export interface SendExpiredInput {
  webhook_id?: string;
  notification_ids?: string[];
  since?: string;
  until?: string;
}

/** What a ping came to (presenters/notification.ts shapes it for the wire). */
export interface PingOutcome {
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** One page of a search, oldest or newest first. */
export interface NotificationPage {
  notifications: NotificationWithAttempts[];
  nextPageToken: string | null;
}

const toDate = (s?: string) => (s ? new Date(s) : undefined);

/** The webhook fields a ping needs (a webhook as WebhookService.get returns it). */
export interface PingedWebhook {
  id: string;
  tenantId: string;
  url: string;
  metadata: unknown;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  headers: unknown;
  auth: unknown;
  maxInFlight: number | null;
  isEnabled: boolean;
  failingSince: Date | null;
}

export class NotificationService {
  private readonly notifications = new NotificationsRepository();
  private readonly db: PrismaClient;
  /** the reads (search, get) go straight through node-postgres */
  private readonly pool: Database['pool'];

  constructor(
    database: Pick<Database, 'prisma' | 'pool'>,
    private readonly deliveries: DeliveryQueue,
    /** loads what a resend needs */
    private readonly store: DeliveryStore,
    /** the attempt path shared with the worker: resend and ping are sent, recorded, counted and fed to webhook health there */
    private readonly attempts: DeliveryAttempts,
    private readonly logger: Logger,
  ) {
    this.db = database.prisma;
    this.pool = database.pool;
  }

  async search(tenantId: string | null, input: SearchInput): Promise<NotificationPage> {
    const after = decodePageToken(input.page_token);
    const rows = await this.notifications.search(
      this.pool,
      {
        tenantId,
        ids: input.notification_id ? [input.notification_id] : undefined,
        eventId: input.event_id,
        webhookId: input.webhook_id,
        status: input.status,
        since: toDate(input.since),
        until: toDate(input.until),
        updatedSince: toDate(input.updated_since),
      },
      { limit: input.limit + 1, order: input.order, after },
    );
    const page = rows.slice(0, input.limit);
    const last = page[page.length - 1];
    return {
      notifications: page,
      nextPageToken: rows.length > input.limit && last ? encodePageToken({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  async get(tenantId: string | null, id: string): Promise<NotificationWithAttempts> {
    const n = isUuid(id) ? await this.notifications.findById(this.pool, tenantId, id) : null;
    if (!n) throw new NotFoundError(`Notification ${id} not found`);
    return n;
  }

  /** Every matching EXPIRED notification goes back to PENDING with a fresh schedule, each exactly once. */
  async sendExpired(tenantId: string | null, input: SendExpiredInput): Promise<{ requeued: number }> {
    const filter: NotificationFilter = {
      tenantId,
      webhookId: input.webhook_id,
      ids: input.notification_ids,
      since: toDate(input.since),
      until: toDate(input.until),
    };
    const ids = await this.notifications.requeueExpired(this.db, filter, new Date());
    if (ids.length) {
      try {
        await this.deliveries.replace(ids.map((notificationId) => ({ notificationId })));
      } catch (error) {
        this.logger.warn({ err: error, count: ids.length }, 'requeue failed; the reconciler will deliver these notifications');
      }
    }
    this.logger.info({ tenant: tenantId, requeued: ids.length }, 'sendexpired');
    return { requeued: ids.length };
  }

  /** One attempt now, outside the schedule, for a notification that is not waiting for one. */
  async resend(tenantId: string | null, id: string): Promise<NotificationWithAttempts> {
    const n = await this.get(tenantId, id);
    if (n.status === 'PENDING') throw new ConflictError(`Notification ${id} is PENDING: it is already waiting for its next attempt`);
    const ctx = await this.store.load(id);
    if (!ctx || ctx.webhookDeleted) throw new NotFoundError(`The webhook of notification ${id} no longer exists`);
    await this.attempts.run({ trigger: 'resend', ctx });
    return this.get(tenantId, id);
  }

  /** A signed WEBHOOK.PING sent now, whatever the webhook's state; nothing is stored. */
  async ping(webhook: PingedWebhook): Promise<PingOutcome> {
    const messageId = randomUUID();
    const target: PingTarget = {
      ...webhook,
      id: messageId,
      eventId: messageId,
      type: PING_EVENT_TYPE,
      eventTime: new Date(),
      resource: '{}',
      changedFields: null,
      attemptCount: 0,
      webhookId: webhook.id,
      webhookEnabled: webhook.isEnabled,
    };
    const { result } = await this.attempts.run({ trigger: 'ping', ctx: target });
    return {
      success: result.kind === 'delivered',
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error ?? (result.kind === 'delivered' ? null : `HTTP ${result.statusCode}`),
    };
  }
}
