import { OpenApiBuilder } from './builder.js';
import {
  ATTEMPT_SCHEMA,
  EVENT_BATCH_RESULT_SCHEMA,
  EVENT_SCHEMA,
  NOTIFICATION_PAGE_SCHEMA,
  NOTIFICATION_SCHEMA,
  PING_RESULT_SCHEMA,
  REQUEUED_SCHEMA,
} from './pipeline-components.js';
import {
  API_KEY_LIST_SCHEMA,
  API_KEY_SCHEMA,
  CREATED_WEBHOOK_SCHEMA,
  EVENT_TYPE_SCHEMA,
  SECRET_SCHEMA,
  TEST_FILTER_RESULT_SCHEMA,
  WEBHOOK_SCHEMA,
} from './components.js';

/** A builder holding Hookrelay's info and shared response schemas; routes add their operations. */
export function createOpenApiBuilder(version = '0.1.0'): OpenApiBuilder {
  return new OpenApiBuilder({
    title: 'Hookrelay',
    version,
    description: 'Self-hosted webhook delivery: manage webhook subscriptions, publish events, inspect and replay notifications.',
  })
    .addSchema('Webhook', WEBHOOK_SCHEMA)
    .addSchema('CreatedWebhook', CREATED_WEBHOOK_SCHEMA)
    .addSchema('Secret', SECRET_SCHEMA)
    .addSchema('EventType', EVENT_TYPE_SCHEMA)
    .addSchema('ApiKey', API_KEY_SCHEMA)
    .addSchema('ApiKeyList', API_KEY_LIST_SCHEMA)
    .addSchema('Event', EVENT_SCHEMA)
    .addSchema('EventBatchResult', EVENT_BATCH_RESULT_SCHEMA)
    .addSchema('Attempt', ATTEMPT_SCHEMA)
    .addSchema('Notification', NOTIFICATION_SCHEMA)
    .addSchema('NotificationPage', NOTIFICATION_PAGE_SCHEMA)
    .addSchema('Requeued', REQUEUED_SCHEMA)
    .addSchema('PingResult', PING_RESULT_SCHEMA)
    .addSchema('TestFilterResult', TEST_FILTER_RESULT_SCHEMA);
}
