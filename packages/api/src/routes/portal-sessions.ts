/**
 * `POST /v1/portal-sessions`: a dashboard link for one tenant's customer.
 * `GET /v1/portal-sessions/current`: what the dashboard signed in with.
 */
import type { Request } from 'express';
import { createPortalSessionSchema, NotFoundError, ValidationError, type CreatePortalSessionInput } from '@hookrelay/core';
import type { PortalSessionService } from '../services/portal-session-service.js';
import type { JsonSchema } from '../openapi/joi-to-json-schema.js';
import { presentCreatedPortalSession, presentPortalSession } from '../presenters/portal-session.js';
import { route, validated, type RouteDefinition } from '../route-definition.js';
import { tenantOnlyQuery } from './tenant-query.js';

const tags = ['Portal'];
const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

const CREATED: JsonSchema = {
  type: 'object',
  required: ['token', 'url', 'expires_at'],
  properties: {
    token: { type: 'string', description: 'a Bearer token for the tenant, shown once, stored only as a hash' },
    url: { type: 'string', format: 'uri', description: '{PUBLIC_BASE_URL or the request origin}/dashboard#token=<token>' },
    expires_at: { type: 'string', format: 'date-time' },
  },
};

const CURRENT: JsonSchema = {
  type: 'object',
  required: ['tenant', 'read_only', 'expires_at'],
  properties: { tenant: { type: 'string' }, read_only: { type: 'boolean' }, expires_at: { type: 'string', format: 'date-time' } },
};

/** `http://host:port` of the request (used only without PUBLIC_BASE_URL). */
function requestOrigin(req: Request): string {
  const host = req.get('host') ?? '';
  if (!HOST.test(host))
    throw new ValidationError('The Host header is not a valid host; set PUBLIC_BASE_URL on the server to build portal links', [
      { field: 'host', message: 'invalid Host header' },
    ]);
  return `${req.protocol}://${host}`;
}

export function portalSessionRoutes(portal: PortalSessionService): RouteDefinition[] {
  return [
    route({
      method: 'post',
      path: '/v1/portal-sessions',
      summary: 'Create a tenant portal session',
      description:
        'The admin key (for any `tenant`, `default` when none) or a tenant key (for its own tenant) gets a short-lived token and the dashboard URL that signs in with it (the token only in the URL fragment). The token acts as a Bearer key for that tenant until `expires_at`; it cannot create portal sessions or API keys, and a `read_only` one gets 403 on every change (ping, resend and sendexpired included).',
      tags,
      // the portal guard refuses portal tokens before anything is read
      portal: false,
      body: validated<CreatePortalSessionInput>(createPortalSessionSchema),
      bodyRequired: false,
      query: tenantOnlyQuery,
      tenant: 'acting',
      responses: {
        201: { description: 'The session', schema: CREATED },
        403: { description: 'A portal token, or a tenant key naming another tenant', schema: 'Problem', contentType: 'application/problem+json' },
      },
      handler: async ({ input, principal, tenant, req }) => {
        const session = await portal.create(principal, { ...input.body, tenant }, requestOrigin(req));
        return { status: 201, headers: { 'cache-control': 'no-store' }, body: presentCreatedPortalSession(session) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/portal-sessions/current',
      summary: 'The portal session of this token',
      description: 'For a portal token: its tenant, whether it is read-only, and when it ends. 404 for API keys.',
      tags,
      query: tenantOnlyQuery,
      // a tenant scope other than the caller's own is refused, as everywhere
      tenant: 'lookup',
      responses: { 200: { description: 'The session', schema: CURRENT } },
      handler: ({ principal }) => {
        const session = portal.current(principal);
        if (!session) throw new NotFoundError('This key is not a portal session');
        return { body: presentPortalSession(session) };
      },
    }),
  ];
}
