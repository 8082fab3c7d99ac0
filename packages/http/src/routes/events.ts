/** Publishing events over HTTP. */
import { publishEventSchema, tenantQuery, validate } from '@hookrelay/core';
import { actingTenant, type EventIngestService, type EventInput } from '@hookrelay/services';
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
        'A repeated `idempotency_key` (per tenant) answers 200 with the first event and creates nothing.',
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
        const result = await ingest.ingest(tenant, event);
        const e = result.event;
        res.status(result.duplicate ? 200 : 202).json({
          id: e.id,
          tenant: e.tenantId,
          type: e.type,
          event_time: e.eventTime.toISOString(),
          idempotency_key: e.idempotencyKey,
          ordering_key: e.orderingKey ?? null,
          created: e.createdAt.toISOString(),
          duplicate: result.duplicate,
          notification_ids: result.notificationIds,
        });
      },
    },
  ];
}
