/** Webhook subscriptions: CRUD and secrets (reference vocabulary accepted: `endpoint`, `events`). */
import { createWebhookSchema, listWebhooksQuery, testFilterSchema, updateWebhookSchema } from '@hookrelay/core';
import type { CreateWebhookInput, ListWebhooksInput, TestFilterEvent, UpdateWebhookInput, WebhookService } from '../services/webhook-service.js';
import { presentPage } from '../presenters/page.js';
import { presentCreatedWebhook, presentFilterOutcome, presentSecret, presentWebhook } from '../presenters/webhook.js';
import { route, validated, type RouteDefinition, type Tenanted } from '../route-definition.js';
import { tenantOnlyQuery } from './tenant-query.js';

const tags = ['Webhooks'];
const webhookResponse = { description: 'The webhook', schema: 'Webhook' };

export function webhookRoutes(webhooks: WebhookService): RouteDefinition[] {
  return [
    route({
      method: 'post',
      path: '/v1/webhooks',
      summary: 'Create a webhook',
      description: 'The response carries the signing `secret`, this once.',
      tags,
      body: validated<Tenanted<CreateWebhookInput>>(createWebhookSchema),
      query: tenantOnlyQuery,
      tenant: 'acting',
      responses: { 201: { description: 'Created webhook, with its secret', schema: 'CreatedWebhook' } },
      handler: async ({ input, tenant }) => ({ status: 201, body: presentCreatedWebhook(await webhooks.create(tenant, input.body)) }),
    }),
    route({
      method: 'get',
      path: '/v1/webhooks',
      summary: 'List webhooks',
      description:
        'Ordered by creation; `event_type` keeps the webhooks that would receive that type, wildcards included. ' +
        'Webhook `filter`s are not applied here: a listed webhook may still skip an event of that type whose payload its filter does not match (try one with `POST /v1/webhooks/{id}:test-filter`).',
      tags,
      query: validated<Tenanted<ListWebhooksInput>>(listWebhooksQuery),
      tenant: 'acting',
      responses: {
        200: {
          description: 'A page of webhooks',
          schema: {
            type: 'object',
            required: ['webhooks', 'next_page_token'],
            properties: { webhooks: { type: 'array', items: { $ref: '#/components/schemas/Webhook' } }, next_page_token: { type: ['string', 'null'] } },
          },
        },
      },
      handler: async ({ input, tenant }) => {
        const page = await webhooks.list(tenant, input.query);
        return { body: presentPage('webhooks', page.webhooks, page.nextPageToken, presentWebhook) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/{id}',
      summary: 'Get a webhook',
      tags,
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: { 200: webhookResponse },
      handler: async ({ input, tenant }) => ({ body: presentWebhook(await webhooks.get(tenant, input.params.id)) }),
    }),
    ...(['put', 'patch'] as const).map((method) =>
      route({
        method,
        path: '/v1/webhooks/{id}',
        summary: `Update a webhook (partial)`,
        description: 'Only the fields given change. `is_enabled: false` cancels pending notifications; `is_enabled: true` clears `disabled_reason`.',
        tags,
        body: validated<Tenanted<UpdateWebhookInput>>(updateWebhookSchema),
        query: tenantOnlyQuery,
        tenant: 'lookup',
        responses: { 200: webhookResponse },
        handler: async ({ input, tenant }) => ({ body: presentWebhook(await webhooks.update(tenant, input.params.id, input.body)) }),
      }),
    ),
    route({
      method: 'delete',
      path: '/v1/webhooks/{id}',
      summary: 'Delete a webhook',
      description: 'Its pending notifications are cancelled.',
      tags,
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ input, tenant }) => {
        await webhooks.delete(tenant, input.params.id);
        return { status: 204 };
      },
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/{id}:test-filter',
      aliases: ['/v1/webhooks/{id}/test-filter'],
      // evaluates a filter against an event; changes nothing, so a read-only portal session may call it
      readsOnly: true,
      summary: "Test an event against a webhook's filter",
      description:
        'Evaluates the webhook `filter` against `event` (fields as for `POST /v1/events`; nothing is published) and explains the outcome. ' +
        'A webhook without a filter matches every event. `enabled_events` are not considered.',
      tags,
      body: validated<Tenanted<{ event: TestFilterEvent }>>(testFilterSchema),
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: { 200: { description: 'Whether the filter matches, and why', schema: 'TestFilterResult' } },
      handler: async ({ input, tenant }) => ({ body: presentFilterOutcome(await webhooks.testFilter(tenant, input.params.id, input.body.event)) }),
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/{id}/secret',
      summary: "Get a webhook's signing secret",
      tags,
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: { 200: { description: 'The current secret', schema: 'Secret' } },
      handler: async ({ input, tenant }) => ({ body: presentSecret(await webhooks.getSecret(tenant, input.params.id)) }),
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/{id}/secret:rotate',
      aliases: ['/v1/webhooks/{id}/secret/rotate'],
      summary: "Rotate a webhook's signing secret",
      description: 'For 24 hours deliveries are signed with both the new and the previous secret.',
      tags,
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: { 200: { description: 'The new secret', schema: 'Secret' } },
      handler: async ({ input, tenant }) => ({ body: presentSecret(await webhooks.rotateSecret(tenant, input.params.id)) }),
    }),
  ];
}
