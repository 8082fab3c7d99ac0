/** Response schemas of the delivery pipeline routes (events, notifications, ping, sendexpired). */
import type { JsonSchema } from './joi-to-json-schema.js';

const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const uuid = { type: 'string', format: 'uuid' };

export const EVENT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'tenant', 'type', 'event_time', 'created', 'notification_ids'],
  properties: {
    id: uuid,
    tenant: { type: 'string' },
    type: { type: 'string' },
    event_time: dateTime,
    idempotency_key: { type: ['string', 'null'] },
    ordering_key: { type: ['string', 'null'], description: 'on ordered webhooks, notifications sharing it are attempted in publish order' },
    created: dateTime,
    duplicate: { type: 'boolean', description: 'true when the idempotency key was seen before' },
    notification_ids: { type: 'array', items: uuid, description: 'one per matching webhook' },
  },
};

export const ATTEMPT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['attempt_number', 'attempted_at', 'duration_ms', 'status_code', 'response_body', 'error', 'trigger'],
  properties: {
    attempt_number: { type: 'integer', minimum: 1 },
    attempted_at: dateTime,
    duration_ms: { type: 'integer' },
    status_code: { type: ['integer', 'null'], description: 'null when no response was received' },
    response_body: { type: ['string', 'null'], description: 'first 4 KiB of the response body' },
    error: { type: ['string', 'null'] },
    trigger: { type: 'string', enum: ['schedule', 'sendexpired', 'resend'] },
  },
};

export const NOTIFICATION_SCHEMA: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'event_id',
    'webhook_id',
    'type',
    'status',
    'attempt_count',
    'next_attempt_at',
    'last_status_code',
    'created',
    'delivered_at',
    'expired_at',
    'attempts',
  ],
  properties: {
    id: { ...uuid, description: 'the notification_id; also the webhook-id header of every delivery' },
    tenant: { type: 'string' },
    event_id: uuid,
    webhook_id: uuid,
    type: { type: 'string' },
    status: { type: 'string', enum: ['PENDING', 'SUCCEEDED', 'EXPIRED', 'CANCELLED'] },
    attempt_count: { type: 'integer' },
    next_attempt_at: nullableDateTime,
    last_status_code: { type: ['integer', 'null'] },
    created: dateTime,
    updated_at: { ...dateTime, description: 'last change of status or attempts (what `updated_since` on :search compares with)' },
    delivered_at: nullableDateTime,
    expired_at: nullableDateTime,
    cancelled_at: nullableDateTime,
    attempts: { type: 'array', items: { $ref: '#/components/schemas/Attempt' } },
  },
};

export const NOTIFICATION_PAGE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['notifications', 'next_page_token'],
  properties: {
    notifications: { type: 'array', items: { $ref: '#/components/schemas/Notification' } },
    next_page_token: { type: ['string', 'null'] },
  },
};

export const REQUEUED_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['requeued'],
  properties: { requeued: { type: 'integer', description: 'EXPIRED notifications moved back to PENDING by this call' } },
};

export const PING_RESULT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['success', 'status_code', 'duration_ms', 'error'],
  properties: {
    success: { type: 'boolean' },
    status_code: { type: ['integer', 'null'] },
    duration_ms: { type: 'integer' },
    error: { type: ['string', 'null'] },
  },
};

export const EVENT_BATCH_RESULT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      description: 'one per event of the request, in request order',
      items: {
        type: 'object',
        required: ['index', 'status'],
        properties: {
          index: { type: 'integer', minimum: 0, description: "the event's position in `events` (0-based)" },
          status: { type: 'integer', description: 'what POST /v1/events would answer for this event: 202, 200 (duplicate), 400, 403 or 413' },
          id: { ...uuid, description: 'the event id (202; for 200 the first event with this idempotency key)' },
          notification_ids: { type: 'array', items: uuid },
          duplicate: { type: 'boolean' },
          error: { $ref: '#/components/schemas/Problem', description: 'why the event was refused (4xx)' },
        },
      },
    },
  },
};
