/** `GET /v1/stats`: live notification counts and per-webhook health for one tenant (the dashboard polls it). */
import { NOTIFICATION_STATUSES } from '@hookrelay/core';
import { STATS_WINDOW_SECONDS, type StatsService, type TenantStats } from '../services/stats-service.js';
import type { JsonSchema } from '../openapi/joi-to-json-schema.js';
import { presentTenantStats } from '../presenters/stats.js';
import { route, type RouteDefinition } from '../route-definition.js';
import { tenantOnlyQuery } from './tenant-query.js';

const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };

const STATUS_COUNTS: JsonSchema = {
  type: 'object',
  required: [...NOTIFICATION_STATUSES, 'total'],
  properties: Object.fromEntries([...NOTIFICATION_STATUSES, 'total'].map((k) => [k, { type: 'integer', minimum: 0 }])),
};

const WEBHOOK_STATS: JsonSchema = {
  type: 'object',
  required: [
    'webhook_id',
    'url',
    'is_enabled',
    'disabled_reason',
    'notifications',
    'attempts',
    'succeeded_attempts',
    'success_rate',
    'avg_duration_ms',
    'last_attempt_at',
    'last_status_code',
    'last_error',
  ],
  properties: {
    webhook_id: { type: 'string', format: 'uuid' },
    url: { type: 'string' },
    is_enabled: { type: 'boolean' },
    disabled_reason: { type: ['string', 'null'] },
    notifications: { ...STATUS_COUNTS, description: "this webhook's notifications by status, all time" },
    attempts: { type: 'integer', description: 'delivery attempts within the window' },
    succeeded_attempts: { type: 'integer', description: 'attempts within the window answered with a 2xx' },
    success_rate: { type: ['number', 'null'], minimum: 0, maximum: 1, description: 'succeeded_attempts / attempts; null without attempts' },
    avg_duration_ms: { type: ['integer', 'null'] },
    last_attempt_at: { ...nullableDateTime, description: 'latest attempt within the window' },
    last_status_code: { type: ['integer', 'null'], description: 'null when that attempt got no response' },
    last_error: { type: ['string', 'null'] },
    in_flight: {
      type: 'integer',
      minimum: 0,
      description: 'deliveries in flight now, fleet-wide; the webhook is at its cap when this reaches its max_in_flight (or endpoint_max_in_flight)',
    },
  },
};

const TENANT_STATS: JsonSchema = {
  type: 'object',
  required: ['tenant', 'generated_at', 'window_seconds', 'notifications', 'webhooks'],
  properties: {
    tenant: { type: 'string' },
    generated_at: { type: 'string', format: 'date-time' },
    window_seconds: { type: 'integer', description: 'the recent window the per-webhook health covers' },
    notifications: { ...STATUS_COUNTS, description: "the tenant's notifications by status, all time" },
    webhooks: { type: 'array', items: WEBHOOK_STATS, description: 'every webhook of the tenant, in creation order' },
    endpoint_max_in_flight: { type: 'integer', description: 'ENDPOINT_MAX_IN_FLIGHT: the cap of webhooks whose max_in_flight is null' },
  },
};

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/**
 * The answer's JSON per read: requests that joined one read (StatsService)
 * share its presented and serialized body, 45 KiB for a tenant of 100
 * webhooks, instead of building it each.
 */
const bodies = new WeakMap<TenantStats, string>();
function serialized(read: TenantStats): string {
  let body = bodies.get(read);
  if (body === undefined) {
    body = JSON.stringify(presentTenantStats(read));
    bodies.set(read, body);
  }
  return body;
}

export function statsRoutes(stats: StatsService): RouteDefinition[] {
  return [
    route({
      method: 'get',
      path: '/v1/stats',
      summary: 'Notification counts and webhook health',
      description: `The tenant's notifications by status, and for each webhook its counts, the success rate of its attempts over the last ${STATS_WINDOW_SECONDS / 3600} hours, its latest attempt's status code, time and error, and why it was disabled.`,
      tags: ['Operations'],
      query: tenantOnlyQuery,
      tenant: 'acting',
      responses: { 200: { description: "The tenant's statistics", schema: TENANT_STATS } },
      handler: async ({ tenant }) => ({ headers: JSON_TYPE, body: serialized(await stats.forTenant(tenant)) }),
    }),
  ];
}
