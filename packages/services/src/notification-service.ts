/**
 * Reading notifications and acting on them: search, get, resend now, and
 * send the expired ones again.
 */
import { randomUUID } from 'node:crypto';
import {
  decodePageToken,
  encodePageToken,
  NotFoundError,
  ConflictError,
  PING_EVENT_TYPE,
  SecretBox,
  type Logger,
  type NotificationStatusName,
} from '@hookrelay/core';
import { attemptRecord, NotificationsRepository, type NotificationFilter, type NotificationWithAttempts, type PrismaClient, type SearchOrder } from '@hookrelay/db';
import { isUuid } from './ids.js';
import { createEndpointRequests, signedCallback, type Deliverer, type DeliveryResult, type EndpointRequests } from '@hookrelay/delivery';
import type { DeliveryQueue } from './delivery-queue.js';
import { traceAttempt } from './delivery-tracing.js';
import type { FairScheduler } from './fair-scheduler.js';
import { notificationView, type NotificationView } from './notification-view.js';

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

export interface PingResult {
  success: boolean;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

const toDate = (s?: string) => (s ? new Date(s) : undefined);

export class NotificationService {
  private readonly notifications = new NotificationsRepository();

  constructor(
    private readonly db: PrismaClient,
    private readonly deliveries: DeliveryQueue,
    private readonly deliverer: Deliverer,
    private readonly logger: Logger,
    /** decrypts stored signing secrets (resend); without one only plain secrets can be used */
    private readonly secrets: SecretBox = new SecretBox(undefined),
    /** the webhook's extra headers and credentials, sent with resend and ping as with every delivery */
    private readonly endpoints: EndpointRequests = createEndpointRequests(secrets, { timeoutMs: 15_000, allowPrivateDestinations: false }),
    /** counts ping and resend in the webhook's in-flight cap (never holds them back) */
    private readonly fair?: FairScheduler,
  ) {}

  /** `send` with a forced lease in the webhook's gate: counted while in flight, never held back. */
  private async counted<T>(webhook: { id: string; maxInFlight?: number | null }, send: () => Promise<T>): Promise<T> {
    const lease = await this.fair?.forced(webhook.id, webhook.maxInFlight ?? null, `now:${randomUUID()}`).catch(() => null);
    try {
      return await send();
    } finally {
      if (lease) void this.fair?.release(lease);
    }
  }

  async search(tenantId: string | null, input: SearchInput): Promise<{ notifications: NotificationView[]; next_page_token: string | null }> {
    const after = decodePageToken(input.page_token);
    const rows = await this.notifications.search(
      this.db,
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
      notifications: page.map(notificationView),
      next_page_token: rows.length > input.limit && last ? encodePageToken({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  async get(tenantId: string | null, id: string): Promise<NotificationView> {
    return notificationView(await this.find(tenantId, id));
  }

  private async find(tenantId: string | null, id: string): Promise<NotificationWithAttempts> {
    const n = isUuid(id) ? await this.notifications.findById(this.db, tenantId, id) : null;
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
  async resend(tenantId: string | null, id: string): Promise<NotificationView> {
    const n = await this.find(tenantId, id);
    if (n.status === 'PENDING') throw new ConflictError(`Notification ${id} is PENDING: it is already waiting for its next attempt`);
    const ctx = await this.notifications.loadDeliveryContext(this.db, id);
    if (!ctx || ctx.webhookDeleted) throw new NotFoundError(`The webhook of notification ${id} no longer exists`);
    const now = new Date();
    const callback = signedCallback({ ...this.secrets.reveal(ctx), notificationId: ctx.id }, now);
    // traced (when on): an attempt span (a trace of its own: the event's trace context is not kept in Postgres)
    const result = await this.counted({ id: ctx.webhookId, maxInFlight: ctx.maxInFlight }, () =>
      traceAttempt(ctx, 'resend', undefined, callback.headers, () => this.endpoints.deliver(this.deliverer, ctx, { url: ctx.url, ...callback })),
    );
    await this.notifications.recordResend(
      this.db,
      attemptRecord(ctx, result, now, 'resend'),
      result.kind === 'delivered',
    );
    this.logger.info({ tenant: tenantId, notification_id: id, status_code: result.statusCode, duration_ms: result.durationMs }, 'resend attempt');
    return this.get(tenantId, id);
  }

  /** A signed WEBHOOK.PING sent now, whatever the webhook's state; nothing is stored. */
  async ping(webhook: { id: string; tenantId?: string; url: string; metadata: unknown; secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null; headers: unknown; auth: unknown; maxInFlight?: number | null }): Promise<PingResult> {
    const now = new Date();
    const messageId = randomUUID();
    const callback = signedCallback(
      { ...webhook, notificationId: messageId, eventId: messageId, type: PING_EVENT_TYPE, eventTime: now, webhookId: webhook.id, resource: '{}', changedFields: null },
      now,
    );
    const subject = { tenantId: webhook.tenantId ?? null, webhookId: webhook.id, id: messageId, eventId: messageId, attemptCount: 0, url: webhook.url };
    const result: DeliveryResult = await this.counted(webhook, () =>
      traceAttempt(subject, 'ping', undefined, callback.headers, () => this.endpoints.deliver(this.deliverer, { webhookId: webhook.id, headers: webhook.headers, auth: webhook.auth }, { url: webhook.url, ...callback })),
    );
    return {
      success: result.kind === 'delivered',
      status_code: result.statusCode,
      duration_ms: result.durationMs,
      error: result.error ?? (result.kind === 'delivered' ? null : `HTTP ${result.statusCode}`),
    };
  }
}
