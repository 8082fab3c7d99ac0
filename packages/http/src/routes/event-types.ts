import { createEventTypeSchema, tenantQuery, validate } from '@hookrelay/core';
import { actingTenant, type EventTypeService } from '@hookrelay/services';
import { noteTenant, principalOf } from '../context.js';
import type { RouteDefinition } from '../route-definition.js';
import { requestedTenant } from './tenant-params.js';

const tags = ['Event types'];

export function eventTypeRoutes(eventTypes: EventTypeService): RouteDefinition[] {
  return [
    {
      method: 'get',
      path: '/v1/event-types',
      summary: 'List event types',
      description: "The built-in catalog and the tenant's own types.",
      tags,
      query: tenantQuery,
      responses: {
        200: {
          description: 'The catalog',
          schema: { type: 'object', required: ['event_types'], properties: { event_types: { type: 'array', items: { $ref: '#/components/schemas/EventType' } } } },
        },
      },
      handler: async (req, res) => {
        const tenant = actingTenant(principalOf(res), requestedTenant(req));
        noteTenant(res, tenant);
        res.json({ event_types: await eventTypes.list(tenant) });
      },
    },
    {
      method: 'post',
      path: '/v1/event-types',
      summary: 'Add an event type for the tenant',
      tags,
      body: createEventTypeSchema,
      query: tenantQuery,
      responses: { 201: { description: 'The new type', schema: 'EventType' }, 409: { description: 'A type of that name exists', schema: 'Problem', contentType: 'application/problem+json' } },
      handler: async (req, res) => {
        const { tenant: bodyTenant, ...input } = validate<{ tenant?: string; name: string; description?: string }>(createEventTypeSchema, req.body ?? {});
        const tenant = actingTenant(principalOf(res), requestedTenant(req, bodyTenant));
        noteTenant(res, tenant);
        res.status(201).json(await eventTypes.create(tenant, input));
      },
    },
  ];
}
