/** Publishing events over HTTP, one at a time or in batches. */
import { HookrelayError, MAX_EVENTS_PER_BATCH_REQUEST, publishEventBatchSchema, publishEventSchema } from '@hookrelay/core';
import { actingTenant } from '../services/auth.js';
import { tracePublish, type BatchEvent, type EventBatchIngestService, type EventIngestService } from '@hookrelay/ingest';
import { presentBatchResults, presentEvent } from '../presenters/event.js';
import { route, validated, type RouteDefinition } from '../route-definition.js';
import { readBatchEnvelope, readEvent } from './event-input.js';
import { tenantOnlyQuery } from './tenant-query.js';

/** A batch request body may hold up to 500 events of up to MAX_EVENT_BYTES each, within this. */
export const MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024;

export interface EventRouteOptions {
  /** MAX_EVENT_BYTES */
  maxEventBytes: number;
}

export function eventRoutes(ingest: EventIngestService, batches: EventBatchIngestService, options: EventRouteOptions): RouteDefinition[] {
  return [
    route({
      method: 'post',
      path: '/v1/events',
      summary: 'Publish an event',
      description:
        'Saves the event and one notification per enabled webhook whose `enabled_events` match its type, then queues their deliveries. ' +
        'A repeated `idempotency_key` (per tenant) answers 200 with the first event and creates nothing. ' +
        'An event whose JSON is larger than MAX_EVENT_BYTES (default 262144) is refused with 413. ' +
        "With tracing on (docs/tracing.md), a W3C `traceparent` request header makes the event's trace a child of the caller's span.",
      tags: ['Events'],
      body: validated(publishEventSchema, (raw, what) => readEvent(raw, options.maxEventBytes, what)),
      query: tenantOnlyQuery,
      tenant: 'acting',
      responses: {
        202: { description: 'Accepted: notifications created and queued', schema: 'Event' },
        200: { description: 'Already published with this idempotency key: the first event', schema: 'Event' },
        413: { description: 'The event is larger than MAX_EVENT_BYTES (or the body than 1 MiB)', schema: 'Problem', contentType: 'application/problem+json' },
      },
      handler: async ({ input, tenant, req }) => {
        const event = input.body;
        // traced (when on): the event's trace starts here, or continues the caller's traceparent
        const result = await tracePublish({ tenant, type: event.type, traceparent: req.headers.traceparent, route: '/v1/events' }, () =>
          ingest.ingest(tenant, event),
        );
        return { status: result.duplicate ? 200 : 202, body: presentEvent(result) };
      },
    }),
    route({
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
      body: validated(publishEventBatchSchema, readBatchEnvelope),
      bodyLimitBytes: MAX_BATCH_BODY_BYTES,
      query: tenantOnlyQuery,
      // the tenant of the events that name none; a tenant key naming another for the whole batch is refused whole
      tenant: 'acting',
      responses: { 200: { description: 'One result per event, in request order', schema: 'EventBatchResult' } },
      handler: async ({ input, principal, tenant }) => {
        const items = input.body.events.map((raw, index): BatchEvent | HookrelayError => {
          try {
            const { tenant: named, ...event } = readEvent(raw, options.maxEventBytes, `event ${index}`);
            return { tenant: actingTenant(principal, named ?? tenant), event };
          } catch (error) {
            if (error instanceof HookrelayError && error.status < 500) return error;
            throw error;
          }
        });
        return { body: presentBatchResults(await batches.ingestBatch(items)) };
      },
    }),
  ];
}
