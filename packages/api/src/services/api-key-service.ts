import { NotFoundError } from '@hookrelay/core';
import type { ApiKey, ApiKeysRepository, TenantsRepository } from '@hookrelay/db';
import { isUuid } from './ids.js';
import { actingTenant, generateApiKey, hashApiKey, lookupTenant, refusePortal, requireAdmin, type Principal } from './auth.js';

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** shown once, never stored (the row holds its hash) */
  key: string;
}

export interface ApiKeyServiceDeps {
  apiKeys: ApiKeysRepository;
  tenants: TenantsRepository;
  /** told of every key revoked here (AuthService.forgetKey: refused from its next request on) */
  onRevoked?: (keyId: string) => void;
}

export class ApiKeyService {
  constructor(private readonly deps: ApiKeyServiceDeps) {}

  async create(principal: Principal, input: { tenant: string; name?: string }): Promise<CreatedApiKey> {
    requireAdmin(principal);
    await this.deps.tenants.ensure(input.tenant);
    const key = generateApiKey();
    const apiKey = await this.deps.apiKeys.create({ tenantId: input.tenant, name: input.name ?? null, keyHash: hashApiKey(key) });
    return { apiKey, key };
  }

  /** The tenant's keys (the admin names the tenant); revoked ones with `includeRevoked`. */
  async list(principal: Principal, input: { tenant?: string; include_revoked: boolean }): Promise<ApiKey[]> {
    refusePortal(principal, 'manage API keys');
    return this.deps.apiKeys.listForTenant(actingTenant(principal, input.tenant), input.include_revoked);
  }

  /** The admin revokes any key; a tenant key revokes keys of its tenant (including itself). */
  async revoke(principal: Principal, id: string, requestedTenant?: string): Promise<void> {
    refusePortal(principal, 'manage API keys');
    const tenant = lookupTenant(principal, requestedTenant);
    const key = isUuid(id) ? await this.deps.apiKeys.findActive(id, tenant) : null;
    if (!key || !(await this.deps.apiKeys.revoke(key.id))) throw new NotFoundError(`API key ${id} not found`);
    this.deps.onRevoked?.(key.id);
  }
}
