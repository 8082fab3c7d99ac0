import { createWebhookSchema, listWebhooksQuery, publishEventSchema, updateWebhookSchema } from '@hookrelay/core';
import { joiToJsonSchema, joiToQueryParameters } from './joi-to-json-schema.js';

test('create-webhook schema: required fields, formats, aliases, closed object', () => {
  const s = joiToJsonSchema(createWebhookSchema) as any;
  expect(s.type).toBe('object');
  expect(s.additionalProperties).toBe(false);
  expect(s.required.sort()).toEqual(['enabled_events', 'is_enabled', 'url']);
  expect(s.properties.url).toEqual({ type: 'string', maxLength: 1000, format: 'uri' });
  expect(s.properties.enabled_events).toMatchObject({
    type: 'array',
    minItems: 1,
    maxItems: 100,
    uniqueItems: true,
    items: { type: 'string', maxLength: 128 },
  });
  expect(s.properties.rate_limit).toMatchObject({ type: ['integer', 'null'], minimum: 1 });
  expect(s.properties.metadata).toMatchObject({ type: 'object', additionalProperties: true });
  expect(s.properties.endpoint.description).toMatch(/Alias of `url`/);
  expect(s.properties.events.type).toBe('array');
});

test('update schema requires at least one property', () => {
  expect(joiToJsonSchema(updateWebhookSchema)).toMatchObject({ minProperties: 1 });
});

test('alternatives become anyOf; dates get date-time', () => {
  const s = joiToJsonSchema(publishEventSchema) as any;
  expect(s.properties.resource.anyOf).toHaveLength(3);
  expect(s.properties.event_time).toMatchObject({ type: 'string', format: 'date-time' });
});

test('query schemas become parameters with defaults', () => {
  const params = joiToQueryParameters(listWebhooksQuery) as any[];
  expect(params.map((p) => p.name)).toEqual(['tenant', 'limit', 'page_token', 'is_enabled', 'event_type']);
  expect(params.find((p) => p.name === 'limit').schema).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
  expect(params.every((p) => p.in === 'query' && p.required === false)).toBe(true);
});
