/** Publishing events over HTTP, one at a time or in batches. */
import { HookrelayError, MAX_EVENTS_PER_BATCH_REQUEST, publishEventBatchEnvelopeSchema, publishEventBatchSchema, publishEventSchema, tenantQuery, validate } from '@hookrelay/core';
import { actingTenant, tracePublish, type EventBatchIngestService, type EventIngestService, type IngestResult } from '@hookrelay/services';
import { noteTenant, principalOf } from '../context.js';
import { problemFor } from '../middleware/problem.js';
import type { RouteDefinition } from '../route-definition.js';
import { checkEvent } from './event-input.js';
import { requestedTenant } from './tenant-params.js';

/** A batch request body may hold up to 500 events of up to MAX_EVENT_BYTES each, within this. */
export const MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024;

export interface EventRouteOptions {
  /** MAX_EVENT_BYTES */
  maxEventBytes: number;
}

function eventView(result: IngestResult) {
  const e = result.event;
  return {
    id: e.id,
    tenant: e.tenantId,
    type: e.type,
    event_time: e.eventTime.toISOString(),
    idempotency_key: e.idempotencyKey,
    ordering_key: e.orderingKey ?? null,
    created: e.createdAt.toISOString(),
    duplicate: result.duplicate,
    notification_ids: result.notificationIds,
  };
}

export function eventRoutes(ingest: EventIngestService, batches: EventBatchIngestService, options: EventRouteOptions): RouteDefinition[] {
  return [
    {
      method: 'post',
      path: '/v1/events',
      summary: 'Publish an event',
      description:
        'Saves the event and one notification per enabled webhook whose `enabled_events` match its type, then queues their deliveries. ' +
        'A repeated `idempotency_key` (per tenant) answers 200 with the first event and creates nothing. ' +
        'An event whose JSON is larger than MAX_EVENT_BYTES (default 262144) is refused with 413. ' +
        'With tracing on (docs/tracing.md), a W3C `traceparent` request header makes the event\'s trace a child of the caller\'s span.',
      tags: ['Events'],
      body: publishEventSchema,
      query: tenantQuery,
      responses: {
        202: { description: 'Accepted: notifications created and queued', schema: 'Event' },
        200: { description: 'Already published with this idempotency key: the first event', schema: 'Event' },
        413: { description: 'The event is larger than MAX_EVENT_BYTES (or the body than 1 MiB)', schema: 'Problem', contentType: 'application/problem+json' },
      },
      handler: async (req, res) => {
        const principal = principalOf(res);
        const { tenant, event } = checkEvent(req.body ?? {}, {
          principal,
          tenant: () => requestedTenant(req),
          maxEventBytes: options.maxEventBytes,
          what: 'request body',
        });
        noteTenant(res, tenant);
        // traced (when on): the event's trace starts here, or continues the caller's traceparent
        const result = await tracePublish({ tenant, type: event.type, traceparent: req.headers.traceparent, route: '/v1/events' }, () => ingest.ingest(tenant, event));
        res.status(result.duplicate ? 200 : 202).json(eventView(result));
      },
    },
    {
      method: 'post',
      path: '/v1/events:batch',
      summary: 'Publish a batch of events',
      description:
        `Publishes 1-${MAX_EVENTS_PER_BATCH_REQUEST} events. Each is published or refused on its own, exactly as POST /v1/events would ` +
        'publish or refuse it, and `results` gives one entry per event, in request order (`index` 0-based), whose `status` is the HTTP ' +
        'status that call would give: 202 (new: `id`, `notification_ids`), 200 (`duplicate: true`: a repeated `idempotency_key`, also ' +
        "within the batch, where the later item answers with the first item's `id`), 400/403 (`error`, a problem object naming the field), " +
        '413 (the event is larger than MAX_EVENT_BYTES). An event names its tenant like a single event does; the batch-level `tenant` ' +
        '(or `?tenant=`) applies to the events naming none. The answer comes once all accepted events and their notifications are ' +
        'committed (one statement for the batch). A malformed envelope (not an object, `events` not an array of 1-500, unknown fields) ' +
        'is a 400 and publishes nothing; a body over 8 MiB is a 413.',
      tags: ['Events'],
      body: publishEventBatchSchema,
      bodyLimitBytes: MAX_BATCH_BODY_BYTES,
      query: tenantQuery,
      responses: { 200: { description: 'One result per event, in request order', schema: 'EventBatchResult' } },
      handler: async (req, res) => {
        const principal = principalOf(res);
        const envelope = validateEnvelope(req.body);
        // the tenant of the events that name none; a tenant key naming another for the whole batch is refused whole
        const fallback = envelope.tenant ?? requestedTenant(req);
        noteTenant(res, actingTenant(principal, fallback));
        const tenant = () => fallback;
        const items = envelope.events.map((raw, index) => {
          try {
            return checkEvent(raw, { principal, tenant, maxEventBytes: options.maxEventBytes, what: `event ${index}` });
          } catch (error) {
            if (error instanceof HookrelayError && error.status < 500) return error;
            throw error;
          }
        });
        const outcomes = await batches.ingestBatch(items);
        res.status(200).json({
          results: outcomes.map((outcome, index) => {
            if (outcome.error) {
              const { status, message, errors } = outcome.error;
              return { index, status, error: problemFor(status, message, errors) };
            }
            const { event, notificationIds, duplicate } = outcome.result;
            return { index, status: duplicate ? 200 : 202, id: event.id, notification_ids: notificationIds, duplicate };
          }),
        });
      },
    },
  ];
}

/**
 * The envelope alone, its events left to the per-event checks: the values
 * they hold (a NUL, a 70-level nesting) refuse that event, not the batch.
 */
function validateEnvelope(body: unknown): { tenant?: string; events: unknown[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return validate(publishEventBatchEnvelopeSchema, body ?? {});
  }
  const events = (body as { events?: unknown }).events;
  const shallow = { ...body, events: Array.isArray(events) ? events.map(() => null) : events };
  validate(publishEventBatchEnvelopeSchema, shallow);
  return { tenant: (body as { tenant?: string }).tenant, events: events as unknown[] };
}
