/** Webhook subscriptions: CRUD and secrets (reference vocabulary accepted: `endpoint`, `events`). */
import type { Request } from 'express';
import { createWebhookSchema, listWebhooksQuery, tenantQuery, testFilterSchema, updateWebhookSchema, validate } from '@hookrelay/core';
import {
  actingTenant,
  lookupTenant,
  type CreateWebhookInput,
  type ListWebhooksInput,
  type TestFilterEvent,
  type UpdateWebhookInput,
  type WebhookService,
} from '@hookrelay/services';
import { noteTenant, principalOf } from '../context.js';
import type { RouteDefinition } from '../route-definition.js';
import { presentWebhook } from '../presenters/webhook.js';
import { requestedTenant } from './tenant-params.js';

const tags = ['Webhooks'];
const webhookResponse = { description: 'The webhook', schema: 'Webhook' };

function idOf(req: Request): string {
  return String(req.params.id);
}

export function webhookRoutes(webhooks: WebhookService): RouteDefinition[] {
  return [
    {
      method: 'post',
      path: '/v1/webhooks',
      summary: 'Create a webhook',
      description: 'The response carries the signing `secret`, this once.',
      tags,
      body: createWebhookSchema,
      query: tenantQuery,
      responses: { 201: { description: 'Created webhook, with its secret', schema: 'CreatedWebhook' } },
      handler: async (req, res) => {
        const { tenant: bodyTenant, ...input } = validate<CreateWebhookInput & { tenant?: string }>(createWebhookSchema, req.body ?? {});
        const tenant = actingTenant(principalOf(res), requestedTenant(req, bodyTenant));
        noteTenant(res, tenant);
        const webhook = await webhooks.create(tenant, input);
        res.status(201).json({ ...presentWebhook(webhook), secret: webhook.secret });
      },
    },
    {
      method: 'get',
      path: '/v1/webhooks',
      summary: 'List webhooks',
      description:
        'Ordered by creation; `event_type` keeps the webhooks that would receive that type, wildcards included. ' +
        "Webhook `filter`s are not applied here: a listed webhook may still skip an event of that type whose payload its filter does not match (try one with `POST /v1/webhooks/{id}:test-filter`).",
      tags,
      query: listWebhooksQuery,
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
      handler: async (req, res) => {
        const { tenant: requested, ...query } = validate<ListWebhooksInput & { tenant?: string }>(listWebhooksQuery, req.query, 'query');
        const tenant = actingTenant(principalOf(res), requested);
        noteTenant(res, tenant);
        const page = await webhooks.list(tenant, query);
        res.json({ webhooks: page.webhooks.map(presentWebhook), next_page_token: page.nextPageToken });
      },
    },
    {
      method: 'get',
      path: '/v1/webhooks/{id}',
      summary: 'Get a webhook',
      tags,
      query: tenantQuery,
      responses: { 200: webhookResponse },
      handler: async (req, res) => {
        const tenant = lookupTenant(principalOf(res), requestedTenant(req));
        noteTenant(res, tenant);
        res.json(presentWebhook(await webhooks.get(tenant, idOf(req))));
      },
    },
    ...(['put', 'patch'] as const).map(
      (method): RouteDefinition => ({
        method,
        path: '/v1/webhooks/{id}',
        summary: `Update a webhook (partial)`,
        description: 'Only the fields given change. `is_enabled: false` cancels pending notifications; `is_enabled: true` clears `disabled_reason`.',
        tags,
        body: updateWebhookSchema,
        query: tenantQuery,
        responses: { 200: webhookResponse },
        handler: async (req, res) => {
          const { tenant: bodyTenant, ...changes } = validate<UpdateWebhookInput & { tenant?: string }>(updateWebhookSchema, req.body ?? {});
          const tenant = lookupTenant(principalOf(res), requestedTenant(req, bodyTenant));
          noteTenant(res, tenant);
          res.json(presentWebhook(await webhooks.update(tenant, idOf(req), changes)));
        },
      }),
    ),
    {
      method: 'delete',
      path: '/v1/webhooks/{id}',
      summary: 'Delete a webhook',
      description: 'Its pending notifications are cancelled.',
      tags,
      query: tenantQuery,
      responses: { 204: { description: 'Deleted' } },
      handler: async (req, res) => {
        const tenant = lookupTenant(principalOf(res), requestedTenant(req));
        noteTenant(res, tenant);
        await webhooks.delete(tenant, idOf(req));
        res.status(204).end();
      },
    },
    {
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
      body: testFilterSchema,
      query: tenantQuery,
      responses: { 200: { description: 'Whether the filter matches, and why', schema: 'TestFilterResult' } },
      handler: async (req, res) => {
        const { tenant: bodyTenant, event } = validate<{ tenant?: string; event: TestFilterEvent }>(testFilterSchema, req.body ?? {});
        const tenant = lookupTenant(principalOf(res), requestedTenant(req, bodyTenant));
        noteTenant(res, tenant);
        res.json(await webhooks.testFilter(tenant, idOf(req), event));
      },
    },
    {
      method: 'get',
      path: '/v1/webhooks/{id}/secret',
      summary: "Get a webhook's signing secret",
      tags,
      query: tenantQuery,
      responses: { 200: { description: 'The current secret', schema: 'Secret' } },
      handler: async (req, res) => {
        const tenant = lookupTenant(principalOf(res), requestedTenant(req));
        noteTenant(res, tenant);
        res.json({ secret: await webhooks.getSecret(tenant, idOf(req)) });
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks/{id}/secret:rotate',
      aliases: ['/v1/webhooks/{id}/secret/rotate'],
      summary: "Rotate a webhook's signing secret",
      description: 'For 24 hours deliveries are signed with both the new and the previous secret.',
      tags,
      query: tenantQuery,
      responses: { 200: { description: 'The new secret', schema: 'Secret' } },
      handler: async (req, res) => {
        const tenant = lookupTenant(principalOf(res), requestedTenant(req));
        noteTenant(res, tenant);
        res.json({ secret: await webhooks.rotateSecret(tenant, idOf(req)) });
      },
    },
  ];
}
