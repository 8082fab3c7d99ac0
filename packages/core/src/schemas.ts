/**
 * Request schemas (joi), shared by the API, the producer SDK and the OpenAPI
 * document so that the three cannot drift. Body schemas are strict about
 * types (no "true" for true); query schemas convert strings.
 */
import Joi from 'joi';
import { EVENT_TYPE_NAME, EVENT_TYPE_PATTERN } from './event-types.js';
import { MAX_EVENTS_PER_BATCH_JOB } from './jobs.js';
import { authSchema, headersSchema } from './endpoint-schemas.js';
import { webhookFilterSchema } from './filter/filter-schema.js';

import { NOTIFICATION_STATUSES } from './notification-status.js';

export const MAX_METADATA_JSON = 1024;
export const MAX_URL_LENGTH = 1000;

const bool = Joi.boolean().strict();
const uuid = Joi.string().guid({ version: ['uuidv1', 'uuidv2', 'uuidv3', 'uuidv4', 'uuidv5', 'uuidv6', 'uuidv7', 'uuidv8'] });
const timestamp = Joi.string().isoDate();

/*
 * The pattern rules' own messages are set on the rule (`.rule({ message })`),
 * not with `.messages()`: schema-level messages are preferences, which joi
 * merges (and compiles) again on every validation of the field, and these
 * fields are in every published event.
 */
export const tenantId = Joi.string()
  .pattern(/^[A-Za-z0-9_.-]+$/)
  .rule({ message: { 'string.pattern.base': '{{#label}} may contain only letters, digits, "_", "-" and "."' } })
  .min(1)
  .max(64);

export const eventTypeName = Joi.string()
  .max(128)
  .pattern(EVENT_TYPE_NAME)
  .rule({ message: { 'string.pattern.base': '{{#label}} must be dot-separated segments of letters, digits, "_" or "-"' } });

const eventPattern = Joi.string()
  .max(128)
  .pattern(EVENT_TYPE_PATTERN)
  .rule({ message: { 'string.pattern.base': '{{#label}} must be an event type, PREFIX.* or *' } });

const webhookUrl = Joi.string()
  .max(MAX_URL_LENGTH)
  .uri({ scheme: ['http', 'https'] })
  .messages({ 'string.uriCustomScheme': '{{#label}} must be an http or https URL' });

const metadata = Joi.object()
  .unknown(true)
  .custom((value: object, helpers) => {
    if (JSON.stringify(value).length > MAX_METADATA_JSON) {
      return helpers.message({ custom: `{{#label}} must serialize to at most ${MAX_METADATA_JSON} characters of JSON` });
    }
    return value;
  });

const webhookFields = {
  tenant: tenantId,
  url: webhookUrl,
  enabled_events: Joi.array().items(eventPattern.required()).min(1).max(100).unique(),
  is_enabled: bool,
  description: Joi.string().max(1000).allow(''),
  metadata,
  rate_limit: Joi.number()
    .integer()
    .strict()
    .min(1)
    .max(100000)
    .allow(null)
    .description(
      'At most this many deliveries start per second (any 1-s window, across all workers); the rest wait, without using up attempts. null = unlimited.',
    ),
  headers: headersSchema,
  auth: authSchema,
  filter: webhookFilterSchema,
  ordered: bool.description(
    'Notifications sharing an event `ordering_key` are attempted strictly in publish order (the next waits while the previous is PENDING). Default false.',
  ),
  max_in_flight: Joi.number()
    .integer()
    .strict()
    .min(1)
    .max(100)
    .allow(null)
    .description(
      'At most this many deliveries to this webhook are in flight at once, across all workers; the rest wait without holding a worker slot or using up attempts. null = ENDPOINT_MAX_IN_FLIGHT (default 10).',
    ),
};

/** `endpoint` and `events` are the management reference's names for `url` and `enabled_events`. */
function withAliases(schema: Joi.ObjectSchema): Joi.ObjectSchema {
  return schema.rename('endpoint', 'url', { ignoreUndefined: true }).rename('events', 'enabled_events', { ignoreUndefined: true });
}

/** What the API says about `url` (the check itself is in the webhook service: it depends on ALLOW_PRIVATE_DESTINATIONS). */
const DESTINATION_NOTE =
  'Unless ALLOW_PRIVATE_DESTINATIONS=true, a `url` whose host is localhost or a loopback, private, link-local (e.g. cloud metadata ' +
  '169.254.169.254), IPv6 ULA or IPv4-mapped address, in any spelling (2130706433, 0x7f.1, [::ffff:127.0.0.1]), is a 400 naming `url`; ' +
  'host names resolving to such addresses are blocked at delivery (a failed attempt).';

export const createWebhookSchema = withAliases(
  Joi.object({
    ...webhookFields,
    url: webhookFields.url.required(),
    enabled_events: webhookFields.enabled_events.required(),
    is_enabled: webhookFields.is_enabled.required(),
  }).description(DESTINATION_NOTE),
);

export const updateWebhookSchema = withAliases(Joi.object(webhookFields).min(1).description(DESTINATION_NOTE));

export const listWebhooksQuery = Joi.object({
  tenant: tenantId,
  limit: Joi.number().integer().min(1).max(100).default(20),
  page_token: Joi.string().max(512),
  is_enabled: Joi.boolean(),
  event_type: eventTypeName,
});

export const tenantQuery = Joi.object({ tenant: tenantId });

export const listApiKeysQuery = Joi.object({
  tenant: tenantId,
  include_revoked: Joi.boolean().default(false),
});

export const createApiKeySchema = Joi.object({
  tenant: tenantId.required(),
  name: Joi.string().max(200),
});

const eventTypeSchemaField = Joi.object()
  .unknown(true)
  .description(
    "JSON Schema 2020-12 (at most 64 KiB; local `$ref`s only; `format` is an annotation) that every event's `resource` (parsed if a JSON string) must satisfy; events that do not are refused (HTTP 400 listing the failures; SDK jobs rejected).",
  );

export const createEventTypeSchema = Joi.object({
  tenant: tenantId,
  name: eventTypeName.required(),
  description: Joi.string().max(1000).allow(''),
  schema: eventTypeSchemaField,
});

/** `PUT /v1/event-types/{name}`: partial; `schema: null` removes the schema. */
export const updateEventTypeSchema = Joi.object({
  tenant: tenantId,
  description: Joi.string().max(1000).allow('').allow(null),
  schema: eventTypeSchemaField.allow(null),
}).or('description', 'schema');

/** `PUT /v1/event-types/{name}`: the name in the path. */
export const eventTypePathSchema = Joi.object({ name: eventTypeName.required() });

export const listEventTypesQuery = Joi.object({
  tenant: tenantId,
  limit: Joi.number().integer().min(1).max(100).default(20),
  page_token: Joi.string().max(512),
});

/** `resource` and `changed_fields` come as objects or as JSON strings. */
const jsonValue = Joi.alternatives(
  Joi.object().unknown(true),
  Joi.array(),
  Joi.string()
    .max(1024 * 1024)
    .custom((value: string, helpers) => {
      try {
        JSON.parse(value);
        return value;
      } catch {
        return helpers.message({ custom: '{{#label}} must be an object or a JSON string' });
      }
    }),
);

const eventFields = {
  type: eventTypeName.required(),
  resource: jsonValue.required(),
  changed_fields: jsonValue,
  event_time: timestamp,
  idempotency_key: Joi.string().min(1).max(255),
  ordering_key: Joi.string().min(1).max(256).description('On ordered webhooks, notifications sharing this key are attempted strictly in publish order.'),
};

export const publishEventSchema = Joi.object({ tenant: tenantId, ...eventFields });

/** Events in one POST /v1/events:batch. */
export const MAX_EVENTS_PER_BATCH_REQUEST = 500;

/**
 * POST /v1/events:batch as documented: each item is an event as POST
 * /v1/events takes it. The API checks the envelope with
 * publishEventBatchEnvelopeSchema and each item on its own (a bad item is
 * refused alone), so this one only describes the route.
 */
export const publishEventBatchSchema = Joi.object({
  tenant: tenantId.description('the tenant of every event that names none (admin key only; a tenant key acts for its own tenant)'),
  events: Joi.array()
    .items(publishEventSchema)
    .min(1)
    .max(MAX_EVENTS_PER_BATCH_REQUEST)
    .required()
    .description(`1-${MAX_EVENTS_PER_BATCH_REQUEST} events; each is published or refused on its own`),
});

/** The envelope of POST /v1/events:batch, its items left to the per-event checks. */
export const publishEventBatchEnvelopeSchema = Joi.object({
  tenant: tenantId,
  events: Joi.array().min(1).max(MAX_EVENTS_PER_BATCH_REQUEST).required(),
});
/** `POST /v1/webhooks/{id}:test-filter`: an event as for POST /v1/events. */
export const testFilterSchema = Joi.object({ tenant: tenantId, event: Joi.object(eventFields).required() });

/** What the producer SDK accepts: the same event, with the tenant required. */
export const producerEventSchema = Joi.object({ tenant: tenantId.required(), ...eventFields });

/** What the worker accepts from the events queue (the SDK adds `id`, and `traceparent` when the publisher traces). */
export const eventJobSchema = producerEventSchema.keys({ id: uuid.required(), traceparent: Joi.string().max(512).allow(null, '') });

/** The envelope of a batch job; each event in it is then checked against eventJobSchema on its own. */
export const eventBatchJobSchema = Joi.object({
  events: Joi.array().items(Joi.object().unknown(true)).min(1).max(MAX_EVENTS_PER_BATCH_JOB).required(),
});

const timeRange = { since: timestamp, until: timestamp };

export const sendExpiredSchema = Joi.object({
  tenant: tenantId,
  webhook_id: uuid,
  notification_ids: Joi.array().items(uuid.required()).min(1).max(1000),
  ...timeRange,
});

export const searchNotificationsSchema = Joi.object({
  tenant: tenantId,
  notification_id: uuid,
  event_id: uuid,
  webhook_id: uuid,
  status: Joi.string().valid(...NOTIFICATION_STATUSES),
  ...timeRange,
  order: Joi.string()
    .valid('asc', 'desc')
    .default('asc')
    .description('by `created`: oldest first (asc, default) or newest first (desc); keep it, and the filters, the same while following next_page_token'),
  updated_since: timestamp.description(
    'only notifications whose status or attempts changed at or after this instant (their `updated_at`); the order and page key stay by `created`',
  ),
  limit: Joi.number().integer().strict().min(1).max(100).default(20),
  page_token: Joi.string().max(512),
});

export { uuid as uuidSchema };
