/** Response schemas (what the API returns); request schemas come from joi. */
import type { JsonSchema } from './joi-to-json-schema.js';
import { ENDPOINT_AUTH_VIEW, ENDPOINT_HEADERS_VIEW } from './endpoint-components.js';

const nullable = (type: string, extra: JsonSchema = {}): JsonSchema => ({ type: [type, 'null'], ...extra });
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };

export const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 7807 problem details',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

export const WEBHOOK_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'tenant', 'url', 'enabled_events', 'is_enabled', 'creation_time', 'last_updated', 'last_updated_time'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    tenant: { type: 'string' },
    url: { type: 'string', format: 'uri', maxLength: 1000 },
    enabled_events: { type: 'array', items: { type: 'string' } },
    is_enabled: { type: 'boolean' },
    description: nullable('string'),
    metadata: { type: 'object', additionalProperties: true },
    rate_limit: nullable('integer', { description: 'deliveries per second; null = unlimited' }),
    filter: nullable('object', { additionalProperties: true, description: 'payload filter applied at fan-out (see docs/filters-and-schemas.md); null = none' }),
    ordered: { type: 'boolean', description: 'notifications sharing an event ordering_key are attempted strictly in publish order' },
    max_in_flight: nullable('integer', { description: 'deliveries in flight at once, fleet-wide (1-100); null = ENDPOINT_MAX_IN_FLIGHT' }),
    disabled_reason: nullable('string', { description: 'set when Hookrelay disabled the webhook', readOnly: true }),
    headers: ENDPOINT_HEADERS_VIEW,
    auth: ENDPOINT_AUTH_VIEW,
    creation_time: { ...dateTime, readOnly: true },
    last_updated: { ...dateTime, readOnly: true },
    last_updated_time: { ...dateTime, readOnly: true },
  },
};

export const CREATED_WEBHOOK_SCHEMA: JsonSchema = {
  allOf: [
    { $ref: '#/components/schemas/Webhook' },
    { type: 'object', required: ['secret'], properties: { secret: { type: 'string', description: 'signing secret, shown on create only' } } },
  ],
};

export const SECRET_SCHEMA: JsonSchema = { type: 'object', required: ['secret'], properties: { secret: { type: 'string' } } };

export const EVENT_TYPE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'description', 'tenant', 'builtin'],
  properties: {
    name: { type: 'string' },
    description: nullable('string'),
    tenant: nullable('string'),
    builtin: { type: 'boolean' },
    schema: nullable('object', { additionalProperties: true, description: "JSON Schema 2020-12 every event's `resource` must satisfy; null = none" }),
  },
};

export const TEST_FILTER_RESULT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['matches', 'reason'],
  properties: {
    matches: { type: 'boolean', description: "whether the webhook's filter matches the event (enabled_events are not considered)" },
    reason: { type: 'string', description: 'which clause failed, or why it matched' },
  },
};

export const API_KEY_LIST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['api_keys'],
  properties: {
    api_keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'tenant', 'name', 'created_at', 'revoked_at'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          tenant: { type: 'string' },
          name: nullable('string'),
          created_at: dateTime,
          revoked_at: nullable('string', { format: 'date-time' }),
        },
      },
    },
  },
};

export const API_KEY_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'tenant', 'key', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    tenant: { type: 'string' },
    name: nullable('string'),
    key: { type: 'string', description: 'shown once; store it now' },
    created_at: dateTime,
  },
};
