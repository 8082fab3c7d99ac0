import { createApiKeySchema, listApiKeysQuery } from '@hookrelay/core';
import type { ApiKeyService } from '../services/api-key-service.js';
import { presentApiKeyList, presentCreatedApiKey } from '../presenters/api-key.js';
import { route, validated, type RouteDefinition, type Tenanted } from '../route-definition.js';
import { tenantOnlyQuery } from './tenant-query.js';

const tags = ['API keys'];

export function apiKeyRoutes(apiKeys: ApiKeyService): RouteDefinition[] {
  return [
    route({
      method: 'get',
      path: '/v1/api-keys',
      summary: "List a tenant's API keys",
      description:
        'Never the keys themselves (only their hashes are stored). The admin names the tenant (`default` when none); a tenant key lists its own tenant. Revoked keys only with `include_revoked=true`.',
      tags,
      portal: false,
      query: validated<Tenanted<{ include_revoked: boolean }>>(listApiKeysQuery),
      tenant: 'acting',
      responses: { 200: { description: 'The keys, oldest first', schema: 'ApiKeyList' } },
      handler: async ({ input, principal, tenant }) => ({
        body: presentApiKeyList(await apiKeys.list(principal, { tenant, include_revoked: input.query.include_revoked })),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/api-keys',
      summary: 'Create a tenant API key (admin only)',
      description: 'The key is returned once and stored only as a hash.',
      tags,
      portal: false,
      adminOnly: true,
      body: validated<{ tenant: string; name?: string }>(createApiKeySchema),
      tenant: 'acting',
      responses: { 201: { description: 'The new key', schema: 'ApiKey' } },
      handler: async ({ input, principal, tenant }) => ({
        status: 201,
        body: presentCreatedApiKey(await apiKeys.create(principal, { tenant, name: input.body.name })),
      }),
    }),
    route({
      method: 'delete',
      path: '/v1/api-keys/{id}',
      summary: 'Revoke an API key',
      description: 'The admin revokes any key; a tenant key revokes keys of its own tenant.',
      tags,
      portal: false,
      query: tenantOnlyQuery,
      tenant: 'lookup',
      responses: { 204: { description: 'Revoked' } },
      handler: async ({ input, principal, tenant }) => {
        await apiKeys.revoke(principal, input.params.id, tenant ?? undefined);
        return { status: 204 };
      },
    }),
  ];
}
