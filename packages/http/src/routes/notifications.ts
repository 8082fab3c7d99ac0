/**
 * Notifications and the actions on them: `:search`, `:sendexpired`, get,
 * `:resend`, and `:ping` of a webhook. The reference's `/webhooks:verb`
 * style is served alongside plain `/webhooks/verb` aliases.
 */
import type { Request, Response } from 'express';
import { searchNotificationsSchema, sendExpiredSchema, tenantQuery, validate } from '@hookrelay/core';
import {
  actingTenant,
  lookupTenant,
  type NotificationService,
  type SearchInput,
  type SendExpiredInput,
  type WebhookService,
} from '@hookrelay/services';
import { noteTenant, principalOf } from '../context.js';
import type { RouteDefinition } from '../route-definition.js';
import { requestedTenant } from './tenant-params.js';

const tags = ['Notifications'];

/**
 * Ids are unique across tenants, so an admin naming no tenant may address
 * notifications by id (or by webhook) in any tenant; without such a filter
 * the admin acts for the default tenant.
 */
function scope(req: Request, res: Response, bodyTenant: string | undefined, byId: boolean): string | null {
  const principal = principalOf(res);
  const requested = requestedTenant(req, bodyTenant);
  const tenant = byId ? lookupTenant(principal, requested) : actingTenant(principal, requested);
  noteTenant(res, tenant);
  return tenant;
}

export function notificationRoutes(notifications: NotificationService, webhooks: WebhookService): RouteDefinition[] {
  return [
    {
      method: 'post',
      path: '/v1/webhooks:search',
      aliases: ['/v1/webhooks/search'],
      readsOnly: true,
      summary: 'Search notifications',
      description:
        'By notification id, event, webhook, status, creation time (`since`/`until`) and last change (`updated_since`: status or attempts changed at or after that instant); ' +
        'each result carries its attempts. Ordered by `created` (`order`: asc, the default, or desc) then id; keyset pages (`page_token`) keep that order, with `updated_since` too. ' +
        'To follow changes, poll with `updated_since` set a few seconds before the greatest `updated_at` seen, and skip what did not change.',
      tags,
      body: searchNotificationsSchema,
      bodyRequired: false,
      query: tenantQuery,
      responses: { 200: { description: 'A page of notifications', schema: 'NotificationPage' } },
      handler: async (req, res) => {
        const { tenant, ...input } = validate<SearchInput & { tenant?: string }>(searchNotificationsSchema, req.body ?? {});
        const byId = Boolean(input.notification_id || input.event_id || input.webhook_id);
        res.json(await notifications.search(scope(req, res, tenant, byId), input));
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks:sendexpired',
      aliases: ['/v1/webhooks/sendexpired'],
      summary: 'Send expired notifications again',
      description: 'Every matching EXPIRED notification goes back to PENDING with a fresh retry schedule, exactly once even under concurrent calls.',
      tags,
      body: sendExpiredSchema,
      bodyRequired: false,
      query: tenantQuery,
      responses: { 202: { description: 'How many notifications were requeued', schema: 'Requeued' } },
      handler: async (req, res) => {
        const { tenant, ...input } = validate<SendExpiredInput & { tenant?: string }>(sendExpiredSchema, req.body ?? {});
        const byId = Boolean(input.webhook_id || input.notification_ids);
        res.status(202).json(await notifications.sendExpired(scope(req, res, tenant, byId), input));
      },
    },
    {
      method: 'get',
      path: '/v1/notifications/{id}',
      summary: 'Get a notification with its attempts',
      tags,
      query: tenantQuery,
      responses: { 200: { description: 'The notification', schema: 'Notification' } },
      handler: async (req, res) => {
        res.json(await notifications.get(scope(req, res, undefined, true), String(req.params.id)));
      },
    },
    {
      method: 'post',
      path: '/v1/notifications/{id}:resend',
      aliases: ['/v1/notifications/{id}/resend'],
      summary: 'Resend a notification now',
      description: 'One attempt now, outside the schedule, with trigger `resend`. Not allowed while the notification is PENDING (409).',
      tags,
      query: tenantQuery,
      responses: { 200: { description: 'The notification after the attempt', schema: 'Notification' }, 409: { description: 'The notification is PENDING', schema: 'Problem', contentType: 'application/problem+json' } },
      handler: async (req, res) => {
        res.json(await notifications.resend(scope(req, res, undefined, true), String(req.params.id)));
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks/{id}:ping',
      aliases: ['/v1/webhooks/{id}/ping'],
      summary: 'Ping a webhook',
      description: 'Sends one signed `WEBHOOK.PING` callback now, whatever the webhook state, and reports the outcome. Nothing is stored, but like any attempt it feeds the webhook\'s health: a 410 Gone disables an enabled webhook.',
      tags: ['Webhooks'],
      query: tenantQuery,
      responses: { 200: { description: 'The outcome of the ping', schema: 'PingResult' } },
      handler: async (req, res) => {
        const webhook = await webhooks.get(scope(req, res, undefined, true), String(req.params.id));
        res.json(await notifications.ping(webhook));
      },
    },
  ];
}
