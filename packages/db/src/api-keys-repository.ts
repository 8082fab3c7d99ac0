import type { ApiKey, Db } from './client.js';

export interface NewApiKey {
  tenantId: string;
  name: string | null;
  keyHash: string;
}

export class ApiKeysRepository {
  constructor(private readonly db: Db) {}

  create(input: NewApiKey): Promise<ApiKey> {
    return this.db.apiKey.create({ data: input });
  }

  /** Only keys still in force: a revoked key is as good as unknown. */
  findActiveByHash(keyHash: string): Promise<ApiKey | null> {
    return this.db.apiKey.findFirst({ where: { keyHash, revokedAt: null } });
  }

  /** `tenantId` null looks across tenants (admin). */
  findActive(id: string, tenantId: string | null): Promise<ApiKey | null> {
    return this.db.apiKey.findFirst({ where: { id, revokedAt: null, ...(tenantId === null ? {} : { tenantId }) } });
  }

  /** A tenant's keys, oldest first; revoked ones only when asked for. */
  listForTenant(tenantId: string, includeRevoked: boolean): Promise<ApiKey[]> {
    return this.db.apiKey.findMany({
      where: { tenantId, ...(includeRevoked ? {} : { revokedAt: null }) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  async revoke(id: string): Promise<boolean> {
    const { count } = await this.db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return count > 0;
  }
}
