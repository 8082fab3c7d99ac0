/** Publishing events over HTTP. */
import { publishEventSchema, tenantQuery, validate } from '@hookrelay/core';
import { actingTenant, tracePublish, type EventIngestService, type EventInput } from '@hookrelay/services';
import { noteTenant, principalOf } from '../context.js';
import type { RouteDefinition } from '../route-definition.js';
import { requestedTenant } from './tenant-params.js';

export function eventRoutes(ingest: EventIngestService): RouteDefinition[] {
  return [
    {
      method: 'post',
      path: '/v1/events',
      summary: 'Publish an event',
      description:
        'Saves the event and one notification per enabled webhook whose `enabled_events` match its type, then queues their deliveries. ' +
        'A repeated `idempotency_key` (per tenant) answers 200 with the first event and creates nothing. ' +
        'With tracing on (docs/tracing.md), a W3C `traceparent` request header makes the event\'s trace a child of the caller\'s span.',
      tags: ['Events'],
      body: publishEventSchema,
      query: tenantQuery,
      responses: {
        202: { description: 'Accepted: notifications created and queued', schema: 'Event' },
        200: { description: 'Already published with this idempotency key: the first event', schema: 'Event' },
      },
      handler: async (req, res) => {
        const { tenant: bodyTenant, ...event } = validate<EventInput & { tenant?: string }>(publishEventSchema, req.body ?? {});
        const tenant = actingTenant(principalOf(res), requestedTenant(req, bodyTenant));
        noteTenant(res, tenant);
        // traced (when on): the event's trace starts here, or continues the caller's traceparent
        const result = await tracePublish({ tenant, type: event.type, traceparent: req.headers.traceparent, route: '/v1/events' }, () => ingest.ingest(tenant, event));
        const e = result.event;
        res.status(result.duplicate ? 200 : 202).json({
          id: e.id,
          tenant: e.tenantId,
          type: e.type,
          event_time: e.eventTime.toISOString(),
          idempotency_key: e.idempotencyKey,
          created: e.createdAt.toISOString(),
          duplicate: result.duplicate,
          notification_ids: result.notificationIds,
        });
      },
    },
  ];
}
