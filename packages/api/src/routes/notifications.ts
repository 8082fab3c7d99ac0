/**
 * Notifications and the actions on them: `:search`, `:sendexpired`, get,
 * `:resend`, and `:ping` of a webhook. The reference's `/webhooks:verb`
 * style is served alongside plain `/webhooks/verb` aliases.
 *
 * Ids are unique across tenants, so an admin naming no tenant may address
 * notifications by id (or by webhook) in any tenant (`lookup`); without such
 * a filter the admin acts for the default tenant.
 *
 * NotificationService answers with domain objects; presenters/notification.ts
 * shapes them for the wire.
 */
import { searchNotificationsSchema, sendExpiredSchema } from '@hookrelay/core';
import type { NotificationService, SearchInput, SendExpiredInput } from '../services/notification-service.js';
import type { WebhookService } from '../services/webhook-service.js';
import { presentNotification, presentPingOutcome } from '../presenters/notification.js';
import { presentPage } from '../presenters/page.js';
import { route, validated, type RouteDefinition, type Tenanted } from '../route-definition.js';
import { tenantOnlyQuery } from './tenant-query.js';

const tags = ['Notifications'];

export function notificationRoutes(notifications: NotificationService, webhooks: WebhookService): RouteDefinition[] {
  return [
    route({
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
      body: validated<Tenanted<SearchInput>>(searchNotificationsSchema),
      bodyRequired: false,
      query: tenantOnlyQuery,
      tenant: (body) => (body.notification_id || body.event_id || body.webhook_id ? 'lookup' : 'acting'),
      responses: { 200: { description: 'A page of notifications', schema: 'NotificationPage' } },
      handler: async ({ input, tenant }) => {
        const page = await notifications.search(tenant, input.body);
        return { body: presentPage('notifications', page.notifications, page.nextPageToken, presentNotification) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/webhooks:sendexpired',
      aliases: ['/v1/webhooks/sendexpired'],
      summary: 'Send expired notifications again',
      description: 'Every matching EXPIRED notification goes back to PENDING with a fresh retry schedule, exactly once even under concurrent calls.',
      tags,
      body: validated<Tenanted<SendExpiredInput>>(sendExpiredSchema),
      bodyRequired: false,
      query: tenantOnlyQuery,
      tenant: (body) => (body.webhook_id || body.notification_ids ? 'lookup' : 'acting'),
      responses: { 202: { description: 'How many notifications were requeued', schema: 'Requeued' } },
      handler: async ({ input, tenant }) => ({ status: 202, body: await notifications.sendExpired(tenant, input.body) }),
    }),
    route({
      method: 'get',
      path: '/v1/notifications/{id}',
      summary: 'Get a notification with its attempts',
      tags,
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: { 200: { description: 'The notification', schema: 'Notification' } },
      handler: async ({ input, tenant }) => ({ body: presentNotification(await notifications.get(tenant, input.params.id)) }),
    }),
    route({
      method: 'post',
      path: '/v1/notifications/{id}:resend',
      aliases: ['/v1/notifications/{id}/resend'],
      summary: 'Resend a notification now',
      description: 'One attempt now, outside the schedule, with trigger `resend`. Not allowed while the notification is PENDING (409).',
      tags,
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: {
        200: { description: 'The notification after the attempt', schema: 'Notification' },
        409: { description: 'The notification is PENDING', schema: 'Problem', contentType: 'application/problem+json' },
      },
      handler: async ({ input, tenant }) => ({ body: presentNotification(await notifications.resend(tenant, input.params.id)) }),
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/{id}:ping',
      aliases: ['/v1/webhooks/{id}/ping'],
      summary: 'Ping a webhook',
      description:
        "Sends one signed `WEBHOOK.PING` callback now, whatever the webhook state, and reports the outcome. Nothing is stored, but like any attempt it feeds the webhook's health: a 410 Gone disables an enabled webhook.",
      tags: ['Webhooks'],
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: { 200: { description: 'The outcome of the ping', schema: 'PingResult' } },
      handler: async ({ input, tenant }) => ({ body: presentPingOutcome(await notifications.ping(await webhooks.get(tenant, input.params.id))) }),
    }),
  ];
}
