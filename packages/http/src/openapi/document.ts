import { OpenApiBuilder } from './builder.js';
import { API_KEY_SCHEMA, CREATED_WEBHOOK_SCHEMA, EVENT_TYPE_SCHEMA, SECRET_SCHEMA, WEBHOOK_SCHEMA } from './components.js';

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
    .addSchema('ApiKey', API_KEY_SCHEMA);
}
