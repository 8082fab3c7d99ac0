/**
 * Turns an event into notifications. Save first, enqueue second: the event
 * and one notification per matching enabled webhook are written by one
 * statement (FanOutStore, batched with concurrent publishes), then one
 * delivery job per notification is enqueued. When Redis is down the enqueue
 * fails but nothing is lost: the reconciler finds the PENDING rows.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError, type Logger } from '@hookrelay/core';
import { EventsRepository, NotificationsRepository, type Event, type FanOutStore, type PrismaClient } from '@hookrelay/db';
import type { DeliveryQueue } from './delivery-queue.js';
import type { EventCatalog } from './event-catalog.js';

export interface EventInput {
  type: string;
  resource: unknown;
  changed_fields?: unknown;
  event_time?: string;
  idempotency_key?: string;
}

export interface IngestResult {
  event: Event;
  notificationIds: string[];
  /** true when the idempotency key (or event id) was seen before: nothing new was created */
  duplicate: boolean;
}

/** Objects are stored as their JSON text; strings are JSON already (validated). */
function asJsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export class EventIngestService {
  private readonly events = new EventsRepository();
  private readonly notifications = new NotificationsRepository();

  constructor(
    private readonly db: PrismaClient,
    private readonly store: FanOutStore,
    private readonly catalog: EventCatalog,
    private readonly deliveries: DeliveryQueue,
    private readonly logger: Logger,
  ) {}

  /**
   * `eventId` is given by producers publishing through Redis; a redelivered
   * job then finds its event. A repeat (same id or idempotency key) is
   * detected by the insert itself, so a new event costs no lookup first.
   */
  async ingest(tenantId: string, input: EventInput, eventId?: string): Promise<IngestResult> {
    const id = eventId ?? randomUUID();
    if (!(await this.catalog.isKnown(tenantId, input.type))) {
      throw new ValidationError(`Unknown event type "${input.type}"`, [{ field: 'type', message: `"type" ${input.type} is not a known event type` }]);
    }
    const saved = await this.store.fanOut({
      id,
      tenantId,
      type: input.type,
      resource: asJsonText(input.resource),
      changedFields: asJsonText(input.changed_fields),
      eventTime: input.event_time ? new Date(input.event_time) : new Date(),
      idempotencyKey: input.idempotency_key ?? null,
    });
    if (!saved) {
      // a concurrent publish with the same key (or a redelivered job) won the race: answer with its event
      const winner = await this.findExisting(tenantId, id, input.idempotency_key);
      if (winner) return winner;
      throw new ConflictError(`Event id ${id} is already used`);
    }

    try {
      await this.deliveries.enqueue(saved.notificationIds.map((notificationId) => ({ notificationId })));
    } catch (error) {
      this.logger.warn({ err: error, event_id: id }, 'enqueue failed; the reconciler will deliver these notifications');
    }
    return { ...saved, duplicate: false };
  }

  private async findExisting(tenantId: string, id: string, idempotencyKey: string | undefined): Promise<IngestResult | null> {
    const event =
      (idempotencyKey ? await this.events.findByIdempotencyKey(this.db, tenantId, idempotencyKey) : null) ??
      (await this.events.findById(this.db, id));
    if (!event || event.tenantId !== tenantId) return null;
    return { event, notificationIds: await this.notifications.idsForEvent(this.db, event.id), duplicate: true };
  }
}
