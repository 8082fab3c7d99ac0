import type { Db } from './client.js';

/** Tenants are created on first use; nothing else is stored about them yet. */
export class TenantsRepository {
  constructor(private readonly db: Db) {}

  /** Idempotent and race-free: concurrent first uses of a tenant both succeed. */
  async ensure(id: string): Promise<void> {
    await this.db.$executeRaw`INSERT INTO tenants (id) VALUES (${id}) ON CONFLICT (id) DO NOTHING`;
  }
}
