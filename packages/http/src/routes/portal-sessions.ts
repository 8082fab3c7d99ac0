/**
 * `POST /v1/portal-sessions`: a dashboard link for one tenant's customer.
 * `GET /v1/portal-sessions/current`: what the dashboard signed in with.
 */
import type { Request } from 'express';
import { createPortalSessionSchema, NotFoundError, tenantQuery, validate, ValidationError, type CreatePortalSessionInput } from '@hookrelay/core';
import { actingTenant, refusePortal, type PortalSessionService } from '@hookrelay/services';
import { noteTenant, principalOf } from '../context.js';
import type { JsonSchema } from '../openapi/joi-to-json-schema.js';
import type { RouteDefinition } from '../route-definition.js';
import { requestedTenant } from './tenant-params.js';

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
  if (!HOST.test(host)) throw new ValidationError('The Host header is not a valid host; set PUBLIC_BASE_URL on the server to build portal links', [{ field: 'host', message: 'invalid Host header' }]);
  return `${req.protocol}://${host}`;
}

export function portalSessionRoutes(portal: PortalSessionService): RouteDefinition[] {
  return [
    {
      method: 'post',
      path: '/v1/portal-sessions',
      summary: 'Create a tenant portal session',
      description:
        'The admin key (for any `tenant`, `default` when none) or a tenant key (for its own tenant) gets a short-lived token and the dashboard URL that signs in with it (the token only in the URL fragment). The token acts as a Bearer key for that tenant until `expires_at`; it cannot create portal sessions or API keys, and a `read_only` one gets 403 on every change (ping, resend and sendexpired included).',
      tags,
      portal: false,
      body: createPortalSessionSchema,
      bodyRequired: false,
      query: tenantQuery,
      responses: { 201: { description: 'The session', schema: CREATED }, 403: { description: 'A portal token, or a tenant key naming another tenant', schema: 'Problem', contentType: 'application/problem+json' } },
      handler: async (req, res) => {
        const principal = principalOf(res);
        refusePortal(principal, 'create portal sessions');
        const body = validate<CreatePortalSessionInput>(createPortalSessionSchema, req.body ?? {});
        // the tenant in the body, else in ?tenant= (as for every other route)
        const input = { ...body, tenant: requestedTenant(req, body.tenant) };
        noteTenant(res, input.tenant ?? principal.tenant ?? 'default');
        res.status(201).set('cache-control', 'no-store').json(await portal.create(principal, input, requestOrigin(req)));
      },
    },
    {
      method: 'get',
      path: '/v1/portal-sessions/current',
      summary: 'The portal session of this token',
      description: 'For a portal token: its tenant, whether it is read-only, and when it ends. 404 for API keys.',
      tags,
      query: tenantQuery,
      responses: { 200: { description: 'The session', schema: CURRENT } },
      handler: (req, res) => {
        const principal = principalOf(res);
        // a tenant scope other than the caller's own is refused, as everywhere
        if (!principal.isAdmin) actingTenant(principal, requestedTenant(req));
        else requestedTenant(req);
        const view = portal.current(principal);
        if (!view) throw new NotFoundError('This key is not a portal session');
        noteTenant(res, view.tenant);
        res.json(view);
      },
    },
  ];
}
