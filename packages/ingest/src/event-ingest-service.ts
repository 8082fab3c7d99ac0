/**
 * Turns an event into notifications. Save first, enqueue second: the event
 * and one notification per matching enabled webhook are written by one
 * statement (FanOutStore, batched with concurrent publishes), then one
 * delivery job per notification is enqueued. When Redis is down the enqueue
 * fails but nothing is lost: the reconciler finds the PENDING rows.
 */
import { ConflictError, currentTraceparent, inSpan, SPAN_ATTRIBUTES, SPANS, tracingEnabled, uuidv7, ValidationError, type Logger } from '@hookrelay/core';
import { EventsRepository, FanOutStore, NotificationsRepository, type Db, type Event, type NewEvent, type PrismaClient } from '@hookrelay/db';
import type { DeliveryQueue } from '@hookrelay/scheduling';
import type { EventCatalog } from './event-catalog.js';
import type { EventSchemaValidator } from './event-schema-validator.js';

export interface EventInput {
  type: string;
  resource: unknown;
  changed_fields?: unknown;
  event_time?: string;
  idempotency_key?: string;
  ordering_key?: string;
}

export interface IngestResult {
  event: Event;
  notificationIds: string[];
  /** each notification's webhook, aligned with notificationIds (when known) */
  webhookIds?: string[];
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
    /** the event types' JSON Schemas (none checked when absent) */
    private readonly schemas?: EventSchemaValidator,
  ) {}

  /**
   * `eventId` is given by producers publishing through Redis; a redelivered
   * job then finds its event. A repeat (same id or idempotency key) is
   * detected by the insert itself, so a new event costs no lookup first.
   */
  ingest(tenantId: string, input: EventInput, eventId?: string): Promise<IngestResult> {
    if (!tracingEnabled()) return this.fanOut(tenantId, input, eventId);
    // the fan-out span is the parent of the event's delivery attempts (their jobs carry its traceparent)
    return inSpan(SPANS.fanOut, { attributes: { [SPAN_ATTRIBUTES.tenant]: tenantId, [SPAN_ATTRIBUTES.eventType]: input.type } }, async (span) => {
      const result = await this.fanOut(tenantId, input, eventId);
      span?.setAttributes({
        [SPAN_ATTRIBUTES.eventId]: result.event.id,
        [SPAN_ATTRIBUTES.notificationCount]: result.notificationIds.length,
        [SPAN_ATTRIBUTES.duplicate]: result.duplicate,
      });
      return result;
    });
  }

  private async fanOut(tenantId: string, input: EventInput, eventId?: string): Promise<IngestResult> {
    const event = await this.newEvent(tenantId, input, eventId);
    const saved = await this.store.fanOut(event);
    if (!saved) return this.existing(this.db, event);
    await this.enqueue(saved.notificationIds, event.id, saved.webhookIds);
    return { ...saved, duplicate: false };
  }

  /**
   * The same inside the caller's transaction (`tx`): the event and its
   * notifications commit or roll back with the caller's own writes. Nothing
   * is enqueued: call `enqueue` once the transaction has committed (or leave
   * it to the reconciler).
   */
  async ingestWithin(tx: Db, tenantId: string, input: EventInput): Promise<IngestResult> {
    const event = await this.newEvent(tenantId, input);
    const saved = await FanOutStore.fanOutWithin(tx, event);
    return saved ? { ...saved, duplicate: false } : this.existing(tx, event);
  }

  /** Hands saved notifications to the workers; when Redis is down the reconciler finds them instead. */
  async enqueue(notificationIds: string[], eventId: string, webhookIds?: string[]): Promise<void> {
    try {
      // while tracing is on, each delivery job carries the active (fan-out) span's context
      const traceparent = currentTraceparent();
      await this.deliveries.enqueue(
        notificationIds.map((notificationId, i) => ({ notificationId, webhookId: webhookIds?.[i], ...(traceparent ? { traceparent } : {}) })),
      );
    } catch (error) {
      this.logger.warn({ err: error, event_id: eventId }, 'enqueue failed; the reconciler will deliver these notifications');
    }
  }

  /** Every per-event check that needs the database (a known type), for single, batch and SDK events alike. */
  async newEvent(tenantId: string, input: EventInput, eventId?: string): Promise<NewEvent> {
    if (!(await this.catalog.isKnown(tenantId, input.type))) {
      throw new ValidationError(`Unknown event type "${input.type}"`, [{ field: 'type', message: `"type" ${input.type} is not a known event type` }]);
    }
    // the event type's schema (SchemaValidationError, a 400 listing the failures); see event-schema-validator.ts
    await this.schemas?.assertValid(tenantId, input.type, input.resource);
    return {
      id: eventId ?? uuidv7(),
      tenantId,
      type: input.type,
      resource: asJsonText(input.resource),
      changedFields: asJsonText(input.changed_fields),
      eventTime: input.event_time ? new Date(input.event_time) : new Date(),
      idempotencyKey: input.idempotency_key ?? null,
      orderingKey: input.ordering_key ?? null,
    };
  }

  /** A concurrent publish with the same key (or a redelivered job) won the race: its event is the answer. */
  async existing(db: Db, event: NewEvent): Promise<IngestResult> {
    const found =
      (event.idempotencyKey ? await this.events.findByIdempotencyKey(db, event.tenantId, event.idempotencyKey) : null) ??
      (await this.events.findById(db, event.id));
    if (!found || found.tenantId !== event.tenantId) throw new ConflictError(`Event id ${event.id} is already used`);
    return { event: found, notificationIds: await this.notifications.idsForEvent(db, found.id), duplicate: true };
  }
}
