import { createEventTypeSchema, eventTypeName, listEventTypesQuery, tenantQuery, updateEventTypeSchema, validate } from '@hookrelay/core';
import { actingTenant, type EventTypeChanges, type EventTypeInput, type EventTypeService } from '@hookrelay/services';
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
      description:
        "The built-in catalog (in catalog order) followed by the tenant's own types (by name), one page at a time like every list: " +
        '`limit` 1-100 (default 20), `page_token` from the previous page, `next_page_token` null on the last page.',
      tags,
      query: listEventTypesQuery,
      responses: {
        200: {
          description: 'A page of the catalog',
          schema: {
            type: 'object',
            required: ['event_types', 'next_page_token'],
            properties: { event_types: { type: 'array', items: { $ref: '#/components/schemas/EventType' } }, next_page_token: { type: ['string', 'null'] } },
          },
        },
      },
      handler: async (req, res) => {
        const { tenant: requested, ...query } = validate<{ tenant?: string; limit: number; page_token?: string }>(listEventTypesQuery, req.query, 'query');
        const tenant = actingTenant(principalOf(res), requested);
        noteTenant(res, tenant);
        const page = await eventTypes.page(tenant, query);
        res.json({ event_types: page.eventTypes, next_page_token: page.nextPageToken });
      },
    },
    {
      method: 'post',
      path: '/v1/event-types',
      summary: 'Add an event type for the tenant',
      description: 'With an optional JSON Schema 2020-12 (`schema`) that the events\' `resource` must satisfy; an invalid schema is a 400.',
      tags,
      body: createEventTypeSchema,
      query: tenantQuery,
      responses: { 201: { description: 'The new type', schema: 'EventType' }, 409: { description: 'A type of that name exists', schema: 'Problem', contentType: 'application/problem+json' } },
      handler: async (req, res) => {
        const { tenant: bodyTenant, ...input } = validate<EventTypeInput & { tenant?: string }>(createEventTypeSchema, req.body ?? {});
        const tenant = actingTenant(principalOf(res), requestedTenant(req, bodyTenant));
        noteTenant(res, tenant);
        res.status(201).json(await eventTypes.create(tenant, input));
      },
    },
    {
      method: 'put',
      path: '/v1/event-types/{name}',
      summary: "Change one of the tenant's own event types",
      description:
        'Partial: `description` and/or `schema` (`null` removes the schema). A new schema applies to events ingested after the change; ' +
        'events already accepted are not checked again. Built-in types cannot be changed (409); an unknown name is a 404.',
      tags,
      body: updateEventTypeSchema,
      query: tenantQuery,
      responses: {
        200: { description: 'The changed type', schema: 'EventType' },
        404: { description: 'The tenant has no type of that name', schema: 'Problem', contentType: 'application/problem+json' },
        409: { description: 'A built-in type', schema: 'Problem', contentType: 'application/problem+json' },
      },
      handler: async (req, res) => {
        const name = validate<string>(eventTypeName.label('name'), String(req.params.name), 'path');
        const { tenant: bodyTenant, ...changes } = validate<EventTypeChanges & { tenant?: string }>(updateEventTypeSchema, req.body ?? {});
        const tenant = actingTenant(principalOf(res), requestedTenant(req, bodyTenant));
        noteTenant(res, tenant);
        res.json(await eventTypes.update(tenant, name, changes));
      },
    },
  ];
}
