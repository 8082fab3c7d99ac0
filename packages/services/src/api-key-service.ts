import { NotFoundError } from '@hookrelay/core';
import type { ApiKeysRepository, TenantsRepository } from '@hookrelay/db';
import { isUuid } from './ids.js';
import { actingTenant, generateApiKey, hashApiKey, lookupTenant, refusePortal, requireAdmin, type Principal } from './auth.js';

export interface CreatedApiKey {
  id: string;
  tenant: string;
  name: string | null;
  /** shown once, never stored */
  key: string;
  created_at: string;
}

/** A key as listed: never the key itself (only its hash is stored). */
export interface ApiKeyView {
  id: string;
  tenant: string;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface ApiKeyServiceDeps {
  apiKeys: ApiKeysRepository;
  tenants: TenantsRepository;
}

export class ApiKeyService {
  constructor(private readonly deps: ApiKeyServiceDeps) {}

  async create(principal: Principal, input: { tenant: string; name?: string }): Promise<CreatedApiKey> {
    requireAdmin(principal);
    await this.deps.tenants.ensure(input.tenant);
    const key = generateApiKey();
    const row = await this.deps.apiKeys.create({ tenantId: input.tenant, name: input.name ?? null, keyHash: hashApiKey(key) });
    return { id: row.id, tenant: row.tenantId, name: row.name, key, created_at: row.createdAt.toISOString() };
  }

  /** The tenant's keys (the admin names the tenant); revoked ones with `includeRevoked`. */
  async list(principal: Principal, input: { tenant?: string; include_revoked: boolean }): Promise<ApiKeyView[]> {
    refusePortal(principal, 'manage API keys');
    const tenant = actingTenant(principal, input.tenant);
    const rows = await this.deps.apiKeys.listForTenant(tenant, input.include_revoked);
    return rows.map((row) => ({
      id: row.id,
      tenant: row.tenantId,
      name: row.name,
      created_at: row.createdAt.toISOString(),
      revoked_at: row.revokedAt?.toISOString() ?? null,
    }));
  }

  /** The admin revokes any key; a tenant key revokes keys of its tenant (including itself). */
  async revoke(principal: Principal, id: string, requestedTenant?: string): Promise<void> {
    refusePortal(principal, 'manage API keys');
    const tenant = lookupTenant(principal, requestedTenant);
    const key = isUuid(id) ? await this.deps.apiKeys.findActive(id, tenant) : null;
    if (!key || !(await this.deps.apiKeys.revoke(key.id))) throw new NotFoundError(`API key ${id} not found`);
  }
}
