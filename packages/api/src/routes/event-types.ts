import { createEventTypeSchema, eventTypePathSchema, listEventTypesQuery, updateEventTypeSchema } from '@hookrelay/core';
import type { EventTypeChanges, EventTypeInput, EventTypeService } from '../services/event-type-service.js';
import { presentEventType } from '../presenters/event-type.js';
import { presentPage } from '../presenters/page.js';
import { route, validated, type RouteDefinition, type Tenanted } from '../route-definition.js';
import { tenantOnlyQuery } from './tenant-query.js';

const tags = ['Event types'];

export function eventTypeRoutes(eventTypes: EventTypeService): RouteDefinition[] {
  return [
    route({
      method: 'get',
      path: '/v1/event-types',
      summary: 'List event types',
      description:
        "The built-in catalog (in catalog order) followed by the tenant's own types (by name), one page at a time like every list: " +
        '`limit` 1-100 (default 20), `page_token` from the previous page, `next_page_token` null on the last page.',
      tags,
      query: validated<Tenanted<{ limit: number; page_token?: string }>>(listEventTypesQuery),
      tenant: 'acting',
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
      handler: async ({ input, tenant }) => {
        const page = await eventTypes.page(tenant, input.query);
        return { body: presentPage('event_types', page.eventTypes, page.nextPageToken, presentEventType) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/event-types',
      summary: 'Add an event type for the tenant',
      description: "With an optional JSON Schema 2020-12 (`schema`) that the events' `resource` must satisfy; an invalid schema is a 400.",
      tags,
      body: validated<Tenanted<EventTypeInput>>(createEventTypeSchema),
      query: tenantOnlyQuery,
      tenant: 'acting',
      responses: {
        201: { description: 'The new type', schema: 'EventType' },
        409: { description: 'A type of that name exists', schema: 'Problem', contentType: 'application/problem+json' },
      },
      handler: async ({ input, tenant }) => ({ status: 201, body: presentEventType(await eventTypes.create(tenant, input.body)) }),
    }),
    route({
      method: 'put',
      path: '/v1/event-types/{name}',
      summary: "Change one of the tenant's own event types",
      description:
        'Partial: `description` and/or `schema` (`null` removes the schema). A new schema applies to events ingested after the change; ' +
        'events already accepted are not checked again. Built-in types cannot be changed (409); an unknown name is a 404.',
      tags,
      params: validated<{ name: string }>(eventTypePathSchema),
      body: validated<Tenanted<EventTypeChanges>>(updateEventTypeSchema),
      query: tenantOnlyQuery,
      tenant: 'acting',
      responses: {
        200: { description: 'The changed type', schema: 'EventType' },
        404: { description: 'The tenant has no type of that name', schema: 'Problem', contentType: 'application/problem+json' },
        409: { description: 'A built-in type', schema: 'Problem', contentType: 'application/problem+json' },
      },
      handler: async ({ input, tenant }) => ({ body: presentEventType(await eventTypes.update(tenant, input.params.name, input.body)) }),
    }),
  ];
}
