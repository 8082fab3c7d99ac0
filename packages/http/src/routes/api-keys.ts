import { createApiKeySchema, listApiKeysQuery, tenantQuery, validate } from '@hookrelay/core';
import { requireAdmin, type ApiKeyService } from '@hookrelay/services';
import { noteTenant, principalOf } from '../context.js';
import type { RouteDefinition } from '../route-definition.js';
import { requestedTenant } from './tenant-params.js';

const tags = ['API keys'];

export function apiKeyRoutes(apiKeys: ApiKeyService): RouteDefinition[] {
  return [
    {
      method: 'get',
      path: '/v1/api-keys',
      summary: "List a tenant's API keys",
      description: 'Never the keys themselves (only their hashes are stored). The admin names the tenant (`default` when none); a tenant key lists its own tenant. Revoked keys only with `include_revoked=true`.',
      tags,
      portal: false,
      query: listApiKeysQuery,
      responses: { 200: { description: 'The keys, oldest first', schema: 'ApiKeyList' } },
      handler: async (req, res) => {
        const query = validate<{ tenant?: string; include_revoked: boolean }>(listApiKeysQuery, req.query, 'query');
        const principal = principalOf(res);
        noteTenant(res, query.tenant ?? principal.tenant ?? 'default');
        res.json({ api_keys: await apiKeys.list(principal, query) });
      },
    },
    {
      method: 'post',
      path: '/v1/api-keys',
      summary: 'Create a tenant API key (admin only)',
      description: 'The key is returned once and stored only as a hash.',
      tags,
      portal: false,
      body: createApiKeySchema,
      responses: { 201: { description: 'The new key', schema: 'ApiKey' } },
      handler: async (req, res) => {
        const principal = principalOf(res);
        // Authorization before validation: a tenant key learns nothing about the body's shape.
        requireAdmin(principal);
        const input = validate<{ tenant: string; name?: string }>(createApiKeySchema, req.body ?? {});
        noteTenant(res, input.tenant);
        res.status(201).json(await apiKeys.create(principal, input));
      },
    },
    {
      method: 'delete',
      path: '/v1/api-keys/{id}',
      summary: 'Revoke an API key',
      description: 'The admin revokes any key; a tenant key revokes keys of its own tenant.',
      tags,
      portal: false,
      query: tenantQuery,
      responses: { 204: { description: 'Revoked' } },
      handler: async (req, res) => {
        const id = String(req.params.id);
        const principal = principalOf(res);
        await apiKeys.revoke(principal, id, requestedTenant(req));
        res.status(204).end();
      },
    },
  ];
}
